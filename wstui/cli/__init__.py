"""Entry point: the TUI by default; demo, sim, refresh, ls, act and log headless.

Exit codes (docs/cli.md): 0 ok, 1 error, 2 usage, 3 plan not confirmed,
4 partial failure, 5 refused by read-only mode, 130 interrupted, 141 stdout closed.

Output: data, plans and results on stdout; problems, refusals and progress on stderr.

Here: main() and how a command's end becomes an exit code. The rest: parser (flags, Options),
reading (ls, log, targets), acting (act, op, create-workspaces), refreshing (refresh),
launching (the TUI and the demo), output (safe text, tables, progress), exits (codes).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from wstui.cli import launching
from wstui.cli.exits import (
    EXIT_BROKEN_PIPE,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_READ_ONLY,
    EXIT_UNCONFIRMED,
    EXIT_USAGE,
    CliError,
)
from wstui.cli.output import display_width, fit, safe
from wstui.cli.parser import _merge_globals, build_parser, join_dash_values, options_from
from wstui.wiring import Options

# The names tests, bench and docs take from `wstui.cli`.
__all__ = [
    "EXIT_BROKEN_PIPE", "EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL",
    "EXIT_READ_ONLY", "EXIT_UNCONFIRMED", "EXIT_USAGE", "CliError", "Options", "_merge_globals",
    "build_parser", "display_width", "fit", "main", "safe",
]  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here for output still in the buffer
        return code
    except BrokenPipeError:
        # The reader went away (`wstui ls ws | head`): stop quietly, as `ls | head` does.
        # Point stdout at /dev/null so the interpreter's final flush cannot fail again.
        import os

        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
            pass
        return EXIT_BROKEN_PIPE


def _main(argv: Sequence[str] | None) -> int:
    raw = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(sim="sim" in raw)
    try:
        args = _merge_globals(parser.parse_args(join_dash_values(raw)))
    except SystemExit as exc:  # argparse: 0 for --help, 2 for usage errors
        return int(exc.code or 0)
    opts, problems = options_from(args)
    for problem in problems:
        print(f"wstui: config: {safe(problem)}", file=sys.stderr)
    func = getattr(args, "func", None)
    try:
        if func is None:
            if not launching.has_terminal():  # else Textual waits forever on a pipe
                print(f"wstui: {launching.NEEDS_TTY}", file=sys.stderr)
                return EXIT_USAGE
            import gc

            # Start-up allocates objects (modules, CSS rules, widgets) that live until exit;
            # collecting while the first frame is built costs ~40 ms and frees nothing.
            # run_tui turns collection back on (and freezes them) after the first frame.
            gc.disable()
            from wstui.wiring import run_tui

            return int(run_tui(opts) or 0)
        # Every command, `sim ...` included, takes (args, opts).
        return int(func(args, opts) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        raise  # main() ends quietly
    except CliError as exc:
        print(f"wstui: {safe(exc)}", file=sys.stderr)
        return exc.code
    except Exception as exc:
        refused = _gateway_exit(exc)
        if refused is not None:
            return refused
        from wstui.core.aws import credentials_problem

        credentials = credentials_problem(exc, opts.profiles[0] if opts.profiles else None)
        print(f"wstui: {safe(credentials or f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        return EXIT_ERROR


def _gateway_exit(exc: BaseException) -> int | None:
    """The gateway's two stops, for every command that sends: read-only (nothing sent) and
    sending stopped part-way (say exactly what was and was not sent)."""
    if "wstui.core.act" not in sys.modules:
        return None  # nothing was sent through it
    from wstui.core.act import ReadOnlyError, SendingStopped

    if isinstance(exc, ReadOnlyError):
        print(f"wstui: {safe(exc)}; nothing sent", file=sys.stderr)
        return EXIT_READ_ONLY
    if isinstance(exc, SendingStopped):
        for line in exc.report():
            print(f"wstui: {safe(line)}", file=sys.stderr)
        if exc.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_PARTIAL if any(o.status == "sent" for o in exc.outcomes) else EXIT_ERROR
    return None

