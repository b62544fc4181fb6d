"""WorkSpaces simulator on moto: in-process (mock_aws) or over HTTP (moto's server).

Names are loaded lazily so ``import wstui.sim.cli`` stays cheap and works without moto.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HOSTILE_STRINGS", "SeedReport", "SimCall", "Simulator"]

_WHERE = {
    "Simulator": "wstui.sim.simulator",
    "SimCall": "wstui.sim.runtime",
    "HOSTILE_STRINGS": "wstui.sim.seed",
    "SeedReport": "wstui.sim.seed",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'wstui.sim' has no attribute {name!r}")
