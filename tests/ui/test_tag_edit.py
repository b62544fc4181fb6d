"""Bulk tag edit (issue 12): `T` on marked rows -> editor -> plan -> confirm -> gateway ->
results -> audit; the simulator's tags, the cache rows and the audit log all change."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.core.act.tags import TagEditError, parse_edit, plan_tags
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.tag_edit import TagEditorScreen, TagPlanScreen, TagResultsScreen

US = "us-east-1"
SMALL = (80, 24)


def sim_tags(sim: Any, wid: str) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in sim.workspace(US, wid).tags}


def cached_tags(ctx: Any, key: tuple[str, str, str]) -> dict[str, str]:
    return dict(ctx.cache.get("workspaces", key)["tags"])


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def open_editor(pilot: Any, app: Any, keys: list) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
    app.screen.table.marks.update(keys)
    await pilot.press("T")
    await wait_for(pilot, lambda: isinstance(app.screen, TagEditorScreen))


async def plan_edit(pilot: Any, app: Any, put: str, remove: str = "") -> TagPlanScreen:
    await type_text(pilot, put)
    await pilot.press("tab")
    await type_text(pilot, remove)
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TagPlanScreen))
    return app.screen


async def send(pilot: Any, app: Any) -> TagResultsScreen:
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, TagResultsScreen) and app.screen.finished)
    return app.screen


async def test_tag_three_marked_workspaces(make_app, ctx, sim) -> None:
    keys = ctx.cache.keys("workspaces", "region = ?", [US])[:3]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_editor(pilot, app, keys)
        plan = await plan_edit(pilot, app, "Project=apollo, Tier=gold")
        text = screen_text(app)
        assert "3 WorkSpaces to change in 3 call(s)" in text
        assert all(k[2] in text for k in keys)  # which resources, on screen at 80x24
        assert "+Project=apollo" in text
        assert len(plan.plan.changes) == 3
        results = await send(pilot, app)
        assert {o.status for o in results.results.values()} == {"sent"}
        await wait_for(pilot, lambda: "sent 3" in screen_text(app))
        assert app.screen_stack[1].table.marks == set()  # sent rows are unmarked
    calls = sim.calls_to("CreateTags")
    assert sorted(c.params["ResourceId"] for c in calls) == sorted(k[2] for k in keys)
    for key in keys:
        assert sim_tags(sim, key[2])["Project"] == "apollo"
        assert sim_tags(sim, key[2])["Tier"] == "gold"
        assert cached_tags(ctx, key)["Project"] == "apollo"  # re-read into the cache
    # Filterable at once (the workspaces listing may be an hour away).
    assert len(ctx.cache.keys("workspaces", "workspaces.id IN (SELECT id FROM tags WHERE key = 'Project')")) == 3  # fmt: skip
    audit = [a for a in ctx.cache.audit(limit=10) if a["action"] == "CreateTags"]
    assert sorted(i for a in audit for i in a["ids"]) == sorted(k[2] for k in keys)
    assert all(item["status"] == "sent" for a in audit for item in a["items"])


async def test_remove_a_tag(make_app, ctx, sim) -> None:
    key = next(k for k in ctx.cache.keys("workspaces", "region = ?", [US])
               if "Team" in cached_tags(ctx, k))  # fmt: skip
    before = sim_tags(sim, key[2])
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_editor(pilot, app, [key])
        await plan_edit(pilot, app, "", "Team")
        assert "-Team" in screen_text(app)
        await send(pilot, app)
    assert "Team" not in sim_tags(sim, key[2])
    assert sim_tags(sim, key[2]) == {k: v for k, v in before.items() if k != "Team"}
    assert "Team" not in cached_tags(ctx, key)
    assert [c.params for c in sim.calls_to("DeleteTags")] == [{"ResourceId": key[2], "TagKeys": ["Team"]}]  # fmt: skip
    assert sim.calls_to("CreateTags") == []
    assert ctx.cache.audit(limit=1)[0]["action"] == "DeleteTags"


async def test_a_protected_workspace_is_refused_in_the_plan(make_app, ctx, sim, sim_client) -> None:
    keys = ctx.cache.keys("workspaces", "region = ?", [US])[:2]
    protected = keys[0]
    sim_client(US).create_tags(
        ResourceId=protected[2], Tags=[{"Key": "wstui:protect", "Value": "yes"}]
    )
    ctx.refresher.refresh_tags("workspaces", ctx.targets[0], [protected[2]])
    assert "wstui:protect" in cached_tags(ctx, protected)
    sim.clear_calls()
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_editor(pilot, app, keys)
        plan = await plan_edit(pilot, app, "Project=apollo")
        await wait_for(pilot, lambda: "refused" in screen_text(app))
        text = screen_text(app)
        assert f"refused {protected[2]}: protected by tag wstui:protect" in text
        assert [c.id for c in plan.plan.changes] == [keys[1][2]]
        await send(pilot, app)
    assert [c.params["ResourceId"] for c in sim.calls_to("CreateTags")] == [keys[1][2]]
    assert "Project" not in sim_tags(sim, protected[2])


async def test_read_only_refuses_the_tag_editor(make_app, ctx, sim) -> None:
    ctx.read_only = True
    keys = ctx.cache.keys("workspaces", "region = ?", [US])[:2]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        app.screen.table.marks.update(keys)
        await pilot.press("T")
        await wait_for(pilot, lambda: any("Read-only mode: Edit tags refused" in n.message
                                          for n in app._notifications))  # fmt: skip
        assert not isinstance(app.screen, TagEditorScreen)
    assert sim.calls_to("CreateTags") == [] and sim.calls_to("DeleteTags") == []


async def test_an_invalid_key_gives_a_clear_message(make_app, ctx, sim) -> None:
    keys = ctx.cache.keys("workspaces", "region = ?", [US])[:1]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_editor(pilot, app, keys)
        await type_text(pilot, "K" * 128 + "=v")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "at most 127" in screen_text(app))
        assert isinstance(app.screen, TagEditorScreen)  # still editing: fix and retry
        app.screen.query_one("#tag-set").value = "Project"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "has no '='" in screen_text(app))
    assert sim.calls_to("CreateTags") == []


def test_parse_edit_rules() -> None:
    edit = parse_edit(" A = 1 , B=, C=x y ", "D, D")
    assert edit.put == (("A", "1"), ("B", ""), ("C", "x y")) and edit.remove == ("D",)
    for put, remove, message in (
        ("", "", "nothing to do"),
        ("A=1, A=2", "", "given twice"),
        ("A=1", "A", "both set and removed"),
        ("=1", "", "cannot be empty"),
        ("A=" + "v" * 256, "", "at most 255"),
        (", ".join(f"K{i}=v" for i in range(51)), "", "at most 50"),
        ("", "A=1", "only the key"),
    ):
        try:
            parse_edit(put, remove)
        except TagEditError as exc:
            assert message in str(exc), (put, remove, exc)
        else:
            raise AssertionError(f"accepted {put!r} / {remove!r}")


def test_plan_skips_what_the_api_would_refuse() -> None:
    full = {f"K{i}": "v" for i in range(50)}
    rows = [
        {"account": "1", "region": US, "id": "ws-a", "tags": {"Team": "x"}},
        {"account": "1", "region": US, "id": "ws-b", "tags": full},
        {"account": "1", "region": US, "id": "ws-c", "tags": {"New": "1"}},
        {"account": "1", "region": US, "id": "ws-d", "tags": {}, "raw": "{}"},
    ]
    plan = plan_tags("workspaces", rows, parse_edit("New=1"))
    assert [c.id for c in plan.changes] == ["ws-a"]
    reasons = {s.id: s.reason for s in plan.skipped}
    assert reasons == {
        "ws-b": "would have 51 tags (at most 50)",
        "ws-c": "already so (nothing to change)",
        "ws-d": "tags not read yet (protect tag unknown)",
    }
    bundles = [{"account": "1", "region": US, "id": "wsb-1", "tags": {}, "raw": {"Owner": "AMAZON", "Tags": []}}]  # fmt: skip
    assert plan_tags("bundles", bundles, parse_edit("A=1")).skipped[0].reason == "Amazon's public bundles take no tags"  # fmt: skip
    pools = [{"account": "1", "region": US, "id": "wspool-1", "tags": {}}]
    assert "CreateTags" in plan_tags("pools", pools, parse_edit("A=1")).skipped[0].reason


async def test_the_palette_opens_the_tag_editor(make_app, ctx) -> None:
    from wstui.ui.screens.palette import WstuiCommands

    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        titles = [t for t, _, _ in WstuiCommands(app.screen, None)._commands()]
        assert "Edit tags of marked WorkSpaces (T)" in titles
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await type_text(pilot, "Edit tags of marked")
        await wait_for(pilot, lambda: "WorkSpaces (T)" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TagEditorScreen))
        await wait_for(pilot, lambda: getattr(app.focused, "id", None) == "tag-set")
