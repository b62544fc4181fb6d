"""The gate every simulated call passes: recorded in the call log, then answered through
the faults (latency, throttling, AccessDenied, a dying endpoint, injected rules).

Shared by every service the simulator answers (WorkSpaces, the tagging API, CloudWatch);
``error_response`` is the JSON-protocol error AWS sends.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, ConnectionClosedError
from werkzeug.exceptions import HTTPException

from wstui.sim.errors import (
    AccessDenied,
    ExpiredToken,
    InternalFailure,
    ServiceUnavailable,
    SimServiceError,
    Throttling,
)
from wstui.sim.http import SOCKET_KEY
from wstui.sim.runtime import SimCall, current

log = logging.getLogger(__name__)
Response = tuple[int, dict[str, Any], str]
INTERNAL_FAILURE_MESSAGE = "We encountered an internal error. Please try again."
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"


def gate(
    resp: Any, operation: str, params: dict[str, Any], permission: str, run: Callable[[], Any]
) -> Any:
    """Record one call and answer it through the faults: ``run()`` is the real handler.

    Shared by every service the simulator answers (WorkSpaces, the tagging API). Faults
    judged "before" answer instead of running the handler; "after" faults (drop-after,
    500-after) let it run -- the state changes -- and then spoil the answer.
    """
    runtime = current()
    verdict, latency = runtime.faults.judge(operation, json.dumps(params, sort_keys=True, default=str))
    record(resp, operation, params, None if verdict == "ok" else verdict)
    if latency:
        time.sleep(latency)
    refused = _refusal_before(resp, verdict, permission)
    if refused is not None:
        return refused
    result = _run_guarded(resp, operation, run)
    if verdict == "drop-after":
        return _endpoint_down(resp)
    if verdict == "500-after":
        return error_response(resp, InternalFailure(INTERNAL_FAILURE_MESSAGE))
    return result


def record(resp: Any, operation: str, params: dict[str, Any], fault: str | None) -> None:
    runtime = current()
    runtime.record(
        SimCall(operation, resp.region, params, runtime.clock.now(), resp.current_account, fault)
    )


def _refusal_before(resp: Any, verdict: str, permission: str) -> Any:
    """The response for a fault answered without running the handler, else None."""
    if verdict == "down":
        return _endpoint_down(resp)
    if verdict == "denied":
        return error_response(resp, AccessDenied(
            f"User: arn:aws:iam::{resp.current_account}:user/sim is not authorized to perform: "
            f"{permission}"
        ))  # fmt: skip
    if verdict == "throttle":
        return error_response(resp, Throttling("Rate exceeded"))
    if verdict == "503":
        return error_response(resp, ServiceUnavailable("Service Unavailable"))
    if verdict == "expired-token":
        return error_response(resp, ExpiredToken(EXPIRED_TOKEN_MESSAGE))
    return None


def _run_guarded(resp: Any, operation: str, run: Callable[[], Any]) -> Any:
    """Run the handler; an unexpected exception becomes an InternalFailure response.

    moto answers service errors itself; anything else escaping a handler would reach the
    client as a raw Python exception (in-process) or a dropped connection (HTTP), which
    no real endpoint does.
    """
    try:
        return run()
    except (HTTPException, ClientError):
        raise  # answered as service errors by moto's adapters and `simulator._direct`
    except Exception as e:  # the whole point: never let one escape
        log.warning("simulator handler for %s failed", operation, exc_info=True)
        return error_response(resp, InternalFailure(
            f"The simulator failed to handle {operation}: {type(e).__name__}: {e}"
        ))  # fmt: skip


def error_response(resp: Any, err: SimServiceError) -> Response:
    """A JSON-protocol error as AWS sends it: status, x-amzn-ErrorType and a JSON body."""
    headers = {
        **resp.response_headers,
        "status": str(err.code),
        "x-amzn-ErrorType": err.error_type,
        "Content-Type": "application/x-amz-json-1.1",
    }
    return err.code, headers, err.description


def _endpoint_down(resp: Any) -> Any:
    """Make the client see a dead endpoint: the connection closes without a response."""
    environ = getattr(getattr(resp, "normalized_request", None), "environ", None)
    sock = environ.get(SOCKET_KEY) if isinstance(environ, dict) else None
    if sock is None:
        # In-process (mock_aws): botocore treats this exception like a dropped connection.
        raise ConnectionClosedError(endpoint_url=getattr(resp, "uri", "") or "simulator")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    # The server's write to the closed socket fails quietly as a dropped connection.
    return 500, {"status": "500"}, ""

