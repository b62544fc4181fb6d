"""At 80x24 every dialog fits: the operations picker scrolls, form problems and results
are on screen, forms open ready to type. Keys in, `screen_text` and widget state out."""

from __future__ import annotations

import re
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from tests.ui.conftest import screen_text, wait_for
from tests.ui.test_forms import fill
from wstui.core.act import ops
from wstui.ui.screens.form import FormScreen
from wstui.ui.screens.ops_picker import EXTRAS, OperationsScreen, target_of
from wstui.ui.screens.resource import ResourceScreen

SMALL = (80, 24)
KINDS = ["workspaces", "directories", "bundles", "images", "ipgroups", "aliases", "pools"]


def option_title(screen: OperationsScreen, option_id: str) -> str:
    if option_id.startswith("extra:"):
        return next(e[2] for e in EXTRAS if e[3] == option_id)
    return ops.OPERATIONS[option_id].title


def inside_screen(app: Any, widget: Any) -> bool:
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= app.size.height


async def open_picker(pilot: Any, app: Any, kind: str) -> OperationsScreen:
    if kind == "account":
        await pilot.press("colon", *"ops account", "enter")
    else:
        await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(app.screen, OperationsScreen))
    return app.screen


def highlighted_shown(app: Any, picker: OperationsScreen) -> bool:
    options = picker.query_one("#ops", OptionList)
    index = options.highlighted
    if index is None:
        return False
    option = options.get_option_at_index(index)
    return option_title(picker, str(option.id)) in screen_text(app)


class TestOperationsPickerAt80x24:
    @pytest.mark.parametrize("kind", [*KINDS, "account"])
    async def test_every_entry_is_reachable_and_shown(self, make_app, kind) -> None:
        app = make_app(start_kind="workspaces" if kind == "account" else kind)
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            picker = await open_picker(pilot, app, kind)
            options = picker.query_one("#ops", OptionList)
            await wait_for(pilot, lambda: inside_screen(app, options))
            assert "esc: close" in screen_text(app)  # the hint under the list is not cut
            count = options.option_count
            assert count >= 3
            seen = []
            for i in range(count):
                if i:
                    await pilot.press("down")
                await wait_for(pilot, lambda i=i: options.highlighted == i)
                await wait_for(pilot, lambda: highlighted_shown(app, picker))
                seen.append(options.get_option_at_index(i).id)
            assert len(set(seen)) == count
            await pilot.press("home")
            await wait_for(pilot, lambda: options.highlighted == 0 and highlighted_shown(app, picker))
            await pilot.press("end")
            await wait_for(
                pilot, lambda: options.highlighted == count - 1 and highlighted_shown(app, picker)
            )
            assert inside_screen(app, options)


def dialog_text(app: Any) -> str:
    inner = []
    for line in screen_text(app).splitlines():
        if line.count("│") >= 2:
            inner.append(line[line.index("│") + 1 : line.rindex("│")].strip())
    return " ".join(" ".join(inner).split())


async def open_form(
    pilot: Any, app: Any, name: str, kind: str, row: dict | None, where: dict | None = None
) -> FormScreen:
    form = FormScreen(name, target_of(app.ctx, row or where), row, kind)
    app.push_screen(form)
    await wait_for(pilot, lambda: app.screen is form and bool(form.query("#form-hint")))
    return form


def first_row(app: Any, kind: str) -> dict:
    return app.ctx.cache.query(kind, limit=1, with_raw=True)[0]




class TestFormProblemsAt80x24:
    async def test_bad_cidr_is_shown(self, make_app, sim) -> None:
        app = make_app(start_kind="ipgroups")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, OperationsScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
            await fill(pilot, app, "GroupName", "office")
            await fill(pilot, app, "UserRules", "10.0.0.300/24 bad")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "Not sent" in dialog_text(app))
            assert "10.0.0.300/24" in dialog_text(app)
            assert "ctrl+s: send" in screen_text(app)
            assert sim.calls_to("CreateIpGroup") == []
            # the field being typed in is still on screen, under the problems
            assert inside_screen(app, app.focused)

    async def test_unparsable_tags_are_shown(self, make_app, sim) -> None:
        app = make_app(start_kind="ipgroups")
        async with app.run_test(size=SMALL) as pilot:
            await open_form(pilot, app, "CreateIpGroup", "ipgroups", None)
            await fill(pilot, app, "GroupName", "office")
            await fill(pilot, app, "Tags", "nokeyvalue")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "expected KEY=VALUE" in dialog_text(app))
            assert sim.calls_to("CreateIpGroup") == []

    async def test_service_refusal_judged_from_the_cache_is_shown(self, make_app, sim) -> None:
        app = make_app(start_kind="aliases")
        async with app.run_test(size=SMALL) as pilot:
            row = first_row(app, "aliases")
            raw = {**(row.get("raw") or {}), "State": "CREATING"}
            await open_form(pilot, app, "UpdateConnectionAliasPermission", "aliases",
                                   {**row, "raw": raw})  # fmt: skip
            # said on open, before anything is typed
            await wait_for(pilot, lambda: "must be CREATED first" in dialog_text(app))
            await fill(pilot, app, "ConnectionAliasPermission.SharedAccountId", "111122223333")
            await fill(pilot, app, "ConnectionAliasPermission.AllowAssociation", "true")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "Not sent: the service would refuse" in dialog_text(app))
            assert "must be CREATED first" in dialog_text(app)
            assert sim.calls_to("UpdateConnectionAliasPermission") == []

    async def test_read_only_refusal_is_shown(self, make_app, sim) -> None:
        app = make_app(start_kind="ipgroups")
        app.ctx.read_only = True
        async with app.run_test(size=SMALL) as pilot:
            await open_form(pilot, app, "DeleteIpGroup", "ipgroups", first_row(app, "ipgroups"))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: "read-only mode: DeleteIpGroup refused" in dialog_text(app))

    async def test_service_error_is_shown(self, make_app, sim) -> None:
        from wstui.ui.screens.form import ConfirmOperation

        app = make_app(start_kind="aliases")
        async with app.run_test(size=SMALL) as pilot:
            existing = first_row(app, "aliases")
            await open_form(pilot, app, "CreateConnectionAlias", "aliases", None, existing)
            await fill(pilot, app, "ConnectionString", existing["connection_string"])
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOperation))
            await pilot.press("y")
            await wait_for(pilot, lambda: "failed" in dialog_text(app))
            assert "ResourceAlreadyExistsException" in dialog_text(app)

    async def test_long_read_result_is_shown_and_scrolls(self, make_app, sim) -> None:
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            form = await open_form(pilot, app, "DescribeWorkspaces", "workspaces", None)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: not form.sending and form.last_result is not None)
            await wait_for(pilot, lambda: '"Workspaces": [' in dialog_text(app))
            assert "ctrl+s: send" in screen_text(app)
            body = form.query_one("#form-body")
            assert body.max_scroll_y > 0
            before = body.scroll_y
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: body.scroll_y > before)


class TestFormFocusOnOpen:
    async def test_first_field_focused_cursor_at_end_typing_appends(self, make_app, sim) -> None:
        app = make_app(start_kind="aliases")
        async with app.run_test(size=SMALL) as pilot:
            row = first_row(app, "aliases")
            form = await open_form(pilot, app, "DescribeConnectionAliasPermissions", "aliases", row)
            first = form.query_one("#field-0", Input)
            await wait_for(pilot, lambda: app.focused is first)
            assert first.value == row["id"]
            assert first.cursor_position == len(first.value)
            assert first.selection.is_empty
            await pilot.press("x")
            await wait_for(pilot, lambda: first.value == row["id"] + "x")
            # tab away and back: nothing is selected, typing still appends
            await pilot.press("tab")
            await wait_for(pilot, lambda: app.focused is not first)
            await pilot.press("shift+tab")
            await wait_for(pilot, lambda: app.focused is first)
            assert first.selection.is_empty


class TestColumnChooser:
    async def test_space_toggles_enter_applies_and_marks_show_without_colour(
        self, make_app, monkeypatch
    ) -> None:
        from wstui.ui.screens.columns import ColumnsScreen

        monkeypatch.setenv("NO_COLOR", "1")
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            resource = app.screen
            shown = [c.name for c in resource.columns]
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ColumnsScreen))
            chooser = app.screen
            await wait_for(pilot, lambda: "enter: apply" in screen_text(app))
            text = screen_text(app)
            first = chooser.titles[shown[0]]
            assert f"[x] {first} ({shown[0]})" in text
            hidden = chooser.order[-1]
            assert hidden not in shown
            await pilot.press("end")  # the list scrolls to the hidden columns at the end
            await wait_for(pilot, lambda: f"[ ] {chooser.titles[hidden]} ({hidden})" in screen_text(app))
            await pilot.press("home")
            # space hides the highlighted (first) column; enter applies, it does not toggle
            await pilot.press("space")
            await wait_for(pilot, lambda: f"[ ] {first} ({shown[0]})" in screen_text(app))
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is resource)
            assert [c.name for c in resource.columns] == shown[1:]


class TestHeaderAndColumnsAt80:
    async def test_state_stays_visible_with_two_accounts_and_two_regions(self, make_app, ctx) -> None:
        from wstui.core.aws import Target

        regions = sorted({t.region for t in ctx.targets})
        ctx.targets = [Target(None, r, a) for a in ("123456789012", "210987654321") for r in regions]
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: "/ 40" in screen_text(app))
            resource = app.screen
            names = [c.name for c in resource.columns]
            assert {"account", "region"} <= set(names)
            assert names.index("state") < names.index("account")
            lines = screen_text(app).splitlines()
            header = next(line for line in lines if " ID " in line)
            assert "STATE" in header
            states = {"AVAILABLE", "STOPPED", "PENDING", "STARTING", "STOPPING", "ERROR",
                      "UNHEALTHY", "REBOOTING", "REBUILDING", "TERMINATED", "IMPAIRED"}  # fmt: skip
            assert any(w in states for line in lines for w in line.split())

    async def test_read_only_badge_and_mark_count_fit_in_80_columns(self, make_app, ctx) -> None:
        from wstui.core.aws import Target

        regions = sorted({t.region for t in ctx.targets})
        ctx.targets = [Target(None, r, a) for a in ("123456789012", "210987654321") for r in regions]
        ctx.read_only = True
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: "/ 40" in screen_text(app))
            assert "READ-ONLY" in screen_text(app).splitlines()[0]
            await pilot.press("ctrl+a")
            # a long activity on the same line does not push the count off
            app.refresh_activity = "workspaces 123456789012/us-east-1 and more words than fit"
            app.screen.update_header()
            await wait_for(pilot, lambda: "40 marked" in screen_text(app).splitlines()[1])

    async def test_long_filter_error_is_readable_and_counts_stay(self, make_app) -> None:
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: "40 / 40" in screen_text(app))
            await pilot.press("slash", *"nosuchfield=3 and user=bob")
            await wait_for(pilot, lambda: 'known field instead of "nosuchfield"' in screen_text(app))
            text = screen_text(app)
            assert "/ 40" in text  # (an earlier prefix may have filtered: any count)
            assert "(fields:" in text and "account, advice" in text  # wrapped, not cut
            assert "Filter" in text.splitlines()[-1]  # the footer is still there


class TestDetailsAt80:
    async def test_labels_are_distinct_usage_is_wstuis_and_its_time_iso(self, make_app) -> None:

        from wstui.core.cache import raw_of
        from wstui.ui.screens.details import LABEL_WIDTH, DetailsScreen

        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: "/ 40" in screen_text(app))
            rows = app.ctx.cache.query("workspaces", limit=None, with_raw=True)
            row = next(r for r in rows if isinstance(raw_of(r).get("Usage"), dict))
            raw = raw_of(row)
            app.push_screen(DetailsScreen(app.screen.kind, (row["account"], row["region"], row["id"])))
            await wait_for(
                pilot,
                lambda: isinstance(app.screen, DetailsScreen) and bool(app.screen.query("#details-fields")),
            )
            fields = app.screen.query_one("#details-fields")
            await wait_for(pilot, lambda: "All API fields" in str(fields.render()))
            text = str(fields.render())
            lines = text.splitlines()
            api = lines[lines.index("All API fields") + 1 :]
            api = api[: api.index("")]
            # every property of WorkspaceProperties on its own line, under its parent
            assert "WorkspaceProperties" in api
            start = api.index("WorkspaceProperties") + 1
            block = []
            for ln in api[start:]:
                if not ln.startswith("  "):
                    break
                if ln[:LABEL_WIDTH].strip() and ln[2] != " ":  # children only; no value lines
                    block.append(ln.split()[0])
            assert block == list(raw["WorkspaceProperties"])  # whole, distinct, in order
            # wstui's Usage is not an API field; its time is ISO, not an epoch
            assert not any(ln.startswith("Usage") for ln in api)
            title = "Usage seen by wstui (not an API field)"
            assert title in lines
            usage = lines[lines.index(title) + 1 :]
            at = next(ln for ln in usage if ln.startswith("At "))
            assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", at), at
            assert str(raw["Usage"]["At"]) not in at
            # and on screen at 80 columns the first API lines read without cuts
            await pilot.press("pagedown")
            await wait_for(pilot, lambda: "WorkspaceProperties.R" not in screen_text(app))


class TestToastsAt80:
    async def test_sent_toast_is_a_short_sentence_and_leaves_the_counter(self, make_app, sim) -> None:
        from wstui.ui.screens.form import ConfirmOperation

        app = make_app(start_kind="ipgroups")
        async with app.run_test(size=SMALL, notifications=True) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            await wait_for(pilot, lambda: " / " in screen_text(app).splitlines()[-2])
            await open_form(pilot, app, "CreateIpGroup", "ipgroups", None)
            await fill(pilot, app, "GroupName", "branch-office")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOperation))
            await pilot.press("y")
            await wait_for(pilot, lambda: "CreateIpGroup sent." in screen_text(app))
            text = screen_text(app)
            message = list(app._notifications)[-1].message
            assert message.startswith("CreateIpGroup sent. New GroupId wsipg-"), message
            assert "{" not in message and '"' not in message  # a sentence, not JSON
            assert "{" not in text
            # the counter line is not covered by the toast
            assert re.search(r"\d+ / \d+\s*$", text.splitlines()[-2]), text


class TestThemeCommand:
    async def test_theme_without_a_name_opens_the_theme_picker(self, make_app) -> None:
        from textual.command import CommandPalette

        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SMALL, notifications=True) as pilot:
            await wait_for(pilot, lambda: "/ 40" in screen_text(app))
            await pilot.press("colon", *"theme", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
            await wait_for(pilot, lambda: "ansi-dark" in screen_text(app))
            assert not any("unknown" in n.message.lower() for n in app._notifications)
            await pilot.press(*"wstui-light")
            await wait_for(pilot, lambda: "wstui-light" in screen_text(app))
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.theme == "wstui-light")


class TestListScreensAt80:
    """`:targets`, `:log` and `:changes` at 80 columns: every column up to the last one is
    whole on screen (a shorter time; the last column is to the right, enter shows all)."""

    @pytest.mark.parametrize(("command", "screen_name", "last_whole"), [
        ("targets", "TargetsScreen", "LAST OK"),
        ("log", "AuditScreen", "TARGET"),
        ("changes", "ChangesScreen", "NEW"),
    ])  # fmt: skip
    async def test_columns_fit_80(self, make_app, command, screen_name, last_whole) -> None:
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            await pilot.press("colon", *command, "enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == screen_name)
            columns = app.screen.columns
            titles = [t for t, _ in columns]
            shown = columns[: titles.index(last_whole) + 1]
            # cell padding 1 each side, 2 for the vertical scrollbar
            assert sum(w + 2 for _, w in shown) + 2 <= SMALL[0]
            await wait_for(pilot, lambda: last_whole in screen_text(app))
            if command == "targets":
                await wait_for(pilot, lambda: re.search(
                    r"(\d\d-\d\d \d\d:\d\d|never)\s*$", screen_text(app).splitlines()[4]
                ) is not None)  # fmt: skip
        wide = make_app()
        async with wide.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(wide.screen, ResourceScreen))
            await pilot.press("colon", *command, "enter")
            await wait_for(pilot, lambda: type(wide.screen).__name__ == screen_name)
            assert wide.screen.columns is not columns  # full widths and times from 100 up
