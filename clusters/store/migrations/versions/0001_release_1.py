"""The registry as release 1 created it (before migrations): the starting point.

Revision ID: 0001
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to do: release 1 created its tables itself; later revisions build on them."""
