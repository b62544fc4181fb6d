"""Starting the TUI or the demo: both need a terminal, the demo the simulator (moto)."""

from __future__ import annotations

import argparse
import importlib.util
import sys

from wstui.cli.exits import EXIT_USAGE
from wstui.wiring import Options

NEEDS_SIM = (
    "wstui demo needs the simulator (moto[server]): pipx install 'wstui[demo]', "
    "or add it to an existing pipx install: pipx inject wstui 'moto[server]==5.2.5' "
    "(with pip: pip install 'wstui[demo]')"
)
NEEDS_TTY = (
    "the TUI needs a terminal (stdin and stdout are not both a TTY); "
    "run a command instead, e.g. `wstui ls ws` (see `wstui --help`)"
)


def moto_available() -> bool:
    return importlib.util.find_spec("moto") is not None


def needs_sim() -> int:
    print(NEEDS_SIM, file=sys.stderr)
    return EXIT_USAGE


def has_terminal() -> bool:
    """The TUI reads keys from stdin and draws on stdout: both must be a terminal."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def cmd_demo(args: argparse.Namespace, opts: Options) -> int:
    if not moto_available():
        return needs_sim()
    if not has_terminal():
        print(f"wstui: {NEEDS_TTY}", file=sys.stderr)
        return EXIT_USAGE
    from wstui.demo import run_demo

    return int(run_demo(opts) or 0)
