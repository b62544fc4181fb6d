"""Details of one cached row: every field, tags, connection, history, raw JSON."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Sparkline, Static

from wstui.core.cache import raw_of
from wstui.core.insight import USAGE_KEY
from wstui.core.kinds import Kind
from wstui.core.metrics import COLUMNS as METRIC_COLUMNS
from wstui.core.metrics import METRICS_KEY
from wstui.core.text import SECONDS, format_value
from wstui.core.timefmt import iso
from wstui.ui.keymap import DETAILS_BINDINGS
from wstui.ui.screens._text import clean, multiline
from wstui.ui.screens.header import HeaderBar

Key = tuple[str, str, str]
LABEL_WIDTH = 22


def tree(value: Any, depth: int = 0) -> list[tuple[str, Any]]:
    """Nested API JSON as (indented label, value) lines: each key on its own line under
    its parent, so a label is its last path segment and none is cut into a duplicate.
    A parent's line has the value None; list items are labelled [0], [1], ..."""
    indent = "  " * depth
    items: list[tuple[str, Any]]
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"[{i}]", v) for i, v in enumerate(value)]
    else:
        return [(indent, value)]
    out: list[tuple[str, Any]] = []
    for key, v in items:
        if isinstance(v, dict | list) and v:
            out.append((indent + key, None))
            out += tree(v, depth + 1)
        else:
            out.append((indent + key, "[]" if v == [] else "{}" if v == {} else v))
    return out


def tree_lines(value: Any, times: frozenset[str] = frozenset()) -> list[Content]:
    """`tree` as Content lines; keys named in `times` hold epoch seconds (shown ISO)."""
    lines = []
    for label, v in tree(value):
        if v is None and label.strip():
            lines.append(Content.styled(clean(label), "$text-muted"))
            continue
        key = label.strip()
        text = iso(float(v)) if key in times and isinstance(v, int | float) else field_text(v)
        lines.extend(field_lines(label, text))
    return lines


def field_text(value: Any, type_: str = "text") -> str:
    """A details field's value as shown: "—" when empty, times to the second in UTC."""
    if value is None or value == "":
        return "—"
    return clean(format_value(value, type_, SECONDS + " UTC", compact_floats=False))


def field_line(label: str, value: str, style: str = "") -> Content:
    return Content.assemble(
        (clean(label)[: LABEL_WIDTH - 1].ljust(LABEL_WIDTH), "$text-muted"),
        (value, style) if style else value,
    )


def field_lines(label: str, value: str) -> list[Content]:
    """A field; a label too long for its column gets the value on the next line (never cut)."""
    label = clean(label)
    if len(label) < LABEL_WIDTH:
        return [field_line(label, value)]
    return [Content.styled(label, "$text-muted"), field_line("", value)]


def row_tags(cache: Any, kind: str, key: Key, row: dict) -> list[tuple[str, str]]:
    """Tags from the cache's tags table when it offers them, else from the row."""
    getter = getattr(cache, "tags", None)
    if callable(getter):
        try:
            found = getter(kind, key)
        except TypeError:
            found = None
        if isinstance(found, dict):
            return sorted((str(k), str(v)) for k, v in found.items())
        if isinstance(found, list):
            return [(str(t.get("key", t.get("Key"))), str(t.get("value", t.get("Value", "")))) for t in found]
    from wstui.core.act import row_tags as tags_of_row

    return sorted(tags_of_row(row).items())


def tags_unread_reason(kind: Kind, raw: dict) -> str:
    """Why a row has no known tags (so "Tags (0)" is never shown for tags never read)."""
    reason = kind.tags_unread or (kind.no_tags(raw, {}) if kind.no_tags is not None else None)
    return reason or "not read yet (they are read on this kind's next refresh)"


class DetailsScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [*DETAILS_BINDINGS]

    def __init__(self, kind: Any, key: Key) -> None:
        super().__init__(classes="details")
        self.kind = kind
        self.key = key
        self.show_raw = False

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        with VerticalScroll(id="details-body"):
            yield Static(id="details-spark-label")
            yield Sparkline([], id="details-spark")
            yield Static(id="details-fields")
            yield Static(id="details-raw")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HeaderBar).show(
            targets=f"{self.key[0]}/{self.key[1]}",
            read_only=self.ctx.read_only,
            kind_title=f"{self.kind.title} {self.key[2]}",
            age="",
            stale=False,
            error=None,
            activity="",
            marks=0,
        )
        self.render_details()
        self.query_one("#details-body").focus()

    def render_details(self) -> None:
        cache = self.ctx.cache
        row = cache.get(self.kind.name, self.key)
        fields = self.query_one("#details-fields", Static)
        raw_box = self.query_one("#details-raw", Static)
        if row is None:
            fields.update(Content.styled("This row is no longer in the cache.", "bold $warning"))
            raw_box.display = False
            return
        raw = raw_of(row)
        lines: list[Content] = [Content.styled("Fields", "bold $accent")]
        lines.append(field_line("ID", clean(self.key[2]), "bold"))
        lines.append(field_line("ACCOUNT / REGION", f"{clean(self.key[0])} / {clean(self.key[1])}"))
        for col in self.kind.columns:
            if col.name in {"account", "region", "id"} or col.name in METRIC_COLUMNS:
                continue  # metrics and cost have their own section below
            lines.append(field_line(col.title, field_text(row.get(col.name), col.type)))
        seen = row.get("seen_at")
        if seen:
            lines.append(field_line("SEEN", field_text(seen, "ts")))
        tags = row_tags(cache, self.kind.name, self.key, row)
        unread = None if tags or "Tags" in raw else tags_unread_reason(self.kind, raw)
        title = "Tags (not read)" if unread else f"Tags ({len(tags)})"
        lines += [Content(""), Content.styled(title, "bold $accent")]
        lines += [ln for k, v in tags for ln in field_lines(k, clean(v))] or [
            Content.styled(unread or "none", "$text-muted")
        ]
        api = {k: v for k, v in raw.items() if k not in (USAGE_KEY, METRICS_KEY)}
        lines += [Content(""), Content.styled("All API fields", "bold $accent")]
        lines += tree_lines(api)
        usage = raw.get(USAGE_KEY)
        if isinstance(usage, dict):
            # Computed by wstui from its own connection history, not returned by AWS.
            lines += [Content(""), Content.styled("Usage seen by wstui (not an API field)",
                                                  "bold $accent")]  # fmt: skip
            lines += tree_lines(usage, times=frozenset({"At"}))
        # From the metrics table: the raw item's copy waits for the next listing.
        getter = getattr(cache, "metrics_of", None)
        metrics = "metrics" in self.kind.write_extras  # the kind the metrics pass writes
        found = getter(self.key) if callable(getter) and metrics else None
        if isinstance(found, dict):
            # From CloudWatch AWS/WorkSpaces metrics, aggregated by wstui (core.metrics).
            lines += [Content(""), Content.styled("Metrics and cost (CloudWatch, by wstui)",
                                                  "bold $accent")]  # fmt: skip
            shown = {k: v for k, v in found.items() if k != "Series"}
            lines += tree_lines(shown, times=frozenset({"ReadTo"}))
        self.render_sparkline(found if isinstance(found, dict) else None)
        lines += [Content(""), Content.styled("Recent history", "bold $accent")]
        lines += self.history_lines()
        fields.update(Content("\n").join(lines))
        raw_box.update(multiline(json.dumps(raw, indent=2, sort_keys=True, default=str)))
        fields.display = not self.show_raw
        raw_box.display = self.show_raw

    def render_sparkline(self, found: dict | None) -> None:
        """Connected hours per day over the last 30 days, when metrics were read."""
        label = self.query_one("#details-spark-label", Static)
        spark = self.query_one("#details-spark", Sparkline)
        raw_series = found.get("Series") if found else None
        series: list[Any] = raw_series if isinstance(raw_series, list) else []
        has = len(series) > 0
        label.display = spark.display = has and not self.show_raw
        if has:
            spark.data = [float(v or 0) for v in series]
            label.update(Content.assemble(
                ("Connected hours per day, last 30 days", "bold $accent"),
                (f"  max {max(series):g} h · total {sum(series):g} h", "$text-muted"),
            ))  # fmt: skip

    def history_lines(self) -> list[Content]:
        try:
            rows = self.ctx.cache.history(self.kind.name, ids=[self.key[2]])
        except Exception as exc:  # an older cache without history: say so, do not fail
            return [Content.styled(f"unavailable: {clean(exc)}", "$text-muted")]
        rows = [r for r in rows if (r.get("account"), r.get("region")) in {(None, None), self.key[:2]}]
        if not rows:
            return [Content.styled("no changes recorded", "$text-muted")]
        out = []
        for r in rows[-20:]:
            at = r.get("at") or r.get("changed_at") or r.get("ts")
            rest = ", ".join(
                f"{k}={clean(v)}"
                for k, v in r.items()
                if k not in {"at", "changed_at", "ts", "kind", "account", "region", "id", "raw"}
                and v not in (None, "")
            )
            out.append(field_line(field_text(at, "ts") if at else "?", rest))
        return out

    def action_toggle_raw(self) -> None:
        self.show_raw = not self.show_raw
        self.query_one("#details-fields").display = not self.show_raw
        self.query_one("#details-raw").display = self.show_raw
        self.render_details()

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.key[2])
        self.notify(f"Copied {clean(self.key[2])}")

    def action_close(self) -> None:
        self.app.pop_screen()
