"""`python -m solutions`: see `solutions.cli` or run `python -m solutions --help`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
