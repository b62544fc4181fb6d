"""WorkSpaces simulator on moto: in-process (mock_aws) or over HTTP (moto's server).

Importing this package needs moto (the ``demo`` extra); ``wstui.sim.cli`` imports it lazily
so ``wstui`` without the extra can say what to install instead of failing.
"""

from wstui.sim.runtime import SimCall
from wstui.sim.seed import HOSTILE_STRINGS, SeedReport
from wstui.sim.simulator import Simulator

__all__ = ["HOSTILE_STRINGS", "SeedReport", "SimCall", "Simulator"]
