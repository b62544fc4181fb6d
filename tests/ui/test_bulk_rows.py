"""Opening a plan on many marks reads the cache in one SQL pass, not one query per mark."""

from __future__ import annotations

import json
from typing import Any

from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.plan_rows import rows_for_keys


def _count_calls(monkeypatch: Any, cache: Any) -> dict[str, int]:
    calls = {"get": 0, "query": 0, "rows_for_keys": 0, "plan_facts": 0}
    for name in calls:
        original = getattr(cache, name)

        def counted(*a: Any, _n: str = name, _o: Any = original, **kw: Any) -> Any:
            calls[_n] += 1
            return _o(*a, **kw)

        monkeypatch.setattr(cache, name, counted)
    return calls


def test_rows_for_keys_matches_get_row_by_row(ctx, monkeypatch) -> None:
    cache = ctx.cache
    keys = cache.keys("workspaces")
    one_by_one = [cache.get("workspaces", k) for k in keys]
    calls = _count_calls(monkeypatch, cache)
    bulk = rows_for_keys(cache, "workspaces", [*reversed(keys), ("nope", "nope", "ws-missing")])
    assert calls["get"] == 0 and calls["query"] == 0 and calls["rows_for_keys"] == 1
    assert [r["id"] for r in bulk] == [k[2] for k in reversed(keys)]  # in the keys' order
    bulk.reverse()
    # raw stays JSON text (parsed on demand); once parsed it is what get() returns
    assert all(isinstance(r["raw"], str) for r in bulk)
    assert [(r["id"], r["state"], r["tags"], json.loads(r["raw"])) for r in bulk] == [
        (r["id"], r["state"], r["tags"], r["raw"]) for r in one_by_one
    ]
    assert any(r["tags"] for r in bulk)  # tags come along (the protect tag needs them)
    # the temp table is left empty: a second call sees only its own keys
    assert [r["id"] for r in rows_for_keys(cache, "workspaces", keys[:2])] == [
        k[2] for k in keys[:2]
    ]


async def test_plan_on_all_marks_reads_facts_in_one_pass(make_app, ctx, monkeypatch) -> None:
    """A reboot of every row reads no row at all: one pass over ids, states and running
    modes (core.store.marked), judged per distinct fact."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+a")
        await pilot.pause()
        marked = len(app.screen.table.marks)
        assert marked == ctx.cache.count("workspaces")
        calls = _count_calls(monkeypatch, ctx.cache)
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, PlanScreen)
        plan = app.screen.plan
    assert calls == {"get": 0, "query": 0, "rows_for_keys": 0, "plan_facts": 1}
    assert len(plan.eligible) + len(plan.skipped) == marked
