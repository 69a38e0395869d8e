"""``python -m tokkit`` runs the command line."""

import sys

from tokkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
