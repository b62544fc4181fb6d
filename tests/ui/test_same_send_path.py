"""`wstui act` and the TUI's action keys send through the same plan -> execute path.

The same action over the same rows, once from the CLI and once from the TUI (each on its
own copy of the seeded cache, against the same simulator): the simulator must receive
the same mutating calls, and each cache must hold the same audit rows and per-id items.
A second send path (other batching, other FailedRequests parsing, another audit shape)
would show up here as a difference.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from tests.ui.conftest import wait_for
from wstui import cli
from wstui.core.aws import is_mutating
from wstui.core.cache import Cache
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.results import ResultsScreen

US, EU = "us-east-1", "eu-west-1"
AUDITED = ("action", "account", "region", "ids", "params", "items")


def _keys(sim: Any, cache: Any) -> list[tuple[str, str, str]]:
    """Two AVAILABLE WorkSpaces in us-east-1 and one in eu-west-1 (two calls), plus one
    STOPPED (skipped: STOPPED cannot reboot), set to those states in the simulator."""
    picked = []
    for region, state, n in ((US, "AVAILABLE", 2), (EU, "AVAILABLE", 1), (US, "STOPPED", 1)):
        keys = cache.keys("workspaces", "region = ? AND state = ?", [region, state])[:n]
        assert len(keys) == n, f"the seeded cache has too few {state} WorkSpaces in {region}"
        picked += keys
    return picked


def _reset(sim: Any, cache: Any, keys: list[tuple[str, str, str]]) -> None:
    for _, region, wid in keys:
        sim.set_state(region, wid, cache.get("workspaces", wid)["state"])


def _mutations(sim: Any) -> list[tuple[str, str, dict]]:
    return [(c.operation, c.region, c.params) for c in sim.calls if is_mutating(c.operation)]


def _audit(cache: Any) -> list[dict]:
    rows = sorted(cache.audit(limit=100), key=lambda r: r["id"])
    return [{k: r[k] for k in AUDITED} for r in rows]


async def test_cli_act_and_the_tui_send_the_same_calls_and_audit_the_same_rows(
    make_app: Any, ctx: Any, sim: Any, sim_url: str, seeded_cache_file: Path,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any,
) -> None:  # fmt: skip
    keys = _keys(sim, ctx.cache)
    _reset(sim, ctx.cache, keys)
    ids = [k[2] for k in keys]

    # -- the CLI, on its own copy of the cache -------------------------------------------
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    skip_retry_backoff(monkeypatch)
    cli_cache = tmp_path / "cli.sqlite"
    shutil.copy(seeded_cache_file, cli_cache)
    sim.clear_calls()
    code = cli.main(["--endpoint-url", sim_url, "--region", US, "--region", EU,
                     "--cache", str(cli_cache), "act", "reboot", "--ids", *ids, "--yes"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == cli.EXIT_OK, err
    assert "1 STOPPED cannot reboot" in out
    cli_calls = _mutations(sim)
    reader = Cache(cli_cache)
    try:
        cli_audit = _audit(reader)
    finally:
        reader.close()

    # -- the TUI, marking the same rows ----------------------------------------------------
    _reset(sim, ctx.cache, keys)
    sim.clear_calls()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
    tui_calls = _mutations(sim)
    tui_audit = _audit(ctx.cache)

    # Two RebootWorkspaces calls (one per region), the STOPPED one never sent.
    assert sorted((op, region) for op, region, _ in cli_calls) == [
        ("RebootWorkspaces", EU), ("RebootWorkspaces", US)
    ]  # fmt: skip
    sent = {r["WorkspaceId"] for _, _, p in cli_calls for r in p["RebootWorkspaceRequests"]}
    assert sent == set(ids[:3])
    assert sorted(tui_calls, key=repr) == sorted(cli_calls, key=repr)
    assert len(cli_audit) == 2
    assert all(i["status"] == "sent" for row in cli_audit for i in row["items"])
    assert sorted(tui_audit, key=repr) == sorted(cli_audit, key=repr)
