"""Fault-matrix fixtures; the reliability collector is shared with fuzz/security/terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from tests.faults.reliability import pytest_runtest_makereport, pytest_sessionfinish, reliability
from tests.support.screen import screen_text  # noqa: F401 (the fault tests import it here)

__all__ = ["pytest_runtest_makereport", "pytest_sessionfinish", "reliability"]


US, EU = "us-east-1", "eu-west-1"


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    skip_retry_backoff(monkeypatch)


@pytest.fixture
def fleet(sim: Any, tmp_path: Path, no_sleep: None) -> Iterator[Any]:
    """(cache, clients, refresher) on the sim fixture, filled by one good refresh."""
    from wstui.core.aws import Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher

    cache = Cache(tmp_path / "cache.sqlite")
    clients = Clients(max_attempts=3)
    targets = [clients.resolve_account(Target(None, r)) for r in (US, EU)]
    refresher = Refresher(cache, clients, targets, follow_interval=0.01)
    results = refresher.refresh()
    assert not [r.error for r in results if r.error]
    yield cache, clients, refresher
    refresher.stop()
    cache.close()


def make_app(cache: Any, clients: Any = None, refresher: Any = None, **ctx: Any) -> Any:
    from wstui.ui.app import AppContext, WstuiApp

    targets = list(getattr(refresher, "targets", []) or [])
    context = AppContext(cache=cache, targets=targets, clients=clients, refresher=refresher, **ctx)
    return WstuiApp(context, watch_refresher=False)
