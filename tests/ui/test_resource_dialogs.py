"""Pilot tests: the IP rules editor, refusals explained before sending, typed confirmation
of destructive single-resource operations, and k9s-style jumps between related kinds."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import screen_text, wait_for
from tests.ui.test_forms import SIZE, dialog_text, focus_row, open_op
from wstui.ui.jumps import JumpScreen
from wstui.ui.screens.form import ConfirmOperation, FormScreen
from wstui.ui.screens.ip_rules import ConfirmRules, IpRulesScreen
from wstui.ui.screens.resource import ResourceScreen

US = "us-east-1"


def group_id(app: Any, name: str) -> str:
    rows = app.ctx.cache.query("ipgroups", "ipgroups.name = ? AND region = ?", [name, US], limit=None)
    return str(rows[0]["id"])


def sim_rules(sim: Any, group: str) -> list[tuple[str, str]]:
    import boto3

    found = boto3.client("workspaces", region_name=US).describe_ip_groups(GroupIds=[group])["Result"][0]
    return sorted((r["ipRule"], r.get("ruleDesc", "")) for r in found["userRules"])


async def settle(pilot: Any, app: Any) -> None:
    await app.workers.wait_for_complete()
    for screen in app.screen_stack:
        if isinstance(screen, ResourceScreen):
            screen.reload()
    await pilot.pause()


class TestIpRulesEditor:
    async def test_add_with_cidr_check_then_edit_and_remove_as_one_update(self, make_app, sim):
        app = make_app(start_kind="ipgroups")
        async with app.run_test(size=SIZE) as pilot:
            group = group_id(app, "unused")
            await focus_row(pilot, group)
            await pilot.press("o", "e")  # "Edit rules" opens the editor, not a raw form
            await wait_for(pilot, lambda: isinstance(app.screen, IpRulesScreen))
            assert "10.10.0.0/16" in dialog_text(app)

            # a bad CIDR is explained inline; nothing changes, nothing is sent
            await pilot.press("a", *"10.0.0.300/8", "enter", "enter")
            await pilot.pause()
            assert "is not a CIDR block" in dialog_text(app)
            editor = app.screen
            assert [r.cidr for r in editor.rules] == ["10.10.0.0/16"]
            await pilot.press(*["backspace"] * 12, *"198.51.100.0/24", "enter", *"branch [b]x[/b]", "enter")
            await pilot.pause()
            assert [r.cidr for r in editor.rules] == ["10.10.0.0/16", "198.51.100.0/24"]
            assert sim.calls_to("AuthorizeIpRules") == []

            # only an addition: one AuthorizeIpRules, confirmed, then read back
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRules))
            assert "AuthorizeIpRules" in dialog_text(app)
            await pilot.press("y")
            await wait_for(pilot, lambda: len(sim.calls_to("AuthorizeIpRules")) == 1)
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            assert sim.calls_to("AuthorizeIpRules")[0].params == {
                "GroupId": group, "UserRules": [{"ipRule": "198.51.100.0/24", "ruleDesc": "branch [b]x[/b]"}]}  # fmt: skip
            assert sim_rules(sim, group) == [("10.10.0.0/16", "unused"), ("198.51.100.0/24", "branch [b]x[/b]")]
            await settle(pilot, app)
            await pilot.press("o", "e")
            await wait_for(pilot, lambda: isinstance(app.screen, IpRulesScreen))
            assert "branch [b]x[/b]" in dialog_text(app)  # user data shown literally, not as markup
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))

            # remove one rule and edit the other's description: one UpdateRulesOfIpGroup
            await pilot.press("o", "e")
            await wait_for(pilot, lambda: isinstance(app.screen, IpRulesScreen))
            editor = app.screen
            assert [r.cidr for r in editor.rules] == ["10.10.0.0/16", "198.51.100.0/24"]
            await pilot.press("x")  # the cursor is on rule 1
            await pilot.press("enter")  # edit what is now rule 1
            await pilot.press("tab", *["backspace"] * 20, *"branch office", "enter")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmRules))
            assert "UpdateRulesOfIpGroup" in dialog_text(app)
            await pilot.press("y")
            await wait_for(pilot, lambda: len(sim.calls_to("UpdateRulesOfIpGroup")) == 1)
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            assert sim_rules(sim, group) == [("198.51.100.0/24", "branch office")]
            assert sim.calls_to("RevokeIpRules") == []
            audited = [a["action"] for a in app.ctx.cache.audit(limit=5)]
            assert audited[:2] == ["UpdateRulesOfIpGroup", "AuthorizeIpRules"]


class TestRefusalsAndTypedConfirm:
    async def test_associated_group_delete_is_explained_before_sending(self, make_app, sim):
        app = make_app(start_kind="ipgroups")
        async with app.run_test(size=SIZE) as pilot:
            office = group_id(app, "office")
            directory = sim.report.directories[US][0]
            await focus_row(pilot, office)
            form = await open_op(pilot, app, "x")
            assert form.op.name == "DeleteIpGroup"
            # explained as soon as the form opens ...
            text = dialog_text(app)
            assert "associated with" in text and directory in text
            # ... and ctrl+s does not send it
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, FormScreen)
            assert "disassociate it from every directory first" in dialog_text(app)
            assert sim.calls_to("DeleteIpGroup") == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))

            # an unassociated group: destructive, so the id must be typed (y does nothing)
            unused = group_id(app, "unused")
            await pilot.press("escape")
            await focus_row(pilot, unused)
            await open_op(pilot, app, "x")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmOperation))
            await pilot.press("y", "enter")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmOperation)
            assert "That is not" in dialog_text(app)
            assert sim.calls_to("DeleteIpGroup") == []
            await pilot.press(*unused, "enter")
            await wait_for(pilot, lambda: len(sim.calls_to("DeleteIpGroup")) == 1)
            assert sim.calls_to("DeleteIpGroup")[0].params == {"GroupId": unused}


class TestJumps:
    async def test_jumps_between_related_kinds(self, make_app, sim):
        app = make_app(start_kind="ipgroups")
        directory = sim.report.directories[US][0]
        async with app.run_test(size=SIZE) as pilot:
            # IP group -> the directories it is associated with
            await focus_row(pilot, group_id(app, "office"))
            await pilot.press("J")
            await wait_for(pilot, lambda: getattr(app.screen, "kind", None) is not None
                           and app.screen.kind.name == "directories")  # fmt: skip
            await wait_for(pilot, lambda: directory in screen_text(app))
            screen = app.screen
            assert screen.query_text.startswith("ip_groups:")
            assert screen.table.source.count() == 1 and directory in screen_text(app)

            # directory -> its WorkSpaces (two relations: a choice)
            await pilot.press("J")
            await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.kind.name == "workspaces")
            await wait_for(pilot, lambda: app.screen.query_text.startswith(f"directory:{directory} ")
                           and bool(app.screen.query("#table")))  # fmt: skip
            screen = app.screen
            assert screen.query_text.startswith(f"directory:{directory} ")
            expected = app.ctx.cache.count("workspaces", "workspaces.directory = ?", [directory])
            assert expected > 0 and screen.table.source.count() == expected

            # WorkSpace -> its bundle
            key = screen.cursor_key()
            bundle = app.ctx.cache.get("workspaces", key)["bundle"]
            await pilot.press("J")
            await wait_for(pilot, lambda: isinstance(app.screen, JumpScreen))
            await pilot.press("down", "enter")
            await wait_for(pilot, lambda: app.screen.kind.name == "bundles")
            await wait_for(pilot, lambda: app.screen.query_text.startswith(f"id:{bundle} ")
                           and bool(app.screen.query("#table")))  # fmt: skip
            assert app.screen.query_text.startswith(f"id:{bundle} ") and US in app.screen.query_text
            assert app.screen.table.source.count() == 1

            # alias -> its associated directories
            app.run_command("aliases")
            await wait_for(pilot, lambda: app.screen.kind.name == "aliases")
            alias = next(r for r in app.ctx.cache.query("aliases", "region = ?", [US], limit=None)
                         if r["associations"])  # fmt: skip
            await focus_row(pilot, alias["id"])
            await pilot.press("J")
            await wait_for(pilot, lambda: app.screen.kind.name == "directories")
            await wait_for(pilot, lambda: app.screen.query_text.startswith(f"id:{directory} ")
                           and bool(app.screen.query("#table")))  # fmt: skip
            assert app.screen.query_text.startswith(f"id:{directory} ")
            assert app.screen.table.source.count() == 1


def test_jump_filters_stay_literal_for_hostile_ids() -> None:
    from wstui.core.query import compile as compile_query
    from wstui.ui.jumps import related

    hostile = 'd-1" | state:x [bold red]x[/] \x1b]8;;file:///etc/passwd\x07'
    row = {"id": "ws-1", "region": US, "account": "123456789012",
           "raw": {"DirectoryId": hostile, "BundleId": "wsb-12345678"}}  # fmt: skip
    jumps = related("workspaces", row)
    assert [j.kind for j in jumps] == ["directories", "bundles"]
    where, params = compile_query(jumps[0].query, "directories")
    assert hostile in params and US in params  # one literal value, not extra terms
    assert " OR " not in where.upper().replace("COALESCE", "")


class TestCreateFromCsv:
    async def test_rows_checked_then_sent_in_calls_of_25_with_answers_per_row(self, make_app, sim, tmp_path):
        from wstui.sim.catalogue import AMAZON_BUNDLES
        from wstui.ui.screens.create_csv import ConfirmCsv, CsvCreateScreen

        header = "DirectoryId,UserName,BundleId,RunningMode,Tags"
        bundle = sorted(AMAZON_BUNDLES)[0]
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SIZE) as pilot:
            region = app.screen.cursor_key()[1]
            d = sim.report.directories[region][0]
            bad = tmp_path / "bad.csv"
            bad.write_text(f"{header}\n{d},ok,{bundle},,\n{d},[bold]x[/],{bundle},SOMETIMES,T\n", encoding="utf-8")
            good = tmp_path / "good.csv"
            good.write_text("\n".join([header, *(f"{d},csv{i},{bundle},AUTO_STOP,Src=csv" for i in range(29)),
                                       f"{d},[red]u[/red],{bundle},,",
                                       f"d-0000000000,ghost,{bundle},,"]) + "\n", encoding="utf-8")  # fmt: skip
            await pilot.press("o", "V")
            await wait_for(pilot, lambda: isinstance(app.screen, CsvCreateScreen))
            await pilot.press(*str(bad), "enter")
            await pilot.pause()
            text = dialog_text(app)
            assert "Not sendable: 2 problem(s)" in text
            assert "line 3: RunningMode" in text and "line 3: Tags" in text
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmCsv) and sim.calls_to("CreateWorkspaces") == []

            await pilot.press(*["backspace"] * len(str(bad)), *str(good), "enter")
            await pilot.pause()
            assert "31 WorkSpace(s) in 2 call(s) of CreateWorkspaces (25, 6)" in dialog_text(app)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmCsv))
            await pilot.press("y")
            await wait_for(pilot, lambda: "30 pending, 1 failed" in dialog_text(app))
            assert [len(c.params["Workspaces"]) for c in sim.calls_to("CreateWorkspaces")] == [25, 6]
            from textual.widgets import DataTable

            table = app.screen.query_one("#csv-results", DataTable)
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            assert len(rows) == 31
            assert rows[-1][:4] == ["32", "ghost", "d-0000000000", "FAILED"]
            assert rows[-1][4].startswith("ResourceNotFound.Directory")
            assert rows[0][:4] == ["2", "csv0", d, "PENDING"] and rows[0][4].startswith("ws-")
            assert sim.state_of(region, rows[0][4]) == "PENDING"  # the simulator has it
            pending = next(line for line in screen_text(app).splitlines() if " csv0 " in line)
            assert "PENDING" in pending  # and the user sees it
            assert rows[29][1] == "[red]u[/red]"  # a hostile user name stays literal

    async def test_audit_failure_mid_file_names_what_was_and_was_not_sent(
        self, make_app, sim, tmp_path, monkeypatch
    ):
        from tests.gw import disk_full_on_audit
        from wstui.sim.catalogue import AMAZON_BUNDLES
        from wstui.ui.screens.create_csv import ConfirmCsv, CsvCreateScreen

        disk_full_on_audit(monkeypatch, 2)
        bundle = sorted(AMAZON_BUNDLES)[0]
        app = make_app(start_kind="workspaces")
        async with app.run_test(size=SIZE) as pilot:
            d = sim.report.directories[app.screen.cursor_key()[1]][0]
            good = tmp_path / "good.csv"
            good.write_text("DirectoryId,UserName,BundleId\n" + "".join(f"{d},full{i},{bundle}\n" for i in range(30)))  # fmt: skip
            await pilot.press("o", "V")
            await wait_for(pilot, lambda: isinstance(app.screen, CsvCreateScreen))
            await pilot.press(*str(good), "enter", "ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmCsv))
            await pilot.press("y")
            await wait_for(pilot, lambda: "disk is full" in dialog_text(app))
            text = dialog_text(app)
            assert "sent (25): " in text and "not sent (5): " in text
        assert [len(c.params["Workspaces"]) for c in sim.calls_to("CreateWorkspaces")] == [25]
