"""The header shown above every resource screen: targets, cache age, markers, marks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def kind_status(
    rows: Iterable[Mapping[str, Any]], kind: str, now: float, interval: int
) -> tuple[str, bool, str | None]:
    """(age text, stale?, last error) for one kind over all targets.

    The age is that of the oldest target, so "updated 5 s ago" is true for all of them.
    """
    mine = [r for r in rows if r.get("kind") == kind]
    if not mine:
        return format_age(None), True, None
    successes = [r.get("last_success") for r in mine]
    oldest = None if any(s is None for s in successes) else min(successes)
    age = None if oldest is None else now - float(oldest)
    stale = age is None or age > 2 * max(interval, 1)
    error = None
    for r in mine:
        err = r.get("last_error")
        attempt, success = r.get("last_attempt") or 0, r.get("last_success") or 0
        if err and attempt >= success:
            error = str(err)
    return format_age(age), stale, error


class HeaderBar(Static):
    """Two lines: app + targets + READ-ONLY badge; kind, age, markers, activity, marks."""

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
    ) -> None:
        first = Content.assemble(
            ("wstui", "bold $accent"),
            "  ",
            clean(targets),
            *((("  "), (" READ-ONLY ", "bold reverse $warning")) if read_only else ()),
        )
        parts: list[Content | str | tuple[str, str]] = [(clean(kind_title), "bold")]
        if age:
            parts += [" · ", (age, "$text-muted" if not stale else "bold $warning")]
        if stale:
            parts += [" ", ("STALE", "bold $warning")]
        if error:
            parts += [" ", (f"! {clean(error)[:60]}", "bold $error")]
        if activity:
            parts += [" · ", (f"⟳ {clean(activity)}", "$secondary")]
        if marks:
            parts += [" · ", (f"{marks} marked", "bold $accent")]
        self.update(Content("\n").join([first, Content.assemble(*parts)]))
