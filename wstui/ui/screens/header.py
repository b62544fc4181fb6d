"""The header shown above every resource screen: targets, cache age, markers, marks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.content import Content
from textual.widgets import Static

from wstui.ui.screens._text import clean


def format_age(seconds: float | None) -> str:
    if seconds is None:
        return "never updated"
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"updated {seconds} s ago"
    if seconds < 90 * 60:
        return f"updated {seconds // 60} min ago"
    return f"updated {seconds // 3600} h ago"


def error_headline(error: str) -> str:
    """A few words for the header: what kind of failure a refresh error is."""
    low = error.lower()
    if any(w in low for w in ("connectionclosed", "endpointconnection", "connecttimeout",
                              "readtimeout", "could not connect", "connection was closed")):  # fmt: skip
        return "endpoint down"
    if "throttl" in low or "rate exceeded" in low:
        return "throttled"
    if "accessdenied" in low or "not authorized" in low:
        return "access denied"
    if any(w in low for w in ("credential", "sso", "token", "profile")):
        return "credentials"
    return "refresh failed"


def _ago(seconds: float) -> str:
    return format_age(seconds).removeprefix("updated ")


@dataclass(frozen=True)
class TargetError:
    """A target whose last refresh of a kind failed (and has not succeeded since)."""

    target: str  # "account/region"
    error: str
    at: float | None  # last_error_at (epoch), None if unknown

    def line(self, now: float) -> str:
        when = f" {_ago(now - self.at)}" if self.at is not None else ""
        return f"{error_headline(self.error)}{when}: {self.target}: {self.error}"


def kind_errors(rows: Iterable[Mapping[str, Any]], kind: str) -> list[TargetError]:
    """The targets whose last attempt at `kind` failed, newest failure first."""
    out = []
    for r in rows:
        if r.get("kind") != kind:
            continue
        err = r.get("last_error")
        attempt, success = r.get("last_attempt") or 0, r.get("last_success") or 0
        if err and attempt >= success:
            at = r.get("last_error_at") or r.get("last_attempt")
            target = (
                f"{r.get('account')}/{r.get('region')}"
                if r.get("account")  # else a target that never resolved: name its profile
                else f"{r.get('profile') or 'default'}@{r.get('region')}"
            )
            out.append(TargetError(target, str(err), float(at) if at else None))
    return sorted(out, key=lambda e: -(e.at or 0))


def kind_status(
    rows: Iterable[Mapping[str, Any]], kind: str, now: float, interval: int
) -> tuple[str, bool, str | None]:
    """(age text, stale?, last error) for one kind over all targets.

    The age is that of the oldest target, so "updated 5 s ago" is true for all of them.
    The error reads "endpoint down 12 s ago: account/region: message" (the newest one).
    """
    mine = [r for r in rows if r.get("kind") == kind]
    if not mine:
        return format_age(None), True, None
    successes = [float(r["last_success"]) for r in mine if r.get("last_success") is not None]
    oldest = min(successes) if len(successes) == len(mine) else None
    age = None if oldest is None else now - float(oldest)
    stale = age is None or age > 2 * max(interval, 1)
    errors = kind_errors(mine, kind)
    return format_age(age), stale, errors[0].line(now) if errors else None


class HeaderBar(Static):
    """Two lines: app + targets + READ-ONLY badge; kind, age, markers, activity, marks.

    One more line per failing target (up to MAX_ERROR_LINES) when `errors` are given.
    Repaints only when the text changed, and never asks for a layout pass unless its
    line count changed: an idle tick must not repaint the table under it.
    """

    MAX_ERROR_LINES = 3

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: Content | None = None
        self._lines = 2

    def show(
        self,
        *,
        targets: str,
        read_only: bool,
        kind_title: str,
        age: str,
        stale: bool,
        error: str | None,
        activity: str,
        marks: int,
        errors: list[str] | None = None,
    ) -> None:
        # What matters most comes first on each line: the line is cut at the right edge.
        first = Content.assemble(
            ("wstui", "bold $accent"),
            *(("  ", (" READ-ONLY ", "bold reverse $warning")) if read_only else ()),
            "  ",
            clean(targets),
        )
        parts: list[Content | str | tuple[str, str]] = [(clean(kind_title), "bold")]
        if marks:
            parts += [" · ", (f"{marks:,} marked", "bold $accent")]
        if age:
            parts += [" · ", (age, "$text-muted" if not stale else "bold $warning")]
        if stale:
            parts += [" ", ("STALE", "bold $warning")]
        if activity:
            parts += [" · ", (f"⟳ {clean(activity)}", "$secondary")]
        if error and not errors:
            parts += [" ", (f"! {clean(error)[:200]}", "bold $error")]
        lines = [first, Content.assemble(*parts)]
        errors = errors or []
        for text in errors[: self.MAX_ERROR_LINES]:
            lines.append(Content.styled(f"! {clean(text)[:300]}", "bold $error"))
        if len(errors) > self.MAX_ERROR_LINES:
            lines.append(
                Content.styled(f"! +{len(errors) - self.MAX_ERROR_LINES} more failing", "$error")
            )
        content = Content("\n").join(lines)
        if content == self._shown:
            return
        relayout = len(lines) != self._lines
        self._shown, self._lines = content, len(lines)
        if relayout:
            self.styles.height = len(lines)
        self.update(content, layout=relayout)
