"""``python -m clusters`` is the ``clusters`` command."""

import sys

from clusters.cli import main

sys.exit(main())
