"""Migration scripts, one file per revision (loaded by Alembic, not imported)."""
