"""Fixtures for the app's pilot tests: a cache filled from the `sim` fixture."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SIM_REGIONS, SIM_SEED, SIM_SIZE
from tests.support.pilot import wait_for  # noqa: F401 (tests import it here)
from tests.support.screen import screen_ansi, screen_text  # noqa: F401 (tests import them here)
from wstui.screenshots import FROZEN_NOW, seeded_context
from wstui.ui.app import AppContext, WstuiApp


@pytest.fixture(scope="session")
def seeded_cache_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache refreshed once from a simulator seeded exactly like the `sim` fixture.

    The seeder is deterministic (same seed, size, regions: same ids and states), so each
    test copies this file instead of paying for a full refresh, and acts on its own `sim`.
    """
    from wstui.sim import Simulator

    directory = tmp_path_factory.mktemp("seeded")
    simulator = Simulator(seed=SIM_SEED, speed=0.0)
    with simulator.running():
        simulator.seed(size=SIM_SIZE, regions=SIM_REGIONS, directories_per_region=2)
        with seeded_context(directory, sim=simulator):
            pass
    return directory / "cache.sqlite"


@pytest.fixture
def ctx(sim: Any, seeded_cache_file: Path, tmp_path: Path) -> Iterator[AppContext]:
    """An AppContext on a copy of the seeded cache; actions reach the test's `sim`."""
    from wstui.core.aws import Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher

    shutil.copy(seeded_cache_file, tmp_path / "cache.sqlite")
    cache = Cache(tmp_path / "cache.sqlite")
    clients = Clients(max_attempts=1)
    targets = [Target(None, r, sim.account) for r in SIM_REGIONS]
    clients.remember(targets)
    refresher = Refresher(cache, clients, targets, follow_interval=0.05)
    try:
        yield AppContext(
            cache=cache, targets=targets, clients=clients, refresher=refresher,
            clock=lambda: FROZEN_NOW,
        )  # fmt: skip
    finally:
        refresher.stop()
        cache.close()


@pytest.fixture
def make_app(ctx: AppContext) -> Any:
    def make(**kw: Any) -> WstuiApp:
        return WstuiApp(ctx, watch_refresher=False, **kw)

    return make
