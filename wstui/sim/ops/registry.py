"""The simulator's operation registry: WorkSpaces operation name -> handler.

Each module of ``wstui.sim.ops`` registers its handlers with ``@op("OperationName")``;
``wstui.sim.install`` puts every registered handler on moto's ``WorkSpacesResponse`` (the
method moto's dispatcher calls for that operation), replacing moto's own where it has one.
A handler gets the response object (region, account, backend) and the request's parsed
JSON, already checked against botocore's model, and returns the response's JSON members.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from moto.workspaces.responses import WorkSpacesResponse

Handler = Callable[[WorkSpacesResponse, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}


def op(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of operation ``name``."""

    def register(fn: Handler) -> Handler:
        if name in OPERATIONS and OPERATIONS[name] is not fn:
            raise ValueError(f"two simulator handlers for {name}")
        OPERATIONS[name] = fn
        return fn

    return register


def method_name(operation: str) -> str:
    """The name moto's dispatcher looks up for an operation: DescribeWorkspaces -> describe_workspaces."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
