"""``Simulator``: the WorkSpaces simulator's public face (see docs/contracts.md)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from moto import mock_aws
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.workspaces.models import workspaces_backends

from wstui.sim import runtime
from wstui.sim.clock import Clock
from wstui.sim.connections import Session, blocked_of, sessions_of
from wstui.sim.errors import MissingAuthenticationToken, SimServiceError, UnknownOperation
from wstui.sim.faults import Faults
from wstui.sim.http import internal_failure, make_server
from wstui.sim.install import install
from wstui.sim.metrics import SessionModel
from wstui.sim.model import LOCK, SimWorkspace
from wstui.sim.ops.common import reseed_ids
from wstui.sim.runtime import MAX_CALLS, Runtime, SimCall
from wstui.sim.seed import DEFAULT_ACCOUNT, SeedReport, seed_fleet

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


class Simulator:
    """A WorkSpaces endpoint on moto with a virtual clock, faults and a call log.

    ``speed`` is virtual seconds per real second (0: time moves only by ``clock.advance``).
    """

    def __init__(
        self, seed: int = 0, speed: float = 0.0, start: float | None = None,
        account: str = DEFAULT_ACCOUNT, max_calls: int = MAX_CALLS,
    ) -> None:  # fmt: skip
        install()
        self.seed_value = seed
        self.account = account
        self.clock = Clock(start=start, speed=speed)
        self.faults = Faults(seed=seed)
        self.runtime = Runtime(clock=self.clock, faults=self.faults, max_calls=max_calls)
        self.runtime.sessions = SessionModel(seed)
        self.report: SeedReport | None = None
        self._mock: Any = None
        self._previous: Runtime | None = None

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Simulator:
        """Start in-process mode: moto.mock_aws + fake credentials.

        The outermost mock_aws starts from empty backends; a nested one shares them.
        """
        self._saved_env = {k: os.environ.get(k) for k in FAKE_CREDENTIALS}
        os.environ.update(FAKE_CREDENTIALS)
        self._mock = mock_aws()
        self._mock.start()
        self._previous = runtime.current_or_none()
        self.activate()
        return self

    def stop(self) -> None:
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
            for k, v in self._saved_env.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        if runtime.current() is self.runtime:
            runtime.activate(self._previous)

    @contextmanager
    def running(self) -> Iterator[Simulator]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def activate(self) -> None:
        """Make this simulator's clock, faults and call log the ones handlers use."""
        reseed_ids(self.seed_value)
        runtime.activate(self.runtime)

    # -- data ---------------------------------------------------------------------------
    def seed(
        self,
        size: int = 500,
        regions: Sequence[str] = ("us-east-1", "eu-west-1"),
        directories_per_region: int = 3,
    ) -> SeedReport:
        self.report = seed_fleet(
            size=size, seed=self.seed_value, now=self.clock.now(), regions=regions,
            directories_per_region=directories_per_region, account=self.account,
        )  # fmt: skip
        return self.report

    def backend(self, region: str) -> Any:
        return workspaces_backends[self.account][region]

    def workspace(self, region: str, workspace_id: str) -> SimWorkspace:
        """The live object (tests use it to set up a precondition or peek at state)."""
        return self.backend(region).workspaces[workspace_id]

    def state_of(self, region: str, workspace_id: str) -> str:
        with LOCK:
            return self.workspace(region, workspace_id).state_at(self.clock.now())

    def set_state(
        self, region: str, workspace_id: str, state: str, running_mode: str | None = None
    ) -> None:
        """Put a WorkSpace in a state directly (no transition), for test set-up."""
        with LOCK:
            ws = self.workspace(region, workspace_id)
            ws.enter(state, self.clock.now())
            ws.plan = None
            if running_mode:
                ws.running_mode = running_mode
                ws.auto_stop_minutes = 60 if running_mode == "AUTO_STOP" else None

    def session_log(self, workspace_id: str, start: float, end: float | None = None) -> list[Session]:
        """Sessions of one WorkSpace in [start, end) (end defaults to now), clipped to it.

        The ground truth both the CloudWatch metrics and the connection status are derived
        from, for tests to compare against what wstui rebuilds. [] for an unknown id.
        """
        now = self.clock.now()
        with LOCK:
            ws = self._find(workspace_id)
            if ws is None:
                return []
            blocked = blocked_of(ws, now)
        return sessions_of(self.runtime.sessions, workspace_id, blocked, start, min(now, end or now))

    def _find(self, workspace_id: str) -> SimWorkspace | None:
        for backend in workspaces_backends[self.account].values():
            ws = backend.workspaces.get(workspace_id)
            if isinstance(ws, SimWorkspace):
                return ws
        return None

    # -- observation --------------------------------------------------------------------
    @property
    def calls(self) -> list[SimCall]:
        return self.runtime.calls

    def calls_to(self, operation: str) -> list[SimCall]:
        return [c for c in self.runtime.calls if c.operation == operation]

    def clear_calls(self) -> None:
        self.runtime.clear_calls()

    # -- HTTP ---------------------------------------------------------------------------
    def serve_in_thread(
        self, port: int = 0, host: str = "127.0.0.1"
    ) -> tuple[str, Callable[[], None]]:
        """Serve over HTTP from a daemon thread; returns (endpoint URL, stop)."""
        self.activate()
        server = make_server(
            host, port, _direct(DomainDispatcherApplication(create_backend_app))
        )
        # stop() waits for serve_forever's next poll: 0.5 s by default, on every demo quit.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  name="wstui-sim-http", daemon=True)  # fmt: skip
        thread.start()
        bound_host, bound_port = str(server.server_address[0]), server.server_address[1]
        stopped = False

        def stop() -> None:
            nonlocal stopped
            if not stopped:
                stopped = True
                server.shutdown()
                server.server_close()
                thread.join()

        return f"http://{bound_host}:{bound_port}", stop


def _direct(app: Any) -> Any:
    """WSGI app: WorkSpaces and tagging calls go straight to moto's handler, the rest to `app`.

    moto's server routes every call through a host dispatcher, a Flask app and CORS
    before reaching the handler -- over half of the simulator's CPU per DescribeWorkspaces
    page. The handlers, their errors and their responses are moto's own either way.
    """
    from botocore.exceptions import ClientError
    from moto.moto_server.werkzeug_app import BackendRequest
    from moto.resourcegroupstaggingapi.responses import ResourceGroupsTaggingAPIResponse
    from moto.workspaces.responses import WorkSpacesResponse
    from werkzeug.exceptions import HTTPException
    from werkzeug.wrappers import Response

    handlers = {
        "WorkspacesService": WorkSpacesResponse,
        "ResourceGroupsTaggingAPI_20170126": ResourceGroupsTaggingAPIResponse,
    }

    def direct(environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        handler = handlers.get(target.partition(".")[0])
        refused = _front_door(environ, target, handler is not None)
        if refused is not None:
            status, headers, body = refused
            return Response(response=body, status=status, headers=headers)(
                environ, start_response
            )
        if handler is None:
            return app(environ, start_response)
        request = BackendRequest(environ)
        try:
            result = handler.dispatch(request, request.raw_url, dict(request.headers))
        except HTTPException as exc:  # moto's service errors are werkzeug HTTP exceptions
            return exc.get_response(environ)(environ, start_response)
        except ClientError as exc:  # as moto's Flask adapter answers them
            result = 400, {}, exc.response["Error"]["Message"]
        except Exception as exc:  # a JSON 500, never a dropped connection
            result = internal_failure(f"{type(exc).__name__}: {exc}")
        status, headers, body = result if len(result) == 3 else (200, {}, result)
        return Response(response=body, status=status, headers=headers)(environ, start_response)

    return direct


# What AWS's JSON (Coral) front end answers before any operation runs.
MISSING_TOKEN_MESSAGE = "Missing Authentication Token"
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")


def _front_door(
    environ: dict[str, Any], target: str, ours: bool
) -> tuple[int, dict[str, str], str] | None:
    """The refusal AWS's front end sends before dispatching, or None to dispatch.

    An unsigned request to the WorkSpaces or tagging endpoint gets
    MissingAuthenticationTokenException; a request signed for ``workspaces`` without an
    X-Amz-Target gets a JSON UnknownOperationException (moto's dispatcher would answer
    it with an S3 XML body). Signed requests for other services (STS, ...) and moto's own
    ``/moto-api`` still go to moto's dispatcher.
    """
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if environ.get("PATH_INFO", "").startswith("/moto-api"):
        return None
    scope = _SCOPE.search(auth)
    service = scope.group(1) if scope else ""
    if not auth.startswith("AWS4-HMAC-SHA256 ") or not scope:
        if ours or not target:
            return _json_error(MissingAuthenticationToken(MISSING_TOKEN_MESSAGE))
        return None
    if not target and service == "workspaces":
        return _json_error(UnknownOperation("No operation named: the X-Amz-Target header is missing."))
    return None


def _json_error(err: SimServiceError) -> tuple[int, dict[str, str], str]:
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": err.error_type}
    return err.code, headers, err.description
