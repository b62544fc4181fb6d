"""`:summary`: the estate in pictures -- states, idle days, directories, bundles, cost,
offenders -- as bars of block characters (readable in 16 colours and with NO_COLOR).

The numbers come from core.summary (SQL in the cache layer), read in a thread worker;
the bars are redrawn to the screen's width on resize. `r` reloads, `esc` goes back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from wstui.core import summary
from wstui.ui.safe_text import clean, fit, safe_text
from wstui.ui.screens.header import HeaderBar
from wstui.ui.workers import ReportsFailedWorkers

MAX_TARGETS = 12  # per-account/region lines shown; the rest are counted
LABEL_MAX = 28  # "123456789012/ap-southeast-2" whole


@dataclass(frozen=True)
class Data:
    total: int
    states: list[summary.Group]
    targets: list[summary.Group]
    idle: list[summary.Group]
    directories: list[summary.Group]
    bundles: list[summary.Group]
    cost_directories: list[summary.Group] | None
    cost_bundles: list[summary.Group] | None
    offenders: dict[str, list[dict[str, Any]]] | None


def load(cache: Any, now: float) -> Data:
    states = summary.states(cache)
    return Data(
        total=sum(g.count for g in states),
        states=states,
        targets=summary.states_by_target(cache),
        idle=summary.idle_histogram(cache, now),
        directories=summary.by_column(cache, "directory"),
        bundles=summary.by_column(cache, "bundle"),
        cost_directories=summary.cost_by(cache, "directory"),
        cost_bundles=summary.cost_by(cache, "bundle"),
        offenders=summary.offenders(cache),
    )


def _clip(text: str, width: int) -> str:
    """Cached text (hostile strings included) shown literally, cut to `width` cells."""
    return fit(text, width).rstrip()


def bars(groups: list[summary.Group], width: int, money: bool = False) -> Text:
    """One line per group: label, bar, value (count, or cost with the count)."""
    if not groups:
        return Text("none", style="dim")
    values = [(g.total or 0.0) if money else float(g.count) for g in groups]
    texts = [f"${v:,.0f} ({g.count:,})" if money else f"{g.count:,}"
             for g, v in zip(groups, values, strict=True)]  # fmt: skip
    label_w = min(LABEL_MAX, max(cell_len(clean(g.label)) for g in groups))
    value_w = max(len(t) for t in texts)
    bar_w = max(4, width - label_w - value_w - 4)
    largest = max(values) or 1.0
    out = Text()
    for i, (g, v, t) in enumerate(zip(groups, values, texts, strict=True)):
        if i:
            out.append("\n")
        out.append(fit(g.label, label_w) + "  ")
        out.append(t.rjust(value_w) + " ", style="bold")
        out.append(summary.bar(v, largest, bar_w))
    return out


def target_bars(groups: list[summary.Group], width: int) -> Text:
    """Per account/region: the total as a bar, then its states on the next line."""
    if not groups:
        return Text("no WorkSpaces cached yet", style="dim")
    shown = groups[:MAX_TARGETS]
    out = bars([summary.Group(g.label, g.count) for g in shown], width)
    lines = out.split("\n")
    text = Text()
    for i, (line, g) in enumerate(zip(lines, shown, strict=True)):
        if i:
            text.append("\n")
        text.append_text(line)
        parts = " · ".join(f"{state} {n:,}" for state, n in g.parts)
        text.append("\n  " + _clip(parts, max(8, width - 2)), style="dim")
    if len(groups) > MAX_TARGETS:
        rest = groups[MAX_TARGETS:]
        text.append(f"\n… {len(rest)} more account/regions, {sum(g.count for g in rest):,} "
                    "WorkSpaces", style="dim")  # fmt: skip
    return text


def offender_lines(found: dict[str, list[dict[str, Any]]] | None, width: int) -> Text:
    if not found:
        return Text(summary.NO_METRICS, style="italic")
    out = Text()
    for name, unit, title in (("latency", "ms", "in-session latency"),
                              ("disk", "%", "root / user volume used")):  # fmt: skip
        rows = found.get(name) or []
        if not rows:
            continue
        if out:
            out.append("\n")
        out.append(f"{title}:", style="bold")
        for r in rows:
            where = f"{r.get('account', '')}/{r.get('region', '')}"
            line = f"{float(r['value']):>7.0f} {unit}  {r.get('id', '')}  {r.get('user') or '-'}  {where}"
            out.append("\n  " + _clip(line, max(8, width - 2)))
    return out


class SummaryScreen(ReportsFailedWorkers, Screen):
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="wstui.summary.back"),
        Binding("r", "reload", "Reload", id="wstui.summary.reload"),
        Binding("j", "scroll('down')", "Down", show=False, id="wstui.summary.down"),
        Binding("k", "scroll('up')", "Up", show=False, id="wstui.summary.up"),
        Binding("g", "scroll('home')", "Top", show=False, id="wstui.summary.top"),
        Binding("G", "scroll('end')", "Bottom", show=False, id="wstui.summary.bottom"),
    ]

    SECTIONS = (
        ("states", "WorkSpaces by state"),
        ("targets", "By account / region"),
        ("idle", "Idle days (since the last user connection)"),
        ("by_directory", "WorkSpaces by directory"),
        ("by_bundle", "WorkSpaces by bundle"),
        ("cost", "Cost this month by directory / bundle"),
        ("offenders", "Top latency / disk offenders"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.data: Data | None = None

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with VerticalScroll(id="summary-body"):
            for name, title in self.SECTIONS:
                yield Static(title, classes="summary-title", id=f"title-{name}")
                yield Static("loading…", classes="summary-section", id=f"sum-{name}")
        yield Footer()

    def on_mount(self) -> None:
        self._header()
        self.query_one("#summary-body").focus()
        self.action_reload()

    def _header(self) -> None:
        n = f"{self.data.total:,} WorkSpaces" if self.data is not None else "loading"
        self.query_one(HeaderBar).show(
            targets=self.ctx.targets_text, read_only=self.ctx.read_only,
            kind_title=f"Summary ({n})", age="", stale=False, error=None, activity="", marks=0,
        )  # fmt: skip

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_scroll(self, where: str) -> None:
        body = self.query_one("#summary-body", VerticalScroll)
        {"down": body.scroll_down, "up": body.scroll_up, "home": body.scroll_home,
         "end": body.scroll_end}[where](animate=False)  # fmt: skip

    def action_reload(self) -> None:
        self._load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="summary")
    def _load(self) -> None:
        from textual.worker import get_current_worker

        try:
            data = load(self.ctx.cache, self.ctx.clock())
        except Exception as exc:  # cache busy or damaged: say so, keep the screen
            self.app.call_from_thread(self._failed, f"cannot read the cache: {exc}")
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show, data)

    def _failed(self, message: str) -> None:
        self.query_one("#sum-states", Static).update(safe_text(message))

    def _show(self, data: Data) -> None:
        self.data = data
        self._header()
        self._draw()

    def on_resize(self) -> None:
        if self.data is not None:
            self._draw()

    def _draw(self) -> None:
        data = self.data
        if data is None:
            return
        # The sections' width: the screen's less the body's padding (2), its scrollbar
        # (always shown, see app.tcss: no width change when it appears), the indent (1).
        body = self.query_one("#summary-body", VerticalScroll)
        width = max(20, self.size.width - 3 - body.styles.scrollbar_size_vertical - 1)
        cost: Text
        if data.cost_directories is None and data.cost_bundles is None:
            cost = Text(summary.NO_METRICS, style="italic")
        else:
            cost = Text()
            for title, groups in (("by directory", data.cost_directories),
                                  ("by bundle", data.cost_bundles)):  # fmt: skip
                if groups:
                    if cost:
                        cost.append("\n")
                    cost.append(f"{title}:\n", style="bold")
                    cost.append_text(bars(groups, width, money=True))
        sections = {
            "states": bars(data.states, width),
            "targets": target_bars(data.targets, width),
            "idle": bars(data.idle, width),
            "by_directory": bars(data.directories, width),
            "by_bundle": bars(data.bundles, width),
            "cost": cost,
            "offenders": offender_lines(data.offenders, width),
        }
        for name, text in sections.items():
            self.query_one(f"#sum-{name}", Static).update(text)
