"""Shared fixtures (owned by the simulator; keep them stable, others rely on them).

``sim``      A started in-process ``wstui.sim.Simulator`` (moto.mock_aws + fake credentials)
             with a MANUAL clock (speed 0: time moves only by ``sim.clock.advance(s)``) and a
             seeded fleet: ``SIM_SIZE`` WorkSpaces over ``SIM_REGIONS``, 2 directories per
             region, hostile strings included. ``sim.report`` (SeedReport) lists ids per
             region; ``sim.calls`` / ``sim.calls_to(op)`` show what the simulator received;
             ``sim.faults.configure(...)`` / ``sim.faults.inject(kind, operations, times)``
             inject faults; ``sim.set_state(region, id, state)``
             sets up a precondition. boto3 clients made inside the test hit it directly.
``sim_url``  The same simulator served over HTTP (``http://127.0.0.1:PORT``); use it as
             ``endpoint_url`` with any credentials. Stopped after the test.
``sim_client``  Factory: ``sim_client(region="us-east-1", **config)`` -> in-process boto3
             WorkSpaces client with retries off unless ``max_attempts`` is given;
             ``validate=False`` skips botocore's client-side checks so the simulator sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest

SIM_SEED = 7
SIM_SIZE = 40
SIM_REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def sim() -> Iterator[Any]:
    from wstui.sim import Simulator

    simulator = Simulator(seed=SIM_SEED, speed=0.0)
    with simulator.running():
        simulator.seed(size=SIM_SIZE, regions=SIM_REGIONS, directories_per_region=2)
        yield simulator


@pytest.fixture
def sim_url(sim: Any) -> Iterator[str]:
    url, stop = sim.serve_in_thread(port=0)
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def sim_client(sim: Any) -> Callable[..., Any]:
    import boto3
    from botocore.config import Config

    def make(
        region: str = "us-east-1", max_attempts: int = 1, validate: bool = True, **kwargs: Any
    ) -> Any:
        config = Config(
            retries={"max_attempts": max_attempts, "mode": "standard"},
            parameter_validation=validate,  # False: let the simulator judge bad input
        )
        return boto3.client("workspaces", region_name=region, config=config, **kwargs)

    return make


def skip_retry_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip botocore's waits between retries, and only those.

    `botocore.endpoint` sleeps through the `time` module; patching `time.sleep` itself
    would also remove the simulator's injected latency (and every other wait).
    """
    monkeypatch.setattr("botocore.endpoint.time", SimpleNamespace(sleep=lambda _s: None))
