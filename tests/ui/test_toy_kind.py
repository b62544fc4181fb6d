"""Adding a kind is adding a declaration: a toy kind declared here, and nothing else,
gets cache rows from a refresh, `wstui ls`, a TUI screen with its rows, `:ops`, and its
state colour. Each step would fail if it needed a kind-specific edit elsewhere (a lister
looked up by name, a fixed list of tables, screens, intervals or state names).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli import run  # noqa: F401  (the fixture: the CLI in-process on the sim)
from tests.ui.conftest import screen_text, wait_for
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.kinds import KINDS, Column, Kind, dig, register, resolve, unregister
from wstui.core.kinds.base import account_col, region_col
from wstui.core.refresh import Refresher
from wstui.ui.screens.ops_picker import OperationsScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.widgets.fleet_table import state_group

US = "us-east-1"
ACCOUNT = "123456789012"
listed: list[str] = []  # regions the toy lister was asked for, in order


def list_toys(clients: Any, target: Target) -> list[dict]:
    """A fake lister: three toys per region, no AWS call."""
    listed.append(target.region)
    return [
        {"ToyId": f"toy-{target.region}-{i}", "ToyName": f"bear {i}", "State": "SQUEAKY"}
        for i in range(3)
    ]


TOY = Kind(
    name="toy",
    aliases=("toys",),
    title="Toys",
    id_field="ToyId",
    columns=(
        Column("id", "ID", dig("ToyId"), width=20, search=True),
        Column("name", "NAME", dig("ToyName"), width=10, search=True),
        Column("state", "STATE", dig("State"), width=8),
        account_col(),
        region_col(),
    ),
    list_items=list_toys,
    interval=45,
    demo_interval=5,
    states={"SQUEAKY": "transition"},
    taggable=False,
)


def toy_ids(region: str) -> set[str]:
    return {f"toy-{region}-{i}" for i in range(3)}


@pytest.fixture
def toy() -> Iterator[Kind]:
    """Registered for one test only (before any cache is opened, so it gets its table)."""
    listed.clear()
    register(TOY)
    try:
        yield TOY
    finally:
        unregister(TOY.name)


def test_registry_takes_it_and_lets_it_go(toy: Kind) -> None:
    assert resolve("toys") is toy and KINDS["toy"] is toy
    assert state_group("squeaky") == "transition"  # the table colours its declared state
    with pytest.raises(ValueError, match="unique"):
        register(toy)  # a second declaration of the same kind is refused
    unregister(toy.name)
    assert "toy" not in KINDS and state_group("SQUEAKY") is None
    with pytest.raises(KeyError):
        resolve("toy")
    register(toy)  # for the fixture's teardown


def test_a_refresh_fills_its_cache_table(toy: Kind, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache.sqlite")
    try:
        refresher = Refresher(cache, Clients(), [Target(None, US, ACCOUNT)], kinds=["toy"])
        assert refresher.intervals["toy"] == 45  # its declared interval, no config entry
        results = refresher.refresh()
        assert [(r.kind, r.error) for r in results] == [("toy", None)]
        assert listed == [US]
        rows = cache.query("toy", limit=None)
        assert {r["id"] for r in rows} == toy_ids(US)
        assert {(r["account"], r["region"], r["state"]) for r in rows} == {(ACCOUNT, US, "SQUEAKY")}
    finally:
        cache.close()


def test_cli_refresh_and_ls(toy: Kind, run: Any) -> None:  # noqa: F811 (the fixture)
    code, out, err = run("refresh", "--kinds", "toy")
    assert code == 0, err
    assert f"{US} toy: 3 rows" in out
    code, out, err = run("ls", "toy", "--format", "json")
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)} == toy_ids(US)
    code, out, err = run("ls", "toys", "--filter", 'name:"bear 1"')
    assert code == 0, err
    assert "NAME" in out and f"toy-{US}-1" in out and f"toy-{US}-0" not in out


async def test_tui_screen_shows_its_rows_and_ops_opens(toy: Kind, make_app: Any, ctx: Any) -> None:
    results = ctx.refresher.refresh(["toy"])
    assert all(r.error is None for r in results), [r.error for r in results]
    regions = [t.region for t in ctx.targets]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("colon", *"toy", "enter")
        await wait_for(
            pilot, lambda: getattr(getattr(app.screen, "kind", None), "name", "") == "toy"
        )
        assert isinstance(app.screen, ResourceScreen)
        first = f"toy-{regions[0]}-0"
        await wait_for(pilot, lambda: first in screen_text(app))
        text = screen_text(app)
        assert "Toys" in text and "bear 0" in text and "SQUEAKY" in text
        shown = {i for r in regions for i in toy_ids(r) if i in text}
        assert shown == {i for r in regions for i in toy_ids(r)}  # every toy of every target
        await pilot.press("colon", *"ops", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationsScreen))
        assert app.screen.screen_name == "toy"
        await wait_for(pilot, lambda: "Operations: toy" in screen_text(app))
