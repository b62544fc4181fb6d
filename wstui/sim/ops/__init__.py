"""The WorkSpaces operations the simulator serves itself, one module per resource group.

Importing this package registers every handler in ``registry.OPERATIONS``; moto serves
the rest. Each module imports only ``common`` and ``registry`` (and a sibling it builds
on), never this package, so the operations have no import cycle.
"""

from __future__ import annotations

from wstui.sim.ops import (  # noqa: F401  (each registers its operations)
    account,
    aliases,
    applications,
    branding,
    bundles,
    directories,
    images,
    ipgroups,
    pools,
    tags,
    workspace_changes,
    workspaces,
)
from wstui.sim.ops.registry import OPERATIONS

__all__ = ["OPERATIONS"]
