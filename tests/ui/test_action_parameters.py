"""The parameterised actions (AutoStop timeout, compute type, volume sizes, migrate),
the `J` jump binding and the 80-column footer, driven as a user would: keys, the
choice dialog, the plan, the results. Asserts on the screen and on what the
simulator received."""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

from tests.ui.conftest import screen_text, wait_for
from wstui.core.act import ACTIONS, COMPUTE_TYPES
from wstui.ui.keymap import MUTATION_KEYS, RESOURCE_BINDINGS
from wstui.ui.screens.flow import AUTOSTOP_HOURS, kind_actions
from wstui.ui.screens.palette import WstuiCommands
from wstui.ui.screens.plan import ChoiceScreen, PlanScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.results import ResultsScreen

SIZE = (120, 40)


async def filter_to(pilot: Any, text: str) -> None:
    await pilot.press("slash", *text)
    await wait_for(pilot, lambda: pilot.app.screen.query_text == text)  # debounced
    await pilot.press("enter")
    await pilot.pause()


async def choose(pilot: Any, app: Any, wanted: str) -> str:
    """Highlight the option whose label contains `wanted` and press Enter; its label."""
    assert isinstance(app.screen, ChoiceScreen)
    options = app.screen.query_one(OptionList)
    labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    index = next(i for i, label in enumerate(labels) if wanted in label)
    options.highlighted = index
    await pilot.press("enter")
    await pilot.pause()
    return labels[index]


def modify_calls(sim: Any) -> list[dict]:
    return [c.params for c in sim.calls_to("ModifyWorkspaceProperties")]


async def confirm_and_finish(pilot: Any, app: Any) -> ResultsScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
    results = app.screen
    await wait_for(pilot, lambda: results.finished)
    return results


class TestAutoStopTimeout:
    async def test_choices_are_whole_hours_and_the_chosen_one_is_sent(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, "state=AVAILABLE mode=AUTO_STOP")
            wid = app.screen.table.cursor_key[2]
            await pilot.press("a")
            await pilot.pause()
            text = screen_text(app)
            assert "Set AutoStop timeout" in text
            assert "120 min  (2 h)" in text
            options = app.screen.query_one(OptionList)
            assert options.option_count == len(AUTOSTOP_HOURS)
            await choose(pilot, app, "(2 h)")
            assert isinstance(app.screen, PlanScreen)
            text = screen_text(app)
            assert "1 eligible for set autostop timeout" in text
            assert "minutes=120" in text
            assert modify_calls(sim) == []  # nothing sent before the confirmation
            await pilot.press("enter")
            await confirm_and_finish(pilot, app)
            assert "sent" in screen_text(app)
        assert modify_calls(sim) == [
            {
                "WorkspaceId": wid,
                "WorkspaceProperties": {"RunningModeAutoStopTimeoutInMinutes": 120},
            }
        ]
        assert sim.workspace(sim_region(sim, wid), wid).auto_stop_minutes == 120

    async def test_always_on_rows_are_skipped_with_a_reason(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, "state=AVAILABLE mode=ALWAYS_ON")
            await pilot.press("a")
            await pilot.pause()
            await choose(pilot, app, "(1 h)")
            text = screen_text(app)
            assert "0 eligible" in text
            assert "skipped 1 ALWAYS_ON cannot change AutoStop timeout" in text
        assert modify_calls(sim) == []


def sim_region(sim: Any, wid: str) -> str:
    return next(region for region, ids in sim.report.workspace_ids.items() if wid in ids)


class TestComputeType:
    async def test_every_reference_compute_type_is_offered_and_sent(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, "state=AVAILABLE compute=VALUE")
            wid = app.screen.table.cursor_key[2]
            await pilot.press("C")
            await pilot.pause()
            options = app.screen.query_one(OptionList)
            offered = [
                str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
            ]
            assert offered == list(COMPUTE_TYPES)  # the WorkspaceProperties valid values
            await choose(pilot, app, "POWERPRO")
            assert "compute=POWERPRO" in screen_text(app)
            await pilot.press("enter")
            await confirm_and_finish(pilot, app)
        assert modify_calls(sim) == [
            {"WorkspaceId": wid, "WorkspaceProperties": {"ComputeTypeName": "POWERPRO"}}
        ]
        assert sim.workspace(sim_region(sim, wid), wid).compute_type == "POWERPRO"


class TestVolumes:
    async def test_a_larger_pair_is_sent_and_a_shrink_is_skipped(self, make_app, ctx, sim):
        available = ctx.cache.query("workspaces", "state = 'AVAILABLE'", limit=None)
        grow_row = next(r for r in available if r["root_gb"] <= 80 and r["user_gb"] < 50)
        shrink_row = next(r for r in available if r["root_gb"] > 80)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, grow_row["id"])
            grow = app.screen.table.cursor_key
            await pilot.press("space")
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen.query_text == "")
            await filter_to(pilot, shrink_row["id"])
            shrink = app.screen.table.cursor_key
            assert (grow[2], shrink[2]) == (grow_row["id"], shrink_row["id"])
            await pilot.press("space")
            await pilot.press("V")
            await pilot.pause()
            assert "root / user GiB" in screen_text(app)
            await choose(pilot, app, "root   80 GiB  user   50 GiB")
            text = screen_text(app)
            assert "1 eligible for resize volumes" in text
            assert "skipped 1 cannot shrink root volume" in text
            assert "1 marked row(s) hidden by the current filter" in text
            await pilot.press("enter")
            await confirm_and_finish(pilot, app)
        assert modify_calls(sim) == [
            {
                "WorkspaceId": grow[2],
                "WorkspaceProperties": {"RootVolumeSizeGib": 80, "UserVolumeSizeGib": 50},
            }
        ]
        assert sim.workspace(grow[1], grow[2]).user_gb == 50
        assert sim.workspace(shrink[1], shrink[2]).root_gb >= 175


class TestMigrate:
    async def test_bundle_from_the_cache_and_typed_count_then_sent(self, make_app, ctx, sim):
        bundles = ctx.cache.query("bundles", limit=None)
        assert bundles, "the seeded cache has bundles"
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, "state=AVAILABLE")
            row = ctx.cache.get("workspaces", app.screen.table.cursor_key)
            wid = row["id"]
            await pilot.press("I")
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)
            text = screen_text(app)
            assert "Migrate: target bundle" in text
            regional = {b["id"] for b in bundles if b["region"] == row["region"]}
            options = app.screen.query_one(OptionList)
            offered = [
                str(options.get_option_at_index(i).prompt) for i in range(options.option_count)
            ]
            assert {label.split()[0] for label in offered} <= regional - {row["bundle"]}
            assert offered
            target = offered[0].split()[0]
            await choose(pilot, app, target)
            plan = app.screen
            assert isinstance(plan, PlanScreen)
            text = screen_text(app)
            assert f"bundle={target}" in text and "DESTRUCTIVE" in text
            assert "Type 1 and press Enter" in text
            await pilot.press("y", "enter")  # a destructive plan ignores y / Enter alone
            await pilot.pause()
            assert app.screen is plan
            assert sim.calls_to("MigrateWorkspace") == []
            await pilot.press("1", "enter")
            await confirm_and_finish(pilot, app)
            assert "new id ws-" in screen_text(app)
        calls = sim.calls_to("MigrateWorkspace")
        assert [c.params for c in calls] == [{"SourceWorkspaceId": wid, "BundleId": target}]

    async def test_hostile_bundle_names_show_as_plain_text(self, make_app, ctx, sim):
        hostile = "[bold red]x[/] [link=file:///etc/passwd]p[/link] \x1b[31mred"
        account, region = ctx.targets[0].account, ctx.targets[0].region
        ctx.cache.replace_snapshot(
            "bundles", ctx.targets[0],
            [{"BundleId": "wsb-hostile01", "Name": hostile, "State": "AVAILABLE",
              "ComputeType": {"Name": "VALUE"}}],
        )  # fmt: skip
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, f"state=AVAILABLE region={region}")
            await pilot.press("I")
            await pilot.pause()
            text = screen_text(app)
            assert "wsb-hostile01" in text
            assert "[bold red]x[/] [link=file:" in text  # literal, cut to 28 cells
            assert "\x1b" not in text
        assert account is not None

    async def test_no_cached_bundle_is_a_notice_not_a_dialog(self, make_app, ctx, sim):
        for target in ctx.targets:
            ctx.cache.replace_snapshot("bundles", target, [])
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await filter_to(pilot, "state=AVAILABLE")
            await pilot.press("I")
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)
            assert any("No bundles in the cache" in str(n.message) for n in app._notifications)
        assert sim.calls_to("MigrateWorkspace") == []


class TestKeysAndPalette:
    def test_every_action_spec_has_a_key_and_is_offered_on_workspaces(self):
        from wstui.core.kinds import resolve

        assert set(MUTATION_KEYS) == set(ACTIONS)
        assert set(kind_actions(resolve("workspaces"))) == set(ACTIONS)
        keys = [k for k in MUTATION_KEYS.values()]
        assert len(keys) == len(set(keys))

    async def test_palette_offers_the_new_actions(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            titles = [t for t, _, _ in WstuiCommands(app.screen, None)._commands()]
            for title in ("Migrate", "AutoStop timeout", "Compute type", "Volume sizes"):
                assert f"{title} marked WorkSpaces" in titles, title
            # The palette entry runs the same flow: a choice dialog opens.
            entry = next(cb for t, cb, _ in WstuiCommands(app.screen, None)._commands()
                         if t == "Compute type marked WorkSpaces")  # fmt: skip
            entry()
            await pilot.pause()
            assert isinstance(app.screen, ChoiceScreen)

    async def test_jump_is_a_remappable_binding_shown_in_help(self, make_app, ctx):
        from types import SimpleNamespace

        assert any(b.id == "wstui.jump" and b.key == "J" for b in RESOURCE_BINDINGS)
        ctx.config = SimpleNamespace(keymap={"wstui.jump": "ctrl+j"})
        app = make_app()
        async with app.run_test(size=(120, 70)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            text = screen_text(app)
            assert "Jump to related" in text and "wstui.jump" in text
            line = next(x for x in text.splitlines() if "wstui.jump" in x)
            assert "ctrl+j" in line
            for binding_id in ("wstui.migrate", "wstui.autostop-timeout", "wstui.compute-type",
                               "wstui.volumes"):  # fmt: skip
                assert binding_id in text, binding_id


class TestFooterAt80:
    async def test_everyday_keys_fit_in_80_columns(self, make_app):
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            # The footer is built after the first frame (when_painted): wait for it.
            await wait_for(pilot, lambda: "Cmd" in screen_text(app).splitlines()[-1])
            footer = screen_text(app).splitlines()[-1]
            for label in ("Mark", "Filter", "Start", "Stop", "Reboot", "Help", "Cmd"):
                assert label in footer, (label, footer)
            await pilot.resize_terminal(120, 40)
            await wait_for(pilot, lambda: "palette" in screen_text(app).splitlines()[-1])
