"""Pickers in the operation forms (issue 12): ctrl+o / F4 on an id field lists the cached
rows of its kind in the form's account/region, filters as you type, fills the field."""

from __future__ import annotations

from typing import Any

from textual.widgets import Input, OptionList

from tests.ui.conftest import screen_text, wait_for
from tests.ui.test_forms import fill
from wstui.core import act
from wstui.ui.screens.form import FormScreen
from wstui.ui.screens.ops_picker import target_of
from wstui.ui.screens.picker import PickerScreen

US = "us-east-1"
SMALL = (80, 24)


def field_input(form: FormScreen, name: str) -> Input:
    index = next(i for i, f in enumerate(form.fields) if f.name == name)
    return form.query_one(f"#field-{index}", Input)


async def open_form(pilot: Any, app: Any, name: str, kind: str, row: dict) -> FormScreen:
    form = FormScreen(name, target_of(app.ctx, row), row, kind)
    app.push_screen(form)
    await wait_for(pilot, lambda: app.screen is form and bool(form.query("#form-hint")))
    return form


def test_the_field_kinds_come_from_the_model_shapes() -> None:
    def kinds(op: str, screen: str = "") -> dict[str, str | None]:
        return {f.name: f.pick_kind(screen) for f in act.fields(op)}

    assert kinds("AssociateConnectionAlias") == {"AliasId": "aliases", "ResourceId": "directories"}
    assert kinds("AssociateIpGroups") == {"DirectoryId": "directories", "GroupIds": "ipgroups"}
    assert kinds("MigrateWorkspace")["BundleId"] == "bundles"
    assert kinds("CopyWorkspaceImage")["SourceImageId"] == "images"
    assert kinds("StartWorkspacesPool")["PoolId"] == "pools"
    assert kinds("CreateTags", "ipgroups")["ResourceId"] == "ipgroups"
    assert kinds("CreateConnectionAlias")["ConnectionString"] is None


async def test_pick_a_directory_by_filtering(make_app, ctx) -> None:
    alias = ctx.cache.query("aliases", "region = ?", [US], limit=1, with_raw=True)[0]
    dirs = ctx.cache.query("directories", limit=None)
    ours = [d for d in dirs if d["region"] == US]
    assert len(ours) >= 2 and len(dirs) > len(ours)  # other regions' must not be offered
    wanted = ours[-1]
    app = make_app(start_kind="aliases")
    async with app.run_test(size=SMALL) as pilot:
        form = await open_form(pilot, app, "AssociateConnectionAlias", "aliases", alias)
        assert "ctrl+o/F4: pick from the cached directories" in screen_text(app)
        await fill(pilot, app, "ResourceId", "")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        assert {r["id"] for r in picker.rows} == {d["id"] for d in ours}
        await wait_for(pilot, lambda: all(d["id"] in screen_text(app) for d in ours))
        # Filter by a piece of the name: only that directory stays.
        piece = wanted["name"].split(".")[0]
        await pilot.press(*piece)
        await wait_for(pilot, lambda: [r["id"] for r in picker.rows] == [wanted["id"]])
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is form)
        assert field_input(form, "ResourceId").value == wanted["id"]
        assert app.focused is field_input(form, "ResourceId")
        # Typing by hand still works; F4 opens it too, and esc leaves the value alone.
        await pilot.press("f4")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is form)
        assert field_input(form, "ResourceId").value == wanted["id"]


async def test_a_list_field_gets_the_id_added(make_app, ctx) -> None:
    directory = ctx.cache.query("directories", "region = ?", [US], limit=1, with_raw=True)[0]
    groups = ctx.cache.query("ipgroups", "region = ?", [US], limit=None, order_by="name")
    app = make_app(start_kind="directories")
    async with app.run_test(size=SMALL) as pilot:
        form = await open_form(pilot, app, "AssociateIpGroups", "directories", directory)
        await fill(pilot, app, "GroupIds", groups[0]["id"])
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        await pilot.press(*groups[1]["name"], "enter")
        await wait_for(pilot, lambda: app.screen is form)
        assert field_input(form, "GroupIds").value == f"{groups[0]['id']}, {groups[1]['id']}"


async def test_every_entry_is_reachable_at_80x24(make_app, ctx) -> None:
    ws = ctx.cache.query("workspaces", "region = ?", [US], limit=1, with_raw=True)[0]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await open_form(pilot, app, "MigrateWorkspace", "workspaces", ws)
        await fill(pilot, app, "BundleId", "")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, PickerScreen))
        picker = app.screen
        options = picker.query_one("#picker-list", OptionList)
        count = options.option_count
        assert count > 20  # more bundles than rows on the screen
        await wait_for(pilot, lambda: "esc: cancel" in screen_text(app))  # hint not cut
        for i in range(count):
            if i:
                await pilot.press("down")
            await wait_for(pilot, lambda i=i: options.highlighted == i)
            rid = str(options.get_option_at_index(i).id)
            await wait_for(pilot, lambda rid=rid: rid in screen_text(app))
        region = options.region
        assert region.y >= 0 and region.bottom <= app.size.height
        assert "esc: cancel" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert field_input(app.screen, "BundleId").value == rid
