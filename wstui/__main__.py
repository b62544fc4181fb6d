"""`python -m wstui ...`: the same as the `wstui` command (docs and notes use both)."""

import sys

from wstui.cli import main

if __name__ == "__main__":
    sys.exit(main())
