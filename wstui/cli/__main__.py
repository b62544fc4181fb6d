"""`python -m wstui.cli ...`: the same as the `wstui` command (tests run it so)."""

import sys

from wstui.cli import main

if __name__ == "__main__":
    sys.exit(main())
