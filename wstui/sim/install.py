"""``install()``: put the simulator on moto, leaving moto's files untouched.

Every handler of ``wstui.sim.ops`` becomes the method moto's WorkSpaces dispatcher calls
for its operation (adding the operations moto lacks, replacing those whose behaviour
differs from the service: paging, asynchronous states). ``call_action`` is wrapped so
every request is first checked against botocore's WorkSpaces model, then recorded and
answered through the faults (``gate``), in-process (``mock_aws``) and over HTTP alike.
The tagging API and CloudWatch go through the same gate (``tagging``, ``metrics``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from moto.workspaces.responses import WorkSpacesResponse

from wstui.sim import metrics, shapes, tagging
from wstui.sim.errors import InvalidParameterValues, UnknownOperation, by_code
from wstui.sim.gate import error_response, gate, record
from wstui.sim.model import LOCK, purge_gone
from wstui.sim.ops import OPERATIONS
from wstui.sim.ops.registry import Handler, method_name
from wstui.sim.runtime import current

_original_call_action = WorkSpacesResponse.call_action
_installed = False


def install() -> None:
    """Register the simulator's operations on moto's WorkSpaces handler (idempotent)."""
    global _installed
    if _installed:
        return
    for name, fn in OPERATIONS.items():
        setattr(WorkSpacesResponse, method_name(name), _as_method(fn))
    WorkSpacesResponse.call_action = _call_action  # type: ignore[method-assign,assignment]
    tagging.install()
    metrics.install()
    _installed = True


@functools.cache
def model_operations() -> frozenset[str]:
    """The operation names botocore's WorkSpaces model defines (what the service answers)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("workspaces")
    return frozenset(model.operation_names)


def _as_method(fn: Handler) -> Callable[[WorkSpacesResponse], str]:
    @functools.wraps(fn)  # __wrapped__: the registered handler (tests check the dispatch)
    def method(self: WorkSpacesResponse) -> str:
        params = request_params(self)
        with LOCK:
            return json.dumps(fn(self, params))

    return method


def request_params(resp: WorkSpacesResponse) -> dict[str, Any]:
    body = resp.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return {}
    try:
        params = json.loads(body)
    except ValueError as e:
        raise InvalidParameterValues("The request body is not valid JSON.") from e
    if not isinstance(params, dict):
        raise InvalidParameterValues("The request body must be a JSON object.")
    return params


def _call_action(self: WorkSpacesResponse) -> Any:
    """Record the call, apply faults, settle finished terminations, then dispatch."""
    operation = self._get_action()
    try:
        params, parsed = request_params(self), True
    except InvalidParameterValues:
        params, parsed = {}, False
    if operation not in model_operations():
        # The service answers this before any fault or authorisation; moto would raise.
        record(self, operation, params, None)
        unknown = UnknownOperation(f"Unknown operation {operation or '(none)'}.")
        return error_response(self, unknown)

    def run() -> Any:
        # The model's constraints first, for every operation (moto's own included): a
        # malformed request never reaches a handler, as at AWS's front end.
        problems = shapes.input_problems(operation, params) if parsed else []
        if problems:
            err = by_code(shapes.validation_error_code(operation))
            return error_response(self, err(shapes.validation_message(problems)))
        with LOCK:
            purge_gone(self.workspaces_backend, current().clock.now())
        return _original_call_action(self)

    return gate(self, operation, params, f"workspaces:{operation}", run)

