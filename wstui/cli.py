"""Entry point: placeholder until the subcommands land."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("wstui: not yet implemented", file=sys.stderr)
    return 1
