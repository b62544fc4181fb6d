"""Entry point: the TUI by default; demo, sim, refresh, ls, act and log headless.

Exit codes (docs/cli.md): 0 ok, 1 error, 2 usage, 3 plan not confirmed,
4 partial failure, 5 refused by read-only mode, 130 interrupted, 141 stdout closed.

Output: data, plans and results on stdout; problems, refusals and progress on stderr.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from wstui import __version__
from wstui.config import default_cache_path, load_config
from wstui.wiring import Options

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_UNCONFIRMED, EXIT_PARTIAL, EXIT_READ_ONLY = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `ls | head`'s writer
NEEDS_SIM = (
    "wstui demo needs the simulator (moto[server]): pipx install 'wstui[demo]', "
    "or add it to an existing pipx install: pipx inject wstui 'moto[server]==5.2.5' "
    "(with pip: pip install 'wstui[demo]')"
)
NEEDS_TTY = (
    "the TUI needs a terminal (stdin and stdout are not both a TTY); "
    "run a command instead, e.g. `wstui ls ws` (see `wstui --help`)"
)


# -- options (built here from flags; what they build: wstui.wiring) -----------
def options_from(args: argparse.Namespace) -> tuple[Options, list[str]]:
    """Options from parsed flags over config.toml; returns the config's problems too."""
    config = load_config(args.config)
    opts = Options(
        profiles=list(args.profile or []),
        regions=list(args.region or []),
        endpoint_url=args.endpoint_url,
        cache_path=Path(args.cache).expanduser() if args.cache else default_cache_path(),
        own_cache_dir=not args.cache,
        config=config,
        read_only=bool(args.read_only),
        theme=args.theme or config.theme,
    )
    for name in ("size", "seed", "speed", "org"):
        if getattr(args, name, None) is not None:
            setattr(opts, name, getattr(args, name))
    return opts, list(config.errors)


# -- safe output -------------------------------------------------------------
def safe(value: Any) -> str:
    """Text safe to print on a terminal: no escape sequences, controls or bidi overrides."""
    from wstui.core.text import plain

    return plain(value)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """Truncate to `width` terminal cells (with an ellipsis) and pad to exactly width."""
    if display_width(text) > width:
        out, used = [], 0
        for ch in text:
            w = _char_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def print_table(
    rows: list[list[Any]], headers: list[str], out: TextIO, max_width: int = 40
) -> None:
    cells = [[safe(c) for c in r] for r in rows]
    widths = [
        min(max_width, max([display_width(h), *(display_width(r[i]) for r in cells)]))
        for i, h in enumerate(headers)
    ]
    out.write("  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for r in cells:
        out.write("  ".join(fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def _fmt_ts(value: Any) -> str:
    from wstui.core.text import SECONDS, format_value

    return safe(format_value(value, "ts", SECONDS))


# -- parser -------------------------------------------------------------------
# Global options, accepted before or after the subcommand (`wstui ls ws --profile x`).
# (flags, argparse keywords); subcommands get them with `sub_` dests (see _merge_globals).
GLOBAL_OPTIONS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--profile",), dict(action="append", metavar="NAME", help="AWS profile (repeatable)")),
    (("--region",), dict(action="append", metavar="REGION", help="AWS region (repeatable)")),
    (("--endpoint-url",), dict(metavar="URL", help="API endpoint (beats AWS_ENDPOINT_URL*)")),
    (("--cache",), dict(metavar="PATH", help="cache file (default under WSTUI_CACHE_DIR)")),
    (("--config",), dict(metavar="PATH", help="config.toml (default under WSTUI_CONFIG_DIR)")),
    (("--read-only",), dict(action="store_true", help="refuse every mutating action")),
    (("--theme",), dict(metavar="NAME", help="TUI theme")),
]
_GLOBAL_DESTS = ("profile", "region", "endpoint_url", "cache", "config", "read_only", "theme")


def _add_globals(parser: argparse.ArgumentParser, sub: bool) -> None:
    group = parser.add_argument_group("global options")
    for flags, kwargs in GLOBAL_OPTIONS:
        if sub:
            dest = "sub_" + flags[0].lstrip("-").replace("-", "_")
            group.add_argument(*flags, **kwargs, dest=dest, default=argparse.SUPPRESS)
        else:
            group.add_argument(*flags, **kwargs)


def _merge_globals(args: argparse.Namespace) -> argparse.Namespace:
    """Global options given after the subcommand: lists add up, single values win."""
    for dest in _GLOBAL_DESTS:
        late = getattr(args, "sub_" + dest, None)
        if late is None:
            continue
        delattr(args, "sub_" + dest)
        if isinstance(late, list):
            setattr(args, dest, [*(getattr(args, dest, None) or []), *late])
        else:
            setattr(args, dest, late)
    return args


# Options whose value may start with "-" (`--filter -state:available`, a negated query).
# argparse takes such a value for an option; joining it as `--filter=-state:...` keeps it.
DASH_VALUE_OPTIONS = frozenset({"--filter", "-f"})


def join_dash_values(argv: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return out + argv[i:]
        nxt = argv[i + 1] if i + 1 < len(argv) else None
        dash_value = nxt is not None and nxt.startswith("-") and not nxt.startswith("--")
        if arg in DASH_VALUE_OPTIONS and dash_value and nxt not in _SHORT_FLAGS:
            out.append(f"{arg}={nxt}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


# Short flags of ls/act: `--filter -c` is a missing value, not a query (argparse says so).
_SHORT_FLAGS = frozenset({"-f", "-s", "-c", "-o", "-O", "-y", "-h", "-p"})

OUTPUT_FORMATS = ("table", "json", "csv", "text")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="wstui",
        description="Terminal fleet manager for Amazon WorkSpaces. Without a command, opens the TUI.",
    )
    p.add_argument("--version", action="version", version=f"wstui {__version__}")
    _add_globals(p, sub=False)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the TUI on a simulated fleet")
    demo.add_argument("--size", type=int, help="number of simulated WorkSpaces")
    demo.add_argument("--seed", type=int, help="random seed")
    demo.add_argument("--speed", type=float, help="virtual seconds per real second")
    demo.add_argument("--org", action="store_true", default=None,
                      help="an AWS Organization of 5 accounts (one refuses the role), "
                           "found by Organizations discovery")  # fmt: skip
    demo.set_defaults(func=cmd_demo)

    _add_sim(sub)

    r = sub.add_parser("refresh", help="fill the cache from the API")
    r.add_argument("--kinds", nargs="+", metavar="KIND", help="kinds to refresh (default all)")
    r.add_argument("--watch", action="store_true", help="keep refreshing on each kind's interval")
    r.add_argument("--metrics", action="store_true",
                   help="then read CloudWatch metrics (billable hours, health, cost)")  # fmt: skip
    r.set_defaults(func=cmd_refresh)

    ls = sub.add_parser("ls", help="list cached rows of a kind")
    ls.add_argument("kind", metavar="KIND")
    ls.add_argument("--filter", "-f", default="", metavar="QUERY")
    ls.add_argument("--sort", "-s", metavar="COL[:desc]")
    # --output/-o is the AWS CLI's name for the format; --format stays as an alias.
    ls.add_argument("--output", "-o", "--format", dest="format", choices=OUTPUT_FORMATS,
                    default="table", help="table, json, csv or text (tab-separated, no header)")  # fmt: skip
    ls.add_argument("--columns", "-c", metavar="A,B", help="columns to show")
    ls.add_argument("--limit", type=int, default=None, metavar="N")
    ls.add_argument("--out-file", "-O", metavar="FILE",
                    help="write csv/json to FILE (streamed; format from -o or the extension)")  # fmt: skip
    ls.set_defaults(func=cmd_ls)

    act = sub.add_parser("act", help="plan and run an action on WorkSpaces")
    act.add_argument("action", metavar="ACTION")
    sel = act.add_mutually_exclusive_group(required=True)
    sel.add_argument("--filter", "-f", metavar="QUERY")
    sel.add_argument("--ids", nargs="+", metavar="ID")
    act.add_argument("--param", action="append", default=[], metavar="K=V")
    mode = act.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the plan, send nothing")
    mode.add_argument("--yes", "-y", action="store_true", help="send the planned calls")
    act.add_argument("--confirm", type=int, metavar="N", help="destructive: the eligible count")
    act.add_argument("--follow", action="store_true", help="wait until each id settles")
    act.set_defaults(func=cmd_act)

    log = sub.add_parser("log", help="show the audit log of actions")
    log.add_argument("--limit", type=int, default=20, metavar="N")
    log.add_argument("--output", "-o", "--format", dest="format", choices=("table", "json"),
                     default="table")  # fmt: skip
    log.set_defaults(func=cmd_log)
    _add_op(sub)
    _add_create_csv(sub)
    _add_targets(sub)

    comp = sub.add_parser("completion", help="print a shell completion script (bash or zsh)")
    comp.add_argument("shell", choices=("bash", "zsh"))
    comp.set_defaults(func=cmd_completion)
    for name, parser in sub.choices.items():
        if name != "sim":  # the simulator's own flags (--regions, ...) are not wstui's
            _add_globals(parser, sub=True)
    return p


def _moto_available() -> bool:
    return importlib.util.find_spec("moto") is not None


def _add_sim(sub: Any) -> None:
    added = False
    if _moto_available():
        from wstui.demo import add_sim_commands

        added = add_sim_commands(sub)
    if not added:
        sim = sub.add_parser("sim", help="the WorkSpaces simulator (needs wstui[demo])")
        sim.add_argument("rest", nargs=argparse.REMAINDER)
        sim.set_defaults(func=lambda args, opts: _needs_sim())


def _needs_sim() -> int:
    print(NEEDS_SIM, file=sys.stderr)
    return EXIT_USAGE


# -- commands -----------------------------------------------------------------
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


def _has_terminal() -> bool:
    """The TUI reads keys from stdin and draws on stdout: both must be a terminal."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdin, sys.stdout))


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    raw = list(argv) if argv is not None else sys.argv[1:]
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
            if not _has_terminal():  # else Textual would wait forever on a pipe or /dev/null
                print(f"wstui: {NEEDS_TTY}", file=sys.stderr)
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


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def cmd_completion(args: argparse.Namespace, opts: Options) -> int:
    from wstui.completion import script

    sys.stdout.write(script(args.shell, build_parser()))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace, opts: Options) -> int:
    if not _moto_available():
        return _needs_sim()
    if not _has_terminal():
        print(f"wstui: {NEEDS_TTY}", file=sys.stderr)
        return EXIT_USAGE
    from wstui.demo import run_demo

    return int(run_demo(opts) or 0)


def cmd_refresh(args: argparse.Namespace, opts: Options) -> int:
    from wstui.core.kinds import resolve
    from wstui.core.refresh import RefreshDone

    try:
        kinds = [resolve(k).name for k in args.kinds] if args.kinds else None
    except KeyError as exc:
        raise CliError(str(exc.args[0]), EXIT_USAGE) from None
    cache, clients = opts.make_cache(), opts.make_clients()
    report = _RefreshReport(RefreshDone)
    refresher = opts.make_refresher(cache, clients, on_event=report)
    if kinds:
        refresher.kinds = kinds
    if args.watch:
        try:
            return _watch(refresher, cache)
        finally:
            report.status.clear()
    try:
        results = refresher.refresh(kinds)
    finally:
        report.status.clear()
    report.summary()
    failed = sum(1 for r in results if r.error)
    if getattr(args, "metrics", False):
        for done in refresher.read_metrics():
            where = safe(done.target.label)
            if done.error:
                print(f"metrics {where}: {safe(done.error)}", file=sys.stderr)
                failed += 1
            else:
                res = done.result
                print(f"metrics {where}: {res.workspaces} WorkSpaces, {res.calls} calls, "
                      f"{res.datapoints} datapoints in {res.seconds:.1f}s", file=sys.stderr)  # fmt: skip
            results.append(done)
    if failed == 0:
        return EXIT_OK
    return EXIT_ERROR if failed == len(results) else EXIT_PARTIAL


def _watch(refresher: Any, cache: Any) -> int:
    """Refresh headless under the cache's watcher lease (core.watch) until interrupted."""
    import signal
    import threading

    from wstui.core import watch

    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        watch.serve(refresher, cache, stop)
    except watch.WatcherBusy as exc:
        raise CliError(f"{exc}; not starting a second watcher") from None
    return EXIT_OK


class _RefreshReport:
    """Prints each refresh result: rows on stdout, failures on stderr, and one error that
    repeats for every kind of a target (no credentials, say) once for that target.

    While a pass runs, a status line on stderr (a TTY only) says how far it is."""

    def __init__(self, done_type: type[Any]) -> None:
        import threading

        from wstui.status_line import StatusLine

        self.status = StatusLine(sys.stderr)
        self._done_type = done_type
        self._lock = threading.Lock()  # called from the refresher's worker threads
        # (profile, region) -> error text -> the kinds it failed
        self._failed: dict[tuple[str | None, str], dict[str, list[str]]] = {}
        self._labels: dict[tuple[str | None, str], str] = {}

    def __call__(self, event: Any) -> None:
        snapshot = getattr(event, "snapshot", None)
        if snapshot is not None:  # a Progressed event (rate-limited by core.progress)
            self.status.show(snapshot.line())
            return
        if not isinstance(event, self._done_type):
            return
        who = (event.target.profile, event.target.region)
        with self._lock, self.status.above():
            if event.error:
                self._labels[who] = event.target.label
                kinds = self._failed.setdefault(who, {}).setdefault(str(event.error), [])
                kinds.append(event.kind)
                if len(kinds) == 1:
                    print(_done_line(event), file=sys.stderr, flush=True)
            else:
                self._failed.pop(who, None)  # recovered (--watch): a new failure prints again
                print(_done_line(event), flush=True)

    def summary(self) -> None:
        with self._lock:
            for who, errors in self._failed.items():
                for kinds in errors.values():
                    if len(kinds) > 1:
                        print(safe(f"wstui: {self._labels[who]}: the same error for "
                                   f"{len(kinds) - 1} more kind(s): {', '.join(kinds[1:])}"),
                              file=sys.stderr)  # fmt: skip


def _done_line(event: Any) -> str:
    t = event.target
    # Without an account (STS failed), the target is named by its profile@region.
    where = f"{t.account}/{t.region} {event.kind}" if t.account else f"{t.label} {event.kind}"
    if event.error:
        return safe(f"{where}: FAILED: {event.error} (cached rows left unchanged)")
    c = event.changes
    delta = f" (+{c.added} ~{c.changed} -{c.removed})" if c is not None else ""
    return safe(f"{where}: {event.count} rows{delta} in {event.seconds:.1f}s")


def _compile(text: str, kind: Any) -> tuple[str, list]:
    if not text.strip():
        return "1", []
    from wstui.core.query import QueryError, compile

    try:
        where, params = compile(text, kind)
    except QueryError as exc:
        pos = getattr(exc, "pos", None)
        caret = ""
        if isinstance(pos, int):
            # A pasted 50,000-character filter is echoed as a window around the error.
            start = max(0, pos - 30)
            shown = text[start : start + 70]
            lead = "…" if start else ""
            tail = "…" if start + 70 < len(text) else ""
            caret = f"\n  {lead}{shown}{tail}\n  {' ' * (len(lead) + pos - start)}^"
        raise CliError(f"bad filter: {exc}{caret}", EXIT_USAGE) from None
    return where, list(params)


def _parse_sort(kind: Any, sort: str | None) -> tuple[str | None, bool]:
    if not sort:
        return None, False
    name, _, direction = sort.partition(":")
    if direction not in ("", "asc", "desc"):
        raise CliError(f"bad --sort {sort!r}: use COL or COL:desc", EXIT_USAGE)
    if name not in ("account", "region", "id"):
        try:
            name = kind.column(name).name
        except KeyError as exc:
            raise CliError(str(exc.args[0]), EXIT_USAGE) from None
    return name, direction == "desc"


def cmd_ls(args: argparse.Namespace, opts: Options) -> int:
    from wstui.core.kinds import resolve

    try:
        kind = resolve(args.kind)
        names = (
            [kind.column(c.strip()).name for c in args.columns.split(",") if c.strip()]
            if args.columns
            else [c.name for c in kind.default_columns]
        )
    except KeyError as exc:
        raise CliError(str(exc.args[0]), EXIT_USAGE) from None
    where, params = _compile(args.filter, kind)
    order_by, desc = _parse_sort(kind, args.sort)
    cache = opts.make_cache()
    if args.format in ("csv", "json") or args.out_file:
        return _export_ls(args, cache, kind, where, params, order_by, desc, names)
    if args.format == "text":
        source = cache.iter_query(kind, where, params, order_by=order_by, desc=desc)
        if args.limit is not None:
            import itertools

            source = itertools.islice(source, max(0, args.limit))
        write_text(sys.stdout, kind, source, names)
        return EXIT_OK
    rows = cache.query(kind, where, params, order_by=order_by, desc=desc, limit=args.limit)
    types = {c.name: c.type for c in kind.columns}
    titles = [kind.column(n).title for n in names]
    table = [[_fmt_ts(r.get(n)) if types.get(n) == "ts" else r.get(n) for n in names] for r in rows]
    print_table(table, titles, sys.stdout)
    if not rows and not cache.status():
        print("(cache is empty: run `wstui refresh` first)", file=sys.stderr)
    return EXIT_OK


def write_text(out: TextIO, kind: Any, source: Any, names: list[str]) -> int:
    """The AWS CLI's `--output text`: one line per row, tab-separated, no header; a missing
    value is `None`, times are ISO 8601 UTC, lists and maps are compact JSON."""
    from wstui.core.text import plain

    types = {c.name: c.type for c in kind.columns}
    n = 0
    for row in source:
        cells = []
        for name in names:
            value = row.get(name)
            if value is None:
                text = "None"
            elif types.get(name) == "ts" and isinstance(value, int | float):
                text = _iso(value)
            elif isinstance(value, list | dict):
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            else:
                text = str(value)
            # A tab or newline inside a value would shift the columns of every reader.
            cells.append(re.sub(r"[\t\r\n]", " ", plain(text, keep_lines=True)))
        out.write("\t".join(cells) + "\n")
        n += 1
    return n


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _export_ls(
    args: argparse.Namespace, cache: Any, kind: Any, where: str, params: list,
    order_by: str | None, desc: bool, names: list[str],
) -> int:  # fmt: skip
    """csv/json through core.export: every filtered row streamed, hostile text neutralised,
    times in ISO 8601 UTC (as the AWS CLI and the TUI's export write them)."""
    import itertools

    from wstui.core import export

    fmt = args.format if args.format in export.FORMATS else export.format_for(args.out_file)
    source = cache.iter_query(kind, where, params, order_by=order_by, desc=desc)
    if args.limit is not None:
        source = itertools.islice(source, max(0, args.limit))
    if not args.out_file:
        export.write(sys.stdout, fmt, kind, source, names, iso_times=True)
        return EXIT_OK
    from wstui.core.files import atomic_text

    path = Path(args.out_file).expanduser()
    with atomic_text(path) as out:  # 0600, renamed into place: never half-written
        n = export.write(out, fmt, kind, source, names, iso_times=True)
    print(f"wrote {n} rows to {safe(path)}", file=sys.stderr)
    return EXIT_OK


def _act_rows(args: argparse.Namespace, cache: Any, kind: Any) -> list[dict]:
    if args.filter is not None:
        where, params = _compile(args.filter, kind)
        return cache.query(kind, where, params, limit=None, with_raw=True)
    ids = list(dict.fromkeys(args.ids))
    rows: list[dict] = []
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        rows += cache.query(
            kind, f"id IN ({', '.join('?' for _ in chunk)})", chunk, limit=None, with_raw=True
        )
    missing = sorted(set(ids) - {r["id"] for r in rows})
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise CliError(f"{len(missing)} id(s) not in the cache (run `wstui refresh`): {shown}")
    return rows


def _parse_params(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise CliError(f"bad --param {item!r}: use KEY=VALUE", EXIT_USAGE)
        out[key.strip()] = value.strip()
    return out


def cmd_act(args: argparse.Namespace, opts: Options) -> int:
    """rows -> scope -> re-read uncertain rows -> plan -> confirm -> gateway -> follow."""
    from wstui.core import act
    from wstui.core.act.recheck import recheck
    from wstui.core.kinds import WORKSPACES

    kind = WORKSPACES
    cache = opts.make_cache()
    rows = _act_rows(args, cache, kind)
    try:
        params = _parse_params(args.param)
        act.validate_params(act.resolve_action(args.action), params)
    except act.ActionError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    for target, err in gateway.scope.resolve_all():
        _warn_target(target, err)
    refresher = opts.make_refresher(cache, clients)
    checked = recheck(rows, cache, gateway.scope, refresher.refresh_ids)
    the_plan = act.plan_for(gateway, args.action, checked, params)
    print(safe_block(the_plan.describe()))
    sys.stdout.flush()  # a reader that is gone (BrokenPipeError) stops us before sending
    n = len(the_plan.eligible)
    if args.dry_run:
        return EXIT_OK
    if not args.yes:
        print(f"not sent: re-run with --yes to send {len(the_plan.calls)} call(s)", file=sys.stderr)
        return EXIT_UNCONFIRMED
    if n == 0:
        print("nothing eligible; nothing sent")
        return EXIT_OK
    if the_plan.spec.destructive and args.confirm != n:
        print(
            f"not sent: {the_plan.spec.name} is destructive; add --confirm {n} (the eligible count)",
            file=sys.stderr,
        )
        return EXIT_UNCONFIRMED
    with _send_progress(len(the_plan.calls)) as progress:
        outcomes = act.execute(
            the_plan, gateway, on_progress=lambda done, _total, _result: progress(done)
        )
    return _report_outcomes(outcomes, the_plan, refresher, args.follow)


def _warn_target(target: Any, exc: BaseException) -> None:
    from wstui.core.aws import describe_error

    print(f"wstui: {target.label}: {safe(describe_error(exc, target))}", file=sys.stderr)


def safe_block(text: str) -> str:
    return "\n".join(safe(line) for line in text.splitlines())


@contextmanager
def _send_progress(total: int) -> Iterator[Callable[..., None]]:
    """A bulk send's "12/40 calls · ETA 7s" on stderr (a TTY only), erased at the end.

    Yields `progress(done, total=None)`, to call after each call returned."""
    from wstui.core.progress import SendProgress
    from wstui.status_line import StatusLine

    status = StatusLine(sys.stderr, enabled=None if total > 1 else False)
    counter = SendProgress(total)

    def progress(done: int, total: int | None = None) -> None:
        if total is not None:  # fewer calls than planned (rows created earlier)
            counter.total = total
        counter.call_done(done)
        status.show(f"sending {counter.line()}")

    status.show(f"sending {counter.line()}")
    try:
        yield progress
    finally:
        status.clear()


def _report_outcomes(outcomes: list[Any], plan: Any, refresher: Any, follow: bool) -> int:
    from wstui.core import act

    counts = Counter(o.status for o in outcomes)
    for o in outcomes:
        if o.status != "sent":
            print(safe(f"  {o.id}: {o.status} {o.code}: {o.message}"), file=sys.stderr)
    refused = f", refused {counts['refused']} (not sent)" if counts["refused"] else ""
    print(
        f"{plan.spec.api}: {len(plan.calls)} call(s); sent {counts['sent']}, "
        f"failed {counts['failed']}, unknown {counts['unknown']}{refused}"
    )
    try:
        act.follow(refresher, plan, outcomes, until_stable=follow)
    except Exception as exc:  # the action went out; a failed re-read is only a warning
        print(f"wstui: could not re-read the WorkSpaces: {safe(exc)}", file=sys.stderr)
    if counts["failed"] or counts["unknown"] or counts["refused"]:
        return EXIT_PARTIAL if counts["sent"] else EXIT_ERROR
    return EXIT_OK


def cmd_log(args: argparse.Namespace, opts: Options) -> int:
    cache = opts.make_cache()
    rows = cache.audit(limit=max(1, args.limit))
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return EXIT_OK
    table = []
    for r in rows:
        statuses = Counter(i.get("status") for i in r.get("items") or [])
        outcome = " ".join(f"{k}={v}" for k, v in sorted(statuses.items()))
        ids = r.get("ids") if isinstance(r.get("ids"), list) else []
        table.append(
            [
                _fmt_ts(r.get("at")),
                r.get("action"),
                f"{r.get('account')}/{r.get('region')}",
                len(ids),
                outcome,
                r.get("request_id") or "",
                r.get("caller") or "",
            ]
        )
    print_table(
        table,
        ["WHEN (UTC)", "ACTION", "TARGET", "IDS", "OUTCOME", "REQUEST", "CALLER"],
        sys.stdout,
        60,
    )
    return EXIT_OK


# -- wstui op: any WorkSpaces operation (catalogue in wstui.core.act.ops) ----------
def _add_op(sub: Any) -> None:
    op = sub.add_parser("op", help="run any WorkSpaces API operation (see docs/api-coverage.md)")
    op.add_argument("operation", metavar="OPERATION", help="e.g. create-connection-alias")
    op.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                    help="a field as the TUI form names it, e.g. ConnectionAliasPermission."
                    "SharedAccountId=123456789012")  # fmt: skip
    op.add_argument("--yes", "-y", action="store_true", help="send a mutating call")
    op.add_argument("--confirm", metavar="ID|N",
                    help="destructive: the resource id (or name), or the count of resources")
    op.add_argument("--after-unknown", action="store_true",
                    help="send although the same call's last outcome on it is unknown")  # fmt: skip
    op.set_defaults(func=cmd_op)


def cmd_op(args: argparse.Namespace, opts: Options) -> int:
    """validate -> preflight (cache) -> confirm (--yes) -> send audited -> print the response."""
    import json

    from wstui.core import act
    from wstui.core.act import ops
    from wstui.core.validate import validate

    try:
        op = ops.resolve(args.operation)
        values = {}
        for item in args.param:
            name, sep, value = item.partition("=")
            if not sep:
                raise ops.OperationError(f"--param {item!r}: expected NAME=VALUE")
            values[name.strip()] = value
        request = act.build_request(op, values)
    except ops.OperationError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    problems = validate(op.name, request)
    if problems:
        raise CliError("not sent: " + "; ".join(str(p) for p in problems), EXIT_USAGE)
    cache = opts.make_cache()
    subject = ops.subject_of(op, request)
    row = next((r for r in (_cached(cache, k, subject) for k in op.screens) if r), None)
    refusal = ops.preflight(op, row, request, cache)
    if refusal:
        raise CliError(f"not sent: {op.name}: {refusal}")
    print(safe_block(f"{op.name} {json.dumps(request, default=lambda v: f'<{len(v)} bytes>')}"))
    if op.mutates and not args.yes:
        print("not sent: re-run with --yes to send it", file=sys.stderr)
        return EXIT_UNCONFIRMED
    accepted = ops.confirm_words(op, request, row)
    if op.destructive and (getattr(args, "confirm", None) or "").strip() not in accepted:
        # Like `act --confirm N`: a destructive call names what it destroys.
        print(f"not sent: {op.name} is destructive; re-run with --confirm {safe(accepted[0])}",
              file=sys.stderr)  # fmt: skip
        return EXIT_UNCONFIRMED

    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    result = act.send(op, request, gateway, _op_target(opts, row), after_unknown=args.after_unknown)
    if not result.ok:
        print(f"wstui: {safe(result.code)}: {safe(result.message)}", file=sys.stderr)
        return EXIT_ERROR
    print(safe_block(json.dumps(result.response, indent=2, default=str)))
    return EXIT_OK


def _op_target(opts: Options, row: dict | None) -> Any:
    """Where an `op` call goes: the cached row's account and region, else the first selected
    target (the gateway checks either against the selection)."""
    from wstui.core.aws import Target

    if row is not None and row.get("region"):
        return Target(None, str(row["region"]), str(row.get("account") or ""))
    targets = opts.targets()
    if not targets:
        raise CliError("no target selected: pass --region (and --profile)", EXIT_USAGE)
    first = targets[0]
    return Target(first.profile, first.region, role_arn=first.role_arn)


def _cached(cache: Any, kind: str, key: str) -> dict | None:
    try:
        return cache.get(kind, key)
    except Exception:  # "account" is not a cached kind
        return None


# -- wstui create-workspaces --csv FILE (wstui.core.act.create_csv) -------------------------
def _add_create_csv(sub: Any) -> None:
    c = sub.add_parser("create-workspaces", help="create WorkSpaces from a CSV file (25 per call)")
    c.add_argument("--csv", required=True, metavar="FILE",
                   help="columns DirectoryId,UserName,BundleId[,RunningMode,ComputeTypeName,"
                   "RootVolumeSizeGib,UserVolumeSizeGib,Tags as k=v;k2=v2]")  # fmt: skip
    c.add_argument("--yes", "-y", action="store_true", help="send the planned calls")
    c.set_defaults(func=cmd_create_csv)


def cmd_create_csv(args: argparse.Namespace, opts: Options) -> int:
    """validate every row -> plan (calls of 25) -> --yes -> send audited -> one line per row."""
    from wstui.core.act import create_csv as cc

    try:
        data = Path(args.csv).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.csv}: {exc.strerror or exc}", EXIT_USAGE) from None
    plan = cc.read_rows(data)
    if plan.problems:
        for problem in plan.problems[:200]:
            print(f"wstui: {safe(problem)}", file=sys.stderr)
        more = len(plan.problems) - 200
        if more > 0:
            print(f"wstui: ... and {more} more problem(s)", file=sys.stderr)
        print(f"not sent: {len(plan.problems)} problem(s) in {safe(args.csv)}", file=sys.stderr)
        return EXIT_USAGE
    batches = plan.batches()
    print(f"{len(plan.rows)} WorkSpace(s) in {len(batches)} call(s) of CreateWorkspaces "
          f"({', '.join(str(len(b)) for b in batches)})")  # fmt: skip
    if not args.yes:
        print("not sent: re-run with --yes to send it", file=sys.stderr)
        return EXIT_UNCONFIRMED

    cache = opts.make_cache()
    clients = opts.make_clients()
    gateway = opts.make_gateway(cache, clients)
    with _send_progress(len(batches)) as progress:
        outcomes = cc.send_rows(plan, gateway, _op_target(opts, None),
                                on_call=progress)  # fmt: skip
    table = [[o.line, o.user, o.directory, o.status.upper(),
              o.workspace_id or f"{o.code}: {o.message}"] for o in outcomes]  # fmt: skip
    print_table(table, ["LINE", "USER", "DIRECTORY", "RESULT", "WORKSPACE / ERROR"], sys.stdout, 60)
    counts = cc.summary(outcomes)
    print(f"{counts['pending']} pending, {counts['failed']} failed, {counts['unknown']} unknown"
          + (f", {counts['refused']} refused (not sent)" if counts["refused"] else "")
          + (f", {counts['exists']} already created earlier" if counts["exists"] else ""))  # fmt: skip
    if counts["pending"] + counts["exists"] == len(outcomes):
        return EXIT_OK
    return EXIT_PARTIAL if counts["pending"] else EXIT_ERROR




# -- wstui targets [discover] (core.targets, core.org) -----------------------------------
def _add_targets(sub: Any) -> None:
    t = sub.add_parser("targets", help="each target's refresh status; `discover`: find the "
                                       "accounts of an AWS Organization")  # fmt: skip
    t.add_argument("what", nargs="?", choices=("discover",), metavar="discover",
                   help="run Organizations discovery now ([[targets]] organization = true)")  # fmt: skip
    t.add_argument("--output", "-o", dest="format", choices=("table", "json"), default="table")
    t.set_defaults(func=cmd_targets)


def cmd_targets(args: argparse.Namespace, opts: Options) -> int:
    cache = opts.make_cache()
    if args.what == "discover":
        return _discover(args, opts, cache)
    from wstui.core.kinds import WORKSPACES
    from wstui.core.targets import refused_statuses, statuses

    interval = opts.config.intervals.get(WORKSPACES.name, WORKSPACES.interval)
    discovery = opts.discovery()
    targets = cache.known_accounts(opts.targets(cache))  # accounts as last resolved (no STS)
    lines = statuses(cache.status(), targets, WORKSPACES.name, interval,
                     names=discovery.names(cache))  # fmt: skip
    lines += refused_statuses(discovery.refused(cache))
    if args.format == "json":
        keys = ("status", "profile", "account", "region", "rows", "last_success", "reason")
        out = [{k: getattr(s, k) for k in keys} | {"profile": s.profile_text} for s in lines]
        json.dump(out, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        print_table(
            [[s.status.upper(), s.profile_text, s.account or "?", s.region, s.rows,
              _fmt_ts(s.last_success) if s.last_success else "never", s.reason]
             for s in lines],
            ["STATUS", "PROFILE", "ACCOUNT", "REGION", "ROWS", "LAST OK (UTC)", "REASON"],
            sys.stdout, 1000,  # the reason in full: it is the last column
        )  # fmt: skip
    return EXIT_ERROR if any(s.status == "error" for s in lines) else EXIT_OK


def _discover(args: argparse.Namespace, opts: Options, cache: Any) -> int:
    from wstui.core.org import DiscoveryFailed

    discovery = opts.discovery()
    if not discovery:
        raise CliError('no organization target in the config: add [[targets]] with '
                       'organization = true and role = "NAME"', EXIT_USAGE)  # fmt: skip
    clients = opts.make_clients()
    found: list[tuple[Any, Any]] = []  # (source, core.org.Found)
    failed = 0
    for source in discovery.sources:
        try:
            found.extend((source, f) for f in discovery.run(cache, clients, source))
        except DiscoveryFailed as exc:
            failed += 1
            who = f"profile {source.profile}" if source.profile else "the default profile"
            print(f"wstui: discovery with {safe(who)}: {safe(exc)}", file=sys.stderr)
    if args.format == "json":
        out = [{"profile": s.profile, **f.row(), "status": "error" if f.error else "ok"}
               for s, f in found]  # fmt: skip
        json.dump(out, sys.stdout, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        print_table(
            [["ERROR" if f.error else "OK", f.account, f.name, f.role,
              ",".join(f.regions) or "-", f.error or ""] for _, f in found],
            ["STATUS", "ACCOUNT", "NAME", "ROLE", "REGIONS", "REASON"], sys.stdout, 1000,
        )  # fmt: skip
    if failed == len(discovery.sources):
        return EXIT_ERROR
    return EXIT_PARTIAL if failed or any(f.error for _, f in found) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
