"""The commands that read the cache: `ls` (table, text, csv, json, to a file), `log` (the
audit log) and `targets` (each target's refresh status; `discover`: an Organization's accounts)."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from wstui.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, CliError
from wstui.cli.output import fmt_ts, print_table, safe, write_text
from wstui.wiring import Options


def compile_filter(text: str, kind: Any) -> tuple[str, list]:
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
    where, params = compile_filter(args.filter, kind)
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
    table = [[fmt_ts(r.get(n)) if types.get(n) == "ts" else r.get(n) for n in names] for r in rows]
    print_table(table, titles, sys.stdout)
    if not rows and not cache.status():
        print("(cache is empty: run `wstui refresh` first)", file=sys.stderr)
    return EXIT_OK


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
                fmt_ts(r.get("at")),
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
              fmt_ts(s.last_success) if s.last_success else "never", s.reason]
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
