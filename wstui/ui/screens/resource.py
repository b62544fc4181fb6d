"""The one generic resource screen, driven by the kind registry.

Header (targets, cache age, markers, marks), the fleet table over a `CacheSource`,
a `/` filter in the core query language (live, debounced), a `:` prompt, the
"shown / total" status line and a footer of the keys that apply now.

Over 400 lines because it is the one screen every kind uses: its filter, prompt, sorting,
columns and actions all act on the same table, source and marks; the parts that stand alone
already live elsewhere (widgets, screens.flow, jumps, commands).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any, ClassVar, cast

from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from wstui.core.kinds import KINDS, Kind, resolve
from wstui.ui.keymap import ACTION_TITLES, MUTATION_KEYS, RESOURCE_BINDINGS
from wstui.ui.messages import CacheChanged, RefreshActivity
from wstui.ui.screens._text import clean
from wstui.ui.screens.header import HeaderBar, kind_errors, kind_status
from wstui.ui.screens.plan_rows import plan_rows, rows_for_keys
from wstui.ui.sources import CacheSource
from wstui.ui.textual_compat import active_keymap
from wstui.ui.widgets.fleet_table import FleetTable
from wstui.ui.workers import ReportsFailedWorkers

FILTER_DEBOUNCE = 0.15
SUMMARY_EVERY = 5.0
# Narrower than this, the footer drops its "^p palette" hint so that Start, Stop,
# Reboot, Help and Cmd fit in 80 columns (`?` still lists ctrl+p).
PALETTE_HINT_MIN_WIDTH = 100


def prompt_words() -> list[str]:
    """Completions for the `:` prompt: every kind name and alias, log, quit, help."""
    words: list[str] = []
    for kind in KINDS.values():
        words += [kind.name, *kind.aliases]
    return [*sorted(set(words)), "log", "help", "summary", "targets", "q"]


class ResourceScreen(ReportsFailedWorkers, Screen):
    """A table of one kind of resource."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *RESOURCE_BINDINGS,
        # Priority: run while the app reads the key, before the keys queued behind it
        # are routed, so a burst like "Enter ctrl+a" marks rows instead of reaching the
        # closing box. Enabled only while a bar has focus (check_action).
        Binding("enter", "bar_submit", show=False, priority=True),
        Binding("escape", "bar_escape", show=False, priority=True),
    ]
    AUTO_FOCUS = "FleetTable"

    def __init__(self, kind: str | Kind) -> None:
        self.kind: Kind = kind if isinstance(kind, Kind) else resolve(kind)
        super().__init__(name=self.kind.name, classes=f"kind-{self.kind.name}")
        self.query_text = ""
        self.where, self.params = "1", list[Any]()
        self.order_by: str | None = None
        self.desc = False
        self.columns: list[Any] = []  # chosen in compose: the defaults depend on the targets
        self._debounce: Timer | None = None
        self.stale = False  # the cache changed while a modal covered this screen
        self._counts_shown: Content | None = None  # what #counts shows now
        self.total = 0
        # A saved view's line for the header (the advice view's totals), re-read at most
        # every SUMMARY_EVERY seconds: it sums the whole estate.
        self.summary: Callable[[], str] | None = None
        self._summary: tuple[float, str] = (-1e18, "")

    # -- layout ---------------------------------------------------------------------

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def _default_columns(self) -> list[Any]:
        """The kind's default columns, with ACCOUNT and REGION when the targets span
        several accounts or regions (else every row would say the same).

        They go after STATE (after the id for kinds without one): at 80 columns the
        state is what an operator reads, and must not be pushed off screen by them."""
        columns = [c for c in self.kind.columns if c.default]
        targets = list(getattr(self.ctx, "targets", None) or [])
        wanted = []
        if len({t.account or t.profile for t in targets}) > 1:
            wanted.append("account")
        if len({t.region for t in targets}) > 1:
            wanted.append("region")
        spread = [c for c in self.kind.columns if c.name in wanted and c not in columns]
        names = [c.name for c in columns]
        at = names.index("state") + 1 if "state" in names else 1
        return columns[:at] + spread + columns[at:]

    def compose(self) -> ComposeResult:
        if not self.columns:
            self.columns = self._default_columns()
        yield HeaderBar(id="header")
        yield FleetTable(self._new_source(), self.columns, id="table")
        yield Input(placeholder="filter, e.g. state=STOPPED dir=…", id="filter", classes="bar")
        yield Input(
            placeholder=":ws  :dir  :bundle  :log  :q",
            id="command",
            classes="bar",
            suggester=SuggestFromList(prompt_words(), case_sensitive=False),
        )
        with Horizontal(id="statusline"):
            yield Static(id="query-error")
            yield Static(id="counts")

    @property
    def source(self) -> CacheSource:
        """The table's source: always the CacheSource built by `_new_source`."""
        return cast(CacheSource, self.table.source)

    def _new_source(self) -> CacheSource:
        return CacheSource(
            self.ctx.cache, self.kind, self.where, self.params, self.order_by, self.desc
        )

    @property
    def table(self) -> FleetTable:
        return self.query_one("#table", FleetTable)

    def on_mount(self) -> None:
        self.update_header()
        if self.query_text:  # opened with a query (a saved view): show it in its box
            box = self.query_one("#filter", Input)
            with box.prevent(Input.Changed):  # already applied; no second query
                box.value = self.query_text
            box.add_class("open")
        # The counts and the footer (a widget per key) wait until the rows are painted.
        when_painted = getattr(self.app, "when_painted", self.call_after_refresh)
        when_painted(self.update_counts)
        when_painted(self._mount_footer)
        # Each second only the header's age text can change: counts are re-read when
        # the cache, the filter or the sort changes, not on a timer.
        self.set_interval(1.0, self.update_header)

    async def _mount_footer(self) -> None:
        if not self.query(Footer):
            # Sized for the terminal now: fitting it after mount would compose it twice.
            wide = self.app.size.width >= PALETTE_HINT_MIN_WIDTH
            await self.mount(Footer(compact=True, show_command_palette=wide))
            self.refresh_bindings()  # a footer shows keys once told the bindings changed

    def on_resize(self, event: events.Resize) -> None:
        self._fit_footer(event.size.width)

    def _fit_footer(self, width: int) -> None:
        footer = next(iter(self.query(Footer)), None)
        if footer is None:
            return  # not mounted yet: it is sized when it is
        wanted = width >= PALETTE_HINT_MIN_WIDTH
        if footer.show_command_palette != wanted:
            footer.show_command_palette = wanted
            footer.refresh(recompose=True)  # the reactive does not recompose by itself

    def on_screen_resume(self) -> None:
        if self.stale:
            self.stale = False
            self.reload()

    # -- header / status ------------------------------------------------------------

    def update_chrome(self) -> None:
        self.update_header()
        self.update_counts()

    def update_header(self) -> None:
        ctx = self.ctx
        try:
            status = ctx.cache.status()
        except sqlite3.Error:  # cache busy: keep the last header
            return
        now = ctx.clock()
        age, stale, error = kind_status(status, self.kind.name, now, self.kind.interval)
        errors = kind_errors(status, self.kind.name)
        self.query_one(HeaderBar).show(
            targets=ctx.targets_text,
            read_only=ctx.read_only,
            kind_title=self._title(),
            age=age,
            stale=stale,
            error=error,
            activity=getattr(self.app, "refresh_activity", ""),
            marks=len(self.table.marks),
            errors=[e.line(now) for e in errors] if len(errors) > 1 else None,
        )

    def _title(self) -> str:
        if self.summary is None:
            return self.kind.title
        at, text = self._summary
        now = time.monotonic()
        if now - at >= SUMMARY_EVERY:
            try:
                text = self.summary()
            except Exception:  # cache busy, or a saved view's summary failed: keep the last line
                pass
            self._summary = (now, text)
        return f"{self.kind.title} · {text}" if text else self.kind.title

    def update_counts(self) -> None:
        try:
            shown = self.table.source.count()
            self.total = self.ctx.cache.total(self.kind.name)
        except sqlite3.Error:  # cache busy: keep the last counts
            return
        sort = ""
        if self.order_by:
            title = next(
                (c.title for c in self.kind.columns if c.name == self.order_by), self.order_by
            )
            sort = f"  sort {title} {'↓' if self.desc else '↑'}"
        content = Content.assemble((f"{shown:,} / {self.total:,}", "bold"), sort)
        counts = self.query_one("#counts", Static)
        previous = self._counts_shown
        if content == previous:
            return
        self._counts_shown = content
        # A layout pass (which repaints the table's scrollbars) only when the width changed.
        counts.update(content, layout=previous is None or len(previous) != len(content))

    # -- messages from the app --------------------------------------------------------

    @on(CacheChanged)
    def _cache_changed(self, message: CacheChanged) -> None:
        if message.kind == self.kind.name:
            self.reload(message.keys)

    @on(RefreshActivity)
    def _activity(self, message: RefreshActivity) -> None:
        self.update_header()

    def reload(self, keys: frozenset | None = None) -> None:
        self.prune_marks(keys)
        self.table.reload(keys or ())
        self.update_chrome()

    def prune_marks(self, keys: frozenset | None = None) -> None:
        """Unmark rows that left the cache (terminated, gone from a listing).

        Only the marked keys among the changed ones are looked up (every mark when the
        change did not say which keys): a mark on a vanished row would otherwise count
        as "hidden by the filter" in the next plan and stay in the header forever.
        """
        marks = self.table.marks
        candidates = marks & keys if keys else set(marks)
        if not candidates:
            return
        try:
            present = {
                (r["account"], r["region"], r["id"])
                for r in self.ctx.cache.rows_for_keys(
                    self.kind.name, candidates, columns=(), raw=False, tags=()
                )
            }
        except sqlite3.Error:  # cache busy: try again on the next change
            return
        self.table.unmark(candidates - present)

    @on(FleetTable.MarksChanged)
    def _marks_changed(self) -> None:
        self.update_header()

    @on(FleetTable.Selected)
    def _selected(self) -> None:
        self.action_details()

    # -- filter -----------------------------------------------------------------------

    def action_filter(self) -> None:
        # A priority binding: "/" typed into a text box is text.
        if isinstance(self.focused, Input) or self.app.screen is not self:
            raise SkipAction()
        box = self.query_one("#filter", Input)
        box.add_class("open")
        self._focus_bar(box)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(FILTER_DEBOUNCE, lambda: self.apply_filter(event.value))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self.apply_filter(event.value)
        self._focus_table()

    def apply_filter(self, text: str) -> bool:
        """Compile and apply; on a syntax error keep the previous rows and say where."""
        from wstui.core.query import QueryError
        from wstui.core.query import compile as compile_query

        error = self.query_one("#query-error", Static)
        try:
            where, params = compile_query(text, self.kind, now=self.ctx.clock())
        except QueryError as exc:
            # The message carries the position: "at 14: expected a value".
            error.update(Content.styled(f"✗ {clean(exc)}", "bold $error"))
            self.rejected_text: str | None = text  # what the error line is about
            return False
        error.update("")
        self.rejected_text = None
        self.query_text, self.where, self.params = text, where, list(params)
        self.source.set_filter(where, params)
        self.table.set_source(self.table.source)  # recount and re-place the cursor
        self.update_counts()
        return True

    def action_escape(self) -> None:
        box = self.query_one("#filter", Input)
        prompt = self.query_one("#command", Input)
        if prompt.has_class("open"):
            self._close_prompt()
        elif box.has_focus or box.value or self.query_text:
            box.value = ""
            self.apply_filter("")
            box.remove_class("open")
            self._focus_table()
        # Marks are never cleared by esc: losing a large selection by reflex is costly.

    def action_bar_submit(self) -> None:
        """Enter in the filter box or the `:` prompt.

        Focus goes to the table now (keys queued behind Enter in a fast burst belong to
        it); the value is read once the box has taken the keys queued before Enter.
        """
        box = self.focused
        if not isinstance(box, Input):
            return
        self._focus_table()
        box.call_later(self._submit_bar, box)

    def _submit_bar(self, box: Input) -> None:
        if box.id == "filter":
            if self._debounce is not None:
                self._debounce.stop()
            self.apply_filter(box.value)
        else:
            text = box.value
            self._close_prompt()
            self.app.run_command(text)  # type: ignore[attr-defined]

    def action_bar_escape(self) -> None:
        self.action_escape()

    def _focus_bar(self, bar: Input) -> None:
        # Now, not via Widget.focus() (deferred): with ":" and "/" as priority bindings,
        # the keys typed right after them (`:dir` in one burst; `d` is Stop) are then
        # forwarded to the bar, not to the table.
        self.set_focus(bar)

    def _focus_table(self) -> None:
        # Now, not via Widget.focus() (deferred with call_later): keys already queued
        # behind Enter/esc (ctrl+a, space, arrows in a fast burst) belong to the table.
        self.set_focus(self.table)

    # -- ':' prompt -------------------------------------------------------------------

    def open_prompt(self) -> None:
        prompt = self.query_one("#command", Input)
        prompt.value = ""
        prompt.add_class("open")
        self._focus_bar(prompt)

    def _close_prompt(self) -> None:
        prompt = self.query_one("#command", Input)
        prompt.remove_class("open")
        prompt.value = ""
        self._focus_table()

    @on(Input.Submitted, "#command")
    def _command_submitted(self, event: Input.Submitted) -> None:
        text = event.value
        self._close_prompt()
        self.app.run_command(text)  # type: ignore[attr-defined]

    def on_key(self, event: events.Key) -> None:
        """Escape inside the bars; mutation keys in read-only mode get a refusal notice."""
        focused = self.focused
        if event.key == "escape" and isinstance(focused, Input):
            event.stop()
            self.action_escape()
            return
        if self.ctx.read_only and not isinstance(focused, Input):
            action = self._mutation_for_key(event.key)
            if action:
                event.stop()
                self.refuse_read_only(action)

    def _mutation_for_key(self, key: str) -> str | None:
        keymap = active_keymap(self.app)
        for name, default in MUTATION_KEYS.items():
            keys = keymap.get(f"wstui.{name}", default)
            if key in {k.strip() for k in keys.split(",")}:
                return name
        return None

    def refuse_read_only(self, action: str) -> None:
        self.notify(
            f"Read-only mode: {ACTION_TITLES.get(action, action)} refused", severity="warning"
        )

    # -- bindings that depend on state --------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"bar_submit", "bar_escape"}:
            return isinstance(self.focused, Input) and self.focused.id in {"filter", "command"}
        if action == "act":
            name = str(parameters[0]) if parameters else ""
            if self.ctx.read_only or name not in self.kind.actions:
                return False
        return True

    # -- sorting and columns --------------------------------------------------------------

    def action_sort_next(self) -> None:
        names = [c.name for c in self.columns]
        if not names:
            return
        if self.order_by in names:
            i = names.index(self.order_by) + 1
            self.order_by = names[i] if i < len(names) else None
        else:
            self.order_by = names[0]
        self.desc = False
        self._apply_sort()

    def action_sort_reverse(self) -> None:
        if self.order_by is None and self.columns:
            self.order_by = self.columns[0].name
        self.desc = not self.desc
        self._apply_sort()

    def sort_by(self, name: str | None, desc: bool = False) -> None:
        self.order_by, self.desc = name, desc
        self._apply_sort()

    def _apply_sort(self) -> None:
        self.source.set_sort(self.order_by, self.desc)
        # Not reload(): that would drop the rowids set_sort just re-sorted and scan again.
        self.table.set_source(self.table.source)
        self.update_counts()

    def action_columns(self) -> None:
        from wstui.ui.screens.columns import ColumnsScreen

        def chosen(names: list[str] | None) -> None:
            if names:
                self.set_columns(names)

        self.app.push_screen(
            ColumnsScreen(self.kind, [c.name for c in self.columns]), callback=chosen
        )

    def set_columns(self, names: list[str]) -> None:
        by_name = {c.name: c for c in self.kind.columns}
        self.columns = [by_name[n] for n in names if n in by_name]
        self.table.set_columns(self.columns)

    @on(FleetTable.HeaderClicked)
    def _header_clicked(self, event: FleetTable.HeaderClicked) -> None:
        name = getattr(event, "column", None)
        name = getattr(name, "name", name)
        if isinstance(name, str):
            self.sort_by(name, desc=not self.desc if name == self.order_by else False)

    # -- details, copy, refresh ---------------------------------------------------------------

    def cursor_key(self) -> tuple[str, str, str] | None:
        return self.table.cursor_key

    def action_details(self) -> None:
        from wstui.ui.screens.details import DetailsScreen

        key = self.cursor_key()
        if key is not None:
            self.app.push_screen(DetailsScreen(self.kind, key))

    def unmark_sent(self, kind: str, sent: set[Any]) -> int:
        """Unmark the rows a confirmed plan sends; how many marked rows stay (skipped)."""
        if self.kind.name != kind:
            return 0
        kept = len(self.table.marks - sent)
        return kept if self.table.unmark(sent) else 0

    def action_jump(self) -> None:
        """k9s-style jump to related resources (wstui.ui.jumps)."""
        from wstui.ui.jumps import jump_from

        jump_from(self)

    def action_copy_id(self) -> None:
        key = self.cursor_key()
        if key is not None:
            self.app.copy_to_clipboard(key[2])
            self.notify(f"Copied {clean(key[2])}")

    def action_refresh_now(self) -> None:
        refresher = self.ctx.refresher
        if refresher is None:
            self.notify("No refresher (cache only)", severity="warning")
            return
        self.notify(f"Refreshing {self.kind.title}…")
        self.run_worker(
            lambda: refresher.refresh([self.kind.name]),
            thread=True,
            exit_on_error=False,  # shown by the app's handler (wstui.ui.workers)
            group="refresh-now",
        )

    def action_quit(self) -> None:
        self.app.exit()

    # -- actions ------------------------------------------------------------------------------

    def action_act(self, name: str) -> None:
        if self.ctx.read_only:
            self.refuse_read_only(name)
            return
        if name not in self.kind.actions:
            self.notify(f"{self.kind.title} have no {name} action", severity="warning")
            return
        from wstui.ui.screens.flow import start_action

        start_action(self, name)

    def action_edit_tags(self) -> None:
        """Bulk tag edit of the marked rows (or the cursor row): wstui.ui.screens.tag_edit."""
        from wstui.ui.screens.tag_edit import start_tag_edit

        start_tag_edit(self)

    def target_rows(self, action: str | None = None) -> tuple[list[dict], int]:
        """The marked rows (or the cursor row), and how many marks the filter hides.

        With `action`, marked rows are read as narrow as its plan allows (`plan_rows`).
        """
        cache, kind = self.ctx.cache, self.kind.name
        marks = set(self.table.marks)
        if not marks:
            key = self.cursor_key()
            row = cache.get(kind, key) if key else None
            return ([row] if row else []), 0
        if action is None:
            rows = rows_for_keys(cache, kind, sorted(marks))  # a few SQL passes, not one per mark
        else:
            rows = plan_rows(cache, kind, sorted(marks), action, self.ctx.gateway.protect_tag)
        if len(rows) < len(marks):  # some marked rows left the cache since: not targets
            self.table.unmark(marks - {(r["account"], r["region"], r["id"]) for r in rows})
        hidden = self.table.hidden_marks() if self.where != "1" else 0
        return rows, hidden
