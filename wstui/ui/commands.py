"""The `:` commands of the app (targets, saved views, changes, export) and shared cache.

`:targets` per-target status (narrow the table to some targets), `:view NAME` saved
views (config `[views.NAME]` plus built-ins), `:changes [SINCE]`, `:export [PATH]`
(every row of the current view), and the shared-cache mode: when a `wstui refresh
--watch` holds the cache's lease, the TUI does not refresh on its own; it shows who
refreshes and re-reads (highlighting them) the rows the watcher's writes changed.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from wstui.config import View
from wstui.core import export, watch
from wstui.core.query import QueryError
from wstui.core.query import compile as compile_query

COMMANDS = frozenset(
    {"targets", "target", "ctx", "view", "views", "changes", "export", "summary"}
)
WATCH_POLL = 2.0

_TRIAGE = ("id", "user", "state", "running_mode", "last_connected", "idle_days", "account", "region")  # fmt: skip
BUILTIN_VIEWS: dict[str, View] = {
    "idle": View("idle", "idle>30d", "idle:desc", _TRIAGE),
    "never": View("never", "connected:never", "account", _TRIAGE),
    # Running-mode advice from billable hours (CloudWatch) against each bundle's
    # break-even; the header shows the estate's cost and the total saving.
    "advice": View(
        "advice",
        "saving>0",
        "saving:desc",
        (
            "id",
            "user",
            "running_mode",
            "best_mode",
            "saving_month",
            "hours",
            "break_even",
            "cost_month",
            "cost_why",
            "account",
            "region",
        ),
    ),
    # The former day-count advice (connection days, no CloudWatch needed).
    "advice-days": View(
        "advice-days",
        "advice:*",
        "advice",
        ("id", "user", "state", "running_mode", "used_days", "advice", "advice_why",
         "account", "region"),
    ),
    "estate": View(
        "estate",
        "",
        "account",
        ("account", "region", "id", "user", "state", "running_mode", "idle_days"),
    ),
}


def all_views(app: Any) -> dict[str, View]:
    """Built-in views, overridden and extended by config.toml's [views.NAME]."""
    return {**BUILTIN_VIEWS, **(getattr(app.ctx.config, "views", None) or {})}


def command(app: Any, words: list[str]) -> None:
    head, rest = words[0].lower(), words[1:]
    if head in {"targets", "target", "ctx"}:
        from wstui.ui.screens.targets import TargetsScreen

        app.push_screen(TargetsScreen())
    elif head in {"view", "views"}:
        if rest:
            open_view(app, rest[0])
        else:
            app.notify("Views: " + ", ".join(sorted(all_views(app))), markup=False)
    elif head == "changes":
        from wstui.ui.screens.changes import ChangesScreen

        app.push_screen(ChangesScreen(rest[0] if rest else "24h"))
    elif head == "export":
        export_current(app, rest[0] if rest else None)
    elif head == "summary":
        from wstui.ui.screens.summary import SummaryScreen

        app.push_screen(SummaryScreen())


# ------------------------------------------------------------------------- views


def _parse_sort(kind: Any, sort: str) -> tuple[str | None, bool]:
    name, _, direction = sort.partition(":")
    if not name:
        return None, False
    if name in ("account", "region", "id"):
        return name, direction == "desc"
    return kind.column(name).name, direction == "desc"


def open_view(app: Any, name: str) -> bool:
    """Open a saved view: its kind, query, sort and columns, on a fresh resource screen."""
    from wstui.core.kinds import resolve
    from wstui.ui.screens.resource import ResourceScreen

    views = all_views(app)
    view = views.get(name)
    if view is None:
        app.notify(f"Unknown view {name!r}; views: {', '.join(sorted(views))}",
                   severity="error", markup=False)  # fmt: skip
        return False
    try:
        kind = resolve(view.kind)
        where, params = (
            compile_query(view.query, kind, now=app.ctx.clock()) if view.query else ("1", [])
        )
        order_by, desc = _parse_sort(kind, view.sort)
        by_name = {c.name: c for c in kind.columns}
        columns = [by_name[kind.column(c).name] for c in view.columns]
    except (KeyError, QueryError, ValueError) as exc:
        msg = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        app.notify(f"View {name!r} is invalid: {msg}", severity="error", markup=False)
        return False
    screen = ResourceScreen(kind.name)
    # Set before the screen composes: its table is built from these.
    screen.query_text, screen.where, screen.params = view.query, where, list(params)
    screen.order_by, screen.desc = order_by, desc
    if columns:
        screen.columns = columns
    if name == "advice":
        screen.summary = partial(advice_summary, app.ctx.cache)
    while len(app.screen_stack) > 2:
        app.pop_screen()
    app.switch_screen(screen)  # the screen shows its query in the filter box on mount
    app.notify(f"View {name}: {view.query or 'all rows'}", markup=False)
    return True


def advice_summary(cache: Any) -> str:
    """Header text of the advice view: the estate's estimated cost and total saving."""
    cost, saving, advised, currency = cache.estate_totals()
    return (f"estate {currency} {cost:,.0f}/month · saving {currency} {saving:,.0f}/month "
            f"on {advised:,}")  # fmt: skip


# ------------------------------------------------------------------------ export


def default_export_path(kind: str, fmt: str, now: float) -> Path:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d-%H%M%S")
    return Path.cwd() / f"wstui-{kind}-{stamp}.{fmt}"


def export_current(app: Any, path: str | None = None) -> None:
    """Export every row of the current resource screen's view (filter, sort, columns)."""
    from wstui.ui.screens.resource import ResourceScreen

    screen = app.screen
    if not isinstance(screen, ResourceScreen):
        app.notify("Export works on a resource table", severity="warning")
        return
    now = app.ctx.clock()
    if path in (None, "csv", "json"):
        target = default_export_path(screen.kind.name, path or "csv", time.time())
    else:
        target = Path(str(path)).expanduser()
    job = partial(
        export.export_view, app.ctx.cache, screen.kind, target, screen.where,
        list(screen.params), screen.order_by, screen.desc, [c.name for c in screen.columns],
        None, now,
    )  # fmt: skip

    def work() -> None:
        try:
            n = job()
        except Exception as exc:  # disk full, bad path: tell the user, keep running
            app.call_from_thread(
                app.notify, f"Export failed: {exc}", severity="error", markup=False
            )
            return
        app.call_from_thread(app.notify, f"Exported {n:,} rows to {target}", markup=False)

    app.run_worker(work, thread=True, exit_on_error=False, group="export")


# ----------------------------------------------------------------- palette entries


def palette_commands(app: Any) -> list[tuple[str, Any, str]]:
    out: list[tuple[str, Any, str]] = []
    for name, view in sorted(all_views(app).items()):
        out.append((f"View: {name} (:view {name})", partial(open_view, app, name),
                    view.query or "all rows"))  # fmt: skip
    out.append(("Targets: status and narrow (:targets)", partial(command, app, ["targets"]),
                "accounts and regions"))  # fmt: skip
    out.append(("Summary: states, idle days, directories, bundles (:summary)",
                partial(command, app, ["summary"]), "the estate in pictures"))  # fmt: skip
    for since in ("1h", "24h", "7d"):
        out.append((f"Changes in the last {since} (:changes {since})",
                    partial(command, app, ["changes", since]), "from the history"))  # fmt: skip
    for fmt in ("csv", "json"):
        out.append((f"Export view to {fmt.upper()} (:export {fmt})",
                    partial(export_current, app, fmt), "every filtered row"))  # fmt: skip
    return out


# ------------------------------------------------------------------- shared cache


class WatchFollower:
    """While another process's watcher holds the cache: no own refresher, poll for changes.

    ``PRAGMA data_version`` says another connection committed; the cache's change log
    (``core.store.changelog``) says whether that commit changed rows, and which. A commit
    that logged nothing (the watcher's lease heartbeat, a pass that found no change) is
    not re-read; one that did is re-read once per kind, its rows highlighted like the
    TUI's own refresher's.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.info: watch.WatcherInfo | None = None
        self._version: int | None = None
        self._seq = 0
        self._timer: Any = None

    @property
    def seen(self) -> tuple[int | None, int]:
        """(data_version, change-log seq) as of the last poll that read them."""
        return self._version, self._seq

    def check(self) -> bool:
        """True if a watcher is alive (and its description is shown)."""
        try:
            self.info = watch.current(self.app.ctx.cache)
        except sqlite3.Error:  # cache busy or closed: keep the last answer
            return self.info is not None
        return self.info is not None

    def start(self) -> None:
        self._version = self._data_version()
        try:
            self._seq = self.app.ctx.cache.change_seq()
        except sqlite3.Error:
            self._seq = 0  # the first poll then re-reads what is logged: harmless
        self._show()
        self._timer = self.app.set_interval(WATCH_POLL, self.poll)

    def _data_version(self) -> int | None:
        try:
            return int(self.app.ctx.cache.data_version())
        except Exception:
            return None

    def _show(self) -> None:
        if self.info is not None:
            self.app.refresh_activity = self.info.describe(time.time())

    def poll(self) -> None:
        if not self.check():
            # The watcher is gone: this TUI refreshes on its own again.
            self._timer.stop()
            self.app.refresh_activity = ""
            self.app.notify("The watcher stopped; this TUI refreshes on its own now")
            self.app.refresh_here()
            return
        self._show()
        version = self._data_version()
        if version is None or version == self._version:
            return  # nobody committed: not even the change log is read
        try:
            logged = self.app.ctx.cache.changes_since(self._seq)
        except sqlite3.Error:  # busy: the version stays old, so the next poll asks again
            return
        self._version = version
        if logged:
            self._seq = logged[-1].seq
            self._reread(logged)

    def _reread(self, logged: list[Any]) -> None:
        """One CacheChanged per kind, with the union of its logged keys."""
        from wstui.ui.messages import CacheChanged, ForScreens

        keys: dict[str, set[tuple[str, str, str]]] = {}
        for entry in logged:
            # "" is writes pruned before this poll read them: the shown kind re-reads.
            kind = entry.kind or getattr(getattr(self.app.screen, "kind", None), "name", "")
            if kind:
                keys.setdefault(kind, set()).update(entry.keys or ())
        for kind, changed in keys.items():
            self.app.post_message(ForScreens(CacheChanged(kind, frozenset(changed))))


def defer_to_watcher(app: Any) -> bool:
    """Called before the app starts its refresher: True if a watcher refreshes instead.

    Otherwise keeps looking: a watcher started later makes this TUI stop refreshing.
    """
    if app.watcher is not None:
        return True
    if _follow(app):
        return True
    if not app.watch_lookout:
        app.watch_lookout = app.set_interval(WATCH_POLL * 2.5, partial(_look_for_watcher, app))
    return False


def _follow(app: Any) -> bool:
    follower = WatchFollower(app)
    if not follower.check():
        return False
    app.watcher = follower
    follower.start()
    info = follower.info
    where = info.describe(time.time()) if info is not None else "another wstui"
    app.notify(f"Shared cache: {where}; not refreshing here",
               markup=False)  # fmt: skip
    return True


def _look_for_watcher(app: Any) -> None:
    if app.watcher is not None or not _follow(app):
        return
    refresher = app.ctx.refresher
    if refresher is not None:
        # stop() waits for a pass in flight: not on the UI thread.
        app.run_worker(refresher.stop, thread=True, exit_on_error=False, group="refresher")
