"""`wstui refresh [--watch] [--metrics]`: fill the cache, report each kind's result."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from wstui.cli.exits import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, CliError
from wstui.cli.output import safe
from wstui.wiring import Options


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
