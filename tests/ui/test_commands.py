"""The whole-estate view in the TUI: saved views, targets, changes, export, shared cache."""

from __future__ import annotations

import csv
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.ui.conftest import screen_text, wait_for
from wstui.config import View
from wstui.core import watch
from wstui.core.cache import Cache
from wstui.core.query import compile as compile_query
from wstui.ui import commands
from wstui.ui.screens.changes import ChangesScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.targets import TargetsScreen

SIZE = (140, 40)


def count(ctx: Any, text: str) -> int:
    where, params = compile_query(text, "workspaces", now=ctx.clock())
    return ctx.cache.count("workspaces", where, params)


class TestViews:
    async def test_builtin_view_applies_query_sort_and_columns(self, make_app, ctx) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.run_command(":view idle")
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen)
                           and app.screen.query_text == "idle>30d")  # fmt: skip
            await wait_for(pilot, lambda: bool(app.screen.query("#table")))  # mounted
            screen = app.screen
            assert screen.order_by == "idle_days" and screen.desc
            assert [c.name for c in screen.columns][:6] == [
                "id", "user", "state", "running_mode", "last_connected", "idle_days",
            ]  # fmt: skip
            assert screen.table.source.count() == count(ctx, "idle>30d")
            # The counts, the table and the query box settle in a few frames (the footer
            # and the counts follow the first frame): wait for them, not a fixed time.
            counts = f"{count(ctx, 'idle>30d'):,} / {ctx.cache.count('workspaces'):,}"
            await wait_for(pilot, lambda: all(
                part in screen_text(app) for part in (counts, "IDLE", "idle>30d")
            ))  # fmt: skip

    async def test_config_view_and_unknown_view(self, make_app, ctx) -> None:
        ctx.config = SimpleNamespace(
            views={"stopped": View("stopped", "state:STOPPED", "user:desc", ("id", "user", "st"))}
        )
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.run_command("view stopped")
            await wait_for(pilot, lambda: getattr(app.screen, "query_text", "") == "state:STOPPED")
            await wait_for(pilot, lambda: bool(app.screen.query("#table")))  # mounted
            screen = app.screen
            assert [c.name for c in screen.columns] == ["id", "user", "state"]
            assert (screen.order_by, screen.desc) == ("user", True)
            assert screen.table.source.count() == count(ctx, "state:STOPPED")
            app.run_command("view nope")
            await wait_for(pilot, lambda: any(
                "Unknown view 'nope'" in str(n.message) for n in app._notifications
            ))  # fmt: skip
            titles = [t for t, _, _ in commands.palette_commands(app)]
            assert (
                "View: stopped (:view stopped)" in titles
                and "View: advice (:view advice)" in titles
            )


class TestTargets:
    async def test_targets_screen_shows_status_and_narrows_the_table(self, make_app, ctx) -> None:
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.run_command(":targets")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await wait_for(pilot, lambda: all(t.region in screen_text(app) for t in ctx.targets))
            text = screen_text(app)
            for t in ctx.targets:
                assert t.region in text and t.account in text
            lines = app.screen.lines
            assert [s.rows for s in lines] == [
                ctx.cache.count("workspaces", "region = ?", (t.region,)) for t in ctx.targets
            ]
            await pilot.press("down", "enter")  # narrow to the second target
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            region = ctx.targets[1].region
            await wait_for(pilot, lambda: app.screen.query_text
                           == f"(account:{ctx.targets[1].account} region:{region})")  # fmt: skip
            assert app.screen.table.source.count() == ctx.cache.count(
                "workspaces", "region = ?", (region,)
            )
            app.run_command("targets")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            await wait_for(pilot, lambda: app.screen.query_text == "")
            assert app.screen.table.source.count() == ctx.cache.count("workspaces")

    async def test_a_failing_target_shows_error_with_reason(self, make_app, ctx) -> None:
        bad = ctx.targets[0]
        ctx.cache.record_attempt("workspaces", bad, "AccessDeniedException: [bold red]no[/]")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.run_command("targets")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await wait_for(pilot, lambda: bool(app.screen.lines))
            assert app.screen.lines[0].status == "error"
            text = screen_text(app)
            assert "ERROR" in text and "AccessDeniedException: [bold red]no[/]" in text


class TestChanges:
    async def test_changes_since_lists_state_changes_new_and_vanished(self, make_app, ctx) -> None:
        t = ctx.targets[0]
        rows = ctx.cache.query("workspaces", "region = ?", (t.region,), limit=None, with_raw=True)
        items = [r["raw"] for r in rows]
        old_state = items[0]["State"]
        items[0] = {**items[0], "State": "ERROR" if old_state != "ERROR" else "AVAILABLE"}
        gone = items.pop()
        items.append({**items[1], "WorkspaceId": "ws-new0000001", "UserName": "[link=x]new[/]"})
        ctx.cache.replace_snapshot("workspaces", t, items)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.run_command("changes 1h")
            await wait_for(pilot, lambda: isinstance(app.screen, ChangesScreen))
            await wait_for(pilot, lambda: "ws-new0000001" in screen_text(app))
            screen = app.screen
            assert "1 new, 1 vanished, 1 state changes" in screen.summary
            text = screen_text(app)
            assert "ws-new0000001" in text and gone["WorkspaceId"] in text
            assert old_state in text
            # A time before the change shows it; a bad time is an error, the list stays.
            assert not screen.load("yesterday-ish")
            assert len(screen.events) >= 3


class TestExport:
    async def test_export_writes_every_filtered_row(self, make_app, ctx, tmp_path: Path) -> None:
        app = make_app()
        out = tmp_path / "view.csv"
        async with app.run_test(size=(100, 12)) as pilot:  # a small window: export is not it
            await pilot.press("slash", *"state:AVAILABLE", "enter")
            await wait_for(pilot, lambda: app.screen.query_text == "state:AVAILABLE")
            app.run_command(f"export {out}")
            await wait_for(pilot, lambda: out.exists())
            await wait_for(
                pilot, lambda: any("Exported" in str(n.message) for n in app._notifications)
            )
        with open(out, newline="", encoding="utf-8") as f:
            got = list(csv.reader(f))
        where, params = compile_query("state:AVAILABLE", "workspaces")
        expected = ctx.cache.query("workspaces", where, params, limit=None)
        assert [r[2] for r in got[1:]] == [e["id"] for e in expected]
        assert len(expected) > 10


class TestSharedCache:
    async def test_tui_defers_to_a_live_watcher_and_rereads_its_writes(
        self, ctx, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from wstui.ui.app import WstuiApp

        monkeypatch.setattr(commands, "WATCH_POLL", 0.1)
        other = Cache(ctx.cache.path)  # the watcher process's own connection
        lease = watch.Lease(other, ttl=30, owner="ops@bastion")
        lease.acquire()
        lease.heartbeat(passed=True)
        ctx.refresher.kinds = ["workspaces"]  # keep its passes short
        app = WstuiApp(ctx, watch_refresher=True)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: "watcher ops@bastion" in screen_text(app))
                assert not ctx.refresher.running  # no refresh of its own
                before = app.screen.table.source.count()
                t = ctx.targets[0]
                rows = other.query(
                    "workspaces", "region = ?", (t.region,), limit=None, with_raw=True
                )
                other.replace_snapshot("workspaces", t, [r["raw"] for r in rows[:-3]])
                await wait_for(pilot, lambda: app.screen.table.source.count() == before - 3)
                assert f"{before - 3:,} / {before - 3:,}" in screen_text(app)
                lease.release()  # the watcher stops: the TUI takes over refreshing
                await wait_for(pilot, lambda: ctx.refresher.running, timeout=5)
        finally:
            ctx.refresher.stop(timeout=None)  # let a pass finish before the cache closes
            other.close()

    async def test_a_follower_rereads_only_real_changes_and_highlights_them(
        self, ctx, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Heartbeats and passes that change nothing commit too: no re-read for them. A
        write that changes two rows: one re-read, exactly those two rows highlighted."""
        from wstui.ui.app import WstuiApp
        from wstui.ui.widgets.fleet_table import FleetTable

        monkeypatch.setattr(commands, "WATCH_POLL", 0.1)
        reloads: list[set] = []  # the keys of every table re-read
        reload = FleetTable.reload

        def noting(table: Any, changed_keys: Any = ()) -> None:
            changed_keys = set(changed_keys)
            reloads.append(changed_keys)
            reload(table, changed_keys)

        monkeypatch.setattr(FleetTable, "reload", noting)
        other = Cache(ctx.cache.path)  # the watcher process's own connection
        lease = watch.Lease(other, ttl=30, owner="ops@bastion")
        lease.acquire()
        app = WstuiApp(ctx, watch_refresher=True)

        async def commit_and_wait_for_poll(commit: Any) -> None:
            commit()
            moved = ctx.cache.data_version()  # this thread's connection: the UI's
            await wait_for(pilot, lambda: app.watcher.seen[0] == moved)

        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: "watcher ops@bastion" in screen_text(app))
                await wait_for(pilot, lambda: bool(app.screen.query("#table")))  # mounted
                table = app.screen.table
                assert not ctx.refresher.running and reloads == []
                # The target of the rows on screen (below the cursor row: its colour wins):
                # its write changes rows the user sees.
                assert table.cursor_row == 0
                top = table.source.window(1, 1)[0]["_key"]
                t = next(t for t in ctx.targets if t.region == top[1])
                items = [r["raw"] for r in other.query(
                    "workspaces", "region = ?", (t.region,), limit=None, with_raw=True)]  # fmt: skip
                for _ in range(3):
                    await commit_and_wait_for_poll(lambda: lease.heartbeat())
                # A pass that found nothing new commits (seen_at, status), changes nothing.
                await commit_and_wait_for_poll(lambda: other.replace_snapshot(
                    "workspaces", t, items))  # fmt: skip
                await commit_and_wait_for_poll(lambda: lease.heartbeat(passed=True))
                assert reloads == []
                # Two rows on screen change state in the other process's write.
                shown = [k for k in (r["_key"] for r in table.source.window(1, 10))
                         if k[1] == t.region][:2]  # fmt: skip
                assert len(shown) == 2
                ids = {k[2] for k in shown}
                moved_items = [{**i, "State": "ERROR"} if i["WorkspaceId"] in ids else i
                               for i in items]  # fmt: skip
                states = {k: ctx.cache.get("workspaces", k[2])["state"] for k in shown}
                assert "ERROR" not in states.values()
                changes = other.replace_snapshot("workspaces", t, moved_items)
                assert changes.changed_keys == set(shown)
                await wait_for(pilot, lambda: len(reloads) == 1)
                assert reloads == [set(shown)]
                # What the user sees: those two rows, and only those, in the changed colour.
                changed_bg = table.get_component_rich_style("fleet-table--changed").bgcolor
                lines = [table.render_line(y) for y in
                         range(table.scrollable_content_region.height)]  # fmt: skip
                lit = {line.text.split()[0] for line in lines[1:]
                       if changed_bg in {seg.style.bgcolor for seg in line if seg.style}}  # fmt: skip
                assert lit == ids
                assert all("ERROR" in line.text for line in lines if line.text.split()[:1]
                           and line.text.split()[0] in ids)  # fmt: skip
                # Later heartbeats do not re-read it again.
                await commit_and_wait_for_poll(lambda: lease.heartbeat())
                assert len(reloads) == 1
                lease.release()
        finally:
            ctx.refresher.stop(timeout=None)  # let a pass finish before the cache closes
            other.close()

    async def test_a_follower_behind_the_pruned_log_rereads_once(
        self, ctx, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Writes pruned from the log before the follower read them: the shown kind
        re-reads once, without highlights (the log no longer says which rows)."""
        from wstui.core.store import changelog
        from wstui.ui.app import WstuiApp
        from wstui.ui.widgets.fleet_table import FleetTable

        monkeypatch.setattr(commands, "WATCH_POLL", 3600)  # this test calls poll() itself
        monkeypatch.setattr(changelog, "KEEP", 2)
        reloads: list[set] = []
        reload = FleetTable.reload

        def noting(table: Any, changed_keys: Any = ()) -> None:
            reloads.append(set(changed_keys))
            reload(table, changed_keys)

        monkeypatch.setattr(FleetTable, "reload", noting)
        other = Cache(ctx.cache.path)
        lease = watch.Lease(other, ttl=30, owner="ops@bastion")
        lease.acquire()
        app = WstuiApp(ctx, watch_refresher=True)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: "watcher ops@bastion" in screen_text(app))
                await wait_for(pilot, lambda: bool(app.screen.query("#table")))
                t = ctx.targets[0]
                items = [r["raw"] for r in other.query(
                    "workspaces", "region = ?", (t.region,), limit=None, with_raw=True)]  # fmt: skip
                dirs = [r["raw"] for r in other.query(
                    "directories", "region = ?", (t.region,), limit=None, with_raw=True)]  # fmt: skip
                for n in range(2):  # two WorkSpaces writes, then two of directories:
                    items[n] = {**items[n], "State": "ERROR"}  # the log keeps only those
                    assert other.replace_snapshot("workspaces", t, items)
                for n in range(2):
                    dirs.append({**dirs[0], "DirectoryId": f"d-{n:010d}"})
                    assert other.replace_snapshot("directories", t, dirs)
                assert [e.kind for e in other.changes_since(0)] == ["", "directories", "directories"]
                app.watcher.poll()
                # The WorkSpaces table re-reads once (its writes were lost from the log).
                await wait_for(pilot, lambda: len(reloads) == 1)
                assert reloads == [set()]
                assert app.watcher.seen[1] == other.change_seq()
                lease.release()
        finally:
            ctx.refresher.stop(timeout=None)
            other.close()

    async def test_a_watcher_starting_later_stops_the_tuis_refresher(
        self, ctx, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from wstui.ui.app import WstuiApp

        monkeypatch.setattr(commands, "WATCH_POLL", 0.1)
        ctx.refresher.kinds = ["workspaces"]
        app = WstuiApp(ctx, watch_refresher=True)
        other = Cache(ctx.cache.path)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: ctx.refresher.running)
                lease = watch.Lease(other, ttl=30, owner="late@bastion")
                lease.acquire()
                await wait_for(pilot, lambda: not ctx.refresher.running, timeout=30)
                await wait_for(pilot, lambda: "watcher late@bastion" in screen_text(app))
                lease.release()
        finally:
            ctx.refresher.stop(timeout=None)  # let a pass finish before the cache closes
            other.close()

    async def test_no_watcher_means_the_tui_refreshes(self, ctx) -> None:
        from wstui.ui.app import WstuiApp

        ctx.refresher.kinds = ["workspaces"]  # keep its passes short
        app = WstuiApp(ctx, watch_refresher=True)
        try:
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: ctx.refresher.running)
                assert app.watcher is None
        finally:
            ctx.refresher.stop(timeout=None)  # let a pass finish before the cache closes


def test_two_tuis_and_a_watcher_on_one_cache_lose_no_rows(ctx, tmp_path: Path) -> None:
    """Readers (as TUIs do: own Cache, windows + counts) while another process rewrites."""
    import threading

    path = ctx.cache.path
    t = ctx.targets[0]
    full = ctx.cache.query("workspaces", "region = ?", (t.region,), limit=None, with_raw=True)
    n = len(full)
    errors: list[BaseException] = []
    stop = threading.Event()

    def tui() -> None:
        c = Cache(path)
        try:
            while not stop.is_set():
                got = c.count("workspaces", "region = ?", (t.region,))
                if got != n:
                    raise AssertionError(f"saw {got} rows of {n}")
                c.query("workspaces", order_by="user", offset=5, limit=20)
        except BaseException as exc:
            errors.append(exc)
        finally:
            c.close()

    readers = [threading.Thread(target=tui) for _ in range(2)]
    for r in readers:
        r.start()
    writer = Cache(path)
    deadline = time.monotonic() + 3
    passes = 0
    while time.monotonic() < deadline:
        items = [r["raw"] for r in full]
        items[passes % n] = {**items[passes % n], "State": "ERROR"}
        writer.replace_snapshot("workspaces", t, items)
        passes += 1
    stop.set()
    for r in readers:
        r.join(10)
    writer.close()
    assert passes > 3 and not errors
