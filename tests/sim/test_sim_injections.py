"""Injected faults (``sim.faults.inject``): deterministic, scoped by operation and count.

Each kind is checked from both sides, in-process (mock_aws) and over HTTP: what the client
sees, and whether the simulator ran the call (a RebootWorkspaces leaves the WorkSpace
REBOOTING only if the handler ran). Also: handler failures answer JSON errors, never a
dropped connection.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

REGION = "us-east-1"
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(params=["in-process", "http"])
def client(request: pytest.FixtureRequest, sim: Any) -> Any:
    """A WorkSpaces client with retries off, in-process or through ``sim_url``."""
    if request.param == "in-process":
        return boto3.client("workspaces", region_name=REGION, config=NO_RETRIES)
    url = request.getfixturevalue("sim_url")
    return boto3.client(
        "workspaces", region_name=REGION, endpoint_url=url, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=NO_RETRIES,
    )  # fmt: skip


@pytest.fixture
def local(sim: Any) -> Any:
    """In-process client, retries off (``sim_client`` retries 503s once)."""
    return boto3.client("workspaces", region_name=REGION, config=NO_RETRIES)


def _available(sim: Any, n: int = 0) -> str:
    ws_id = sim.report.workspace_ids[REGION][n]
    sim.set_state(REGION, ws_id, "AVAILABLE", running_mode="AUTO_STOP")
    return ws_id


def _reboot(client: Any, ws_id: str) -> Any:
    return client.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": ws_id}])


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    resp = exc.value.response
    return (resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"],
            resp["Error"]["Message"])  # fmt: skip


# -- each kind, both transports ---------------------------------------------------------------
def test_drop_after_runs_the_call_then_drops_the_connection(sim, client):
    ws_id = _available(sim)
    sim.faults.inject("drop-after", operations=["RebootWorkspaces"])
    with pytest.raises(ConnectionClosedError):
        _reboot(client, ws_id)
    assert sim.state_of(REGION, ws_id) == "REBOOTING"  # it reached "AWS" and acted
    assert [c.fault for c in sim.calls_to("RebootWorkspaces")] == ["drop-after"]  # once


def test_500_after_runs_the_call_then_answers_internal_failure(sim, client):
    ws_id = _available(sim)
    sim.faults.inject("500-after", operations=["RebootWorkspaces"])
    with pytest.raises(ClientError) as exc:
        _reboot(client, ws_id)
    code, status, _ = _error(exc)
    assert (code, status) == ("InternalFailure", 500)
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == code
    assert sim.state_of(REGION, ws_id) == "REBOOTING"
    assert [c.fault for c in sim.calls_to("RebootWorkspaces")] == ["500-after"]


def test_503_answers_before_running_the_call(sim, client):
    ws_id = _available(sim)
    sim.faults.inject("503", operations=["RebootWorkspaces"])
    with pytest.raises(ClientError) as exc:
        _reboot(client, ws_id)
    code, status, _ = _error(exc)
    assert (code, status) == ("ServiceUnavailable", 503)
    assert exc.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == code
    assert sim.state_of(REGION, ws_id) == "AVAILABLE"  # the handler never ran
    assert [c.fault for c in sim.calls_to("RebootWorkspaces")] == ["503"]


def test_expired_token_answers_before_running_the_call(sim, client):
    ws_id = _available(sim)
    sim.faults.inject("expired-token", operations=["RebootWorkspaces"])
    with pytest.raises(ClientError) as exc:
        _reboot(client, ws_id)
    assert _error(exc) == (
        "ExpiredTokenException", 400, "The security token included in the request is expired"
    )
    assert sim.state_of(REGION, ws_id) == "AVAILABLE"
    assert [c.fault for c in sim.calls_to("RebootWorkspaces")] == ["expired-token"]


# -- scoping, counting, determinism ------------------------------------------------------------
def test_times_applies_to_the_next_n_matching_calls_only(sim, local):
    client = local
    sim.faults.inject("503", operations=["DescribeWorkspaces"], times=2)
    outcomes = []
    for _ in range(4):
        try:
            client.describe_workspaces(Limit=1)
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(e.response["Error"]["Code"])
    assert outcomes == ["ServiceUnavailable", "ServiceUnavailable", "ok", "ok"]
    assert [c.fault for c in sim.calls_to("DescribeWorkspaces")] == ["503", "503", None, None]
    assert sim.faults.injections == []  # the spent rule is gone


def test_operations_scope_leaves_other_operations_alone(sim, local):
    client = local
    sim.faults.inject("expired-token", operations=["StopWorkspaces"])
    client.describe_workspaces(Limit=1)  # not in scope
    client.describe_workspace_directories()
    with pytest.raises(ClientError):
        client.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": _available(sim)}])
    assert [c.fault for c in sim.calls] == [None, None, "expired-token"]


def test_no_operations_means_every_operation_and_a_lone_name_is_one_operation(sim, local):
    client = local
    sim.faults.inject("503", times=2)
    for call in (client.describe_workspaces, client.describe_workspace_directories):
        with pytest.raises(ClientError):
            call()
    sim.faults.inject("503", operations="DescribeWorkspaceBundles", times=1)
    client.describe_workspaces()  # a str is one name, not a set of characters
    with pytest.raises(ClientError):
        client.describe_workspace_bundles()


def test_first_matching_rule_applies(sim, local):
    client = local
    sim.faults.inject("expired-token", operations=["DescribeWorkspaces"], times=1)
    sim.faults.inject("503", times=1)
    with pytest.raises(ClientError) as first:
        client.describe_workspaces()
    with pytest.raises(ClientError) as second:
        client.describe_workspaces()  # first rule spent: the catch-all one applies
    client.describe_workspaces()  # both spent
    assert first.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert second.value.response["Error"]["Code"] == "ServiceUnavailable"


def test_same_calls_same_faults(sim, local):
    def run() -> list[str | None]:
        sim.faults.reset()
        sim.clear_calls()
        sim.faults.inject("503", operations=["DescribeWorkspaces"], times=3)
        sim.faults.inject("expired-token", operations=["DescribeWorkspaceDirectories"], times=1)
        client = local
        for call in [client.describe_workspaces, client.describe_workspace_directories] * 4:
            try:
                call()
            except ClientError:
                pass
        return [c.fault for c in sim.calls]

    assert run() == run() == ["503", "expired-token", "503", None, "503", None, None, None]


def test_reset_and_clear_injections_remove_the_rules(sim, local):
    client = local
    sim.faults.inject("503")
    sim.faults.reset()
    client.describe_workspaces(Limit=1)
    sim.faults.inject("expired-token")
    sim.faults.clear_injections()
    client.describe_workspaces(Limit=1)
    assert sim.faults.injections == []


def test_inject_rejects_unknown_kinds_and_negative_times(sim):
    with pytest.raises(ValueError, match="unknown fault kind"):
        sim.faults.inject("timeout")
    with pytest.raises(ValueError, match="times"):
        sim.faults.inject("503", times=-1)


def test_existing_faults_still_apply_alongside_rules(sim, local):
    client = local
    sim.faults.configure(denied=["DescribeWorkspaces"])
    sim.faults.inject("503", operations=["DescribeWorkspaceDirectories"], times=1)
    with pytest.raises(ClientError) as denied:
        client.describe_workspaces()
    with pytest.raises(ClientError) as unavailable:
        client.describe_workspace_directories()
    assert denied.value.response["Error"]["Code"] == "AccessDeniedException"
    assert unavailable.value.response["Error"]["Code"] == "ServiceUnavailable"


def test_throttle_rate_draws_are_seeded_per_request_not_per_thread_order(sim, local):
    """Which attempts are throttled depends on (seed, request, attempt number) only."""
    import json

    from wstui.sim.faults import Faults

    sim.faults.configure(throttle_rate=0.5)
    for _ in range(16):
        try:
            local.describe_workspaces(Limit=1)
        except ClientError:
            pass
    served = [c.fault or "ok" for c in sim.calls]
    reference = Faults(seed=sim.seed_value)  # same seed, no draws yet: the same sequence
    reference.configure(throttle_rate=0.5)
    key = json.dumps({"Limit": 1}, sort_keys=True)
    assert served == [reference.judge("DescribeWorkspaces", key)[0] for _ in range(16)]
    assert {"ok", "throttle"} <= set(served)
    # Another request's draws do not shift this one's: interleaving cannot change them.
    mixed = Faults(seed=sim.seed_value)
    mixed.configure(throttle_rate=0.5)
    out = []
    for _ in range(16):
        mixed.judge("DescribeWorkspaces", "other request")
        out.append(mixed.judge("DescribeWorkspaces", key)[0])
    assert out == served


def test_tagging_api_goes_through_the_same_rules(sim):
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION, config=NO_RETRIES)
    sim.faults.inject("503", operations=["GetResources"], times=1)
    with pytest.raises(ClientError) as exc:
        tagging.get_resources()
    assert exc.value.response["Error"]["Code"] == "ServiceUnavailable"
    assert tagging.get_resources()["ResourceTagMappingList"]


# -- handler failures are JSON errors -------------------------------------------------------
UNKNOWN_RESOURCE_CALLS = {  # operation -> (method, params, the id the message must name)
    "ModifyClientProperties": ("modify_client_properties", {
        "ResourceId": "d-1234567890", "ClientProperties": {"ReconnectEnabled": "ENABLED"}},
        "d-1234567890"),
    "ModifySelfservicePermissions": ("modify_selfservice_permissions", {
        "ResourceId": "d-1234567890", "SelfservicePermissions": {"RestartWorkspace": "ENABLED"}},
        "d-1234567890"),
    "UpdateWorkspaceImagePermission": ("update_workspace_image_permission", {
        "ImageId": "wsi-123456789", "AllowCopyImage": True, "SharedAccountId": "123456789012"},
        "wsi-123456789"),
}  # fmt: skip


@pytest.mark.parametrize("operation", sorted(UNKNOWN_RESOURCE_CALLS))
def test_unknown_resource_is_resource_not_found(client, operation):
    method, params, named = UNKNOWN_RESOURCE_CALLS[operation]
    with pytest.raises(ClientError) as exc:
        getattr(client, method)(**params)
    code, status, message = _error(exc)
    assert (code, status) == ("ResourceNotFoundException", 400) and named in message


def _post(url: str, target: str, body: bytes = b"{}") -> tuple[int, dict[str, str], dict[str, Any]]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/workspaces/"
                         "aws4_request, SignedHeaders=host, Signature=x",
    })  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read())


def test_unknown_operation_over_http(sim, sim_url):
    status, headers, body = _post(sim_url, "WorkspacesService.RebootEverything")
    assert status == 400 and body["__type"] == "UnknownOperationException"
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert sim.calls_to("RebootEverything")  # recorded like any call


def test_unexpected_handler_exception_is_internal_failure_over_http(sim, sim_url, monkeypatch):
    from moto.workspaces.responses import WorkSpacesResponse

    def broken(self: Any) -> str:
        raise KeyError("boom")

    monkeypatch.setattr(WorkSpacesResponse, "describe_workspaces", broken)
    status, headers, body = _post(sim_url, "WorkspacesService.DescribeWorkspaces")
    assert status == 500 and body["__type"] == "InternalFailure"
    assert headers["x-amzn-ErrorType"] == "InternalFailure" and "KeyError" in body["message"]
    # botocore reads it as a ClientError, and the connection stays usable afterwards.
    client = boto3.client(
        "workspaces", region_name=REGION, endpoint_url=sim_url, aws_access_key_id="x",
        aws_secret_access_key="x", config=NO_RETRIES,
    )  # fmt: skip
    with pytest.raises(ClientError) as exc:
        client.describe_workspaces()
    assert _error(exc)[:2] == ("InternalFailure", 500)
    assert client.describe_workspace_directories()["Directories"]


def test_unexpected_handler_exception_in_process_is_a_client_error(sim, local, monkeypatch):
    from moto.workspaces.responses import WorkSpacesResponse

    def broken(self: Any) -> str:
        raise NotImplementedError("not here")

    monkeypatch.setattr(WorkSpacesResponse, "describe_workspaces", broken)
    with pytest.raises(ClientError) as exc:
        local.describe_workspaces()
    assert _error(exc)[:2] == ("InternalFailure", 500)


def test_a_failure_outside_the_handlers_is_still_a_json_500(sim, sim_url, monkeypatch):
    from moto.workspaces.responses import WorkSpacesResponse

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("dispatch broke")

    monkeypatch.setattr(WorkSpacesResponse, "dispatch", broken)
    status, headers, body = _post(sim_url, "WorkspacesService.DescribeWorkspaces")
    assert (status, body["__type"]) == (500, "InternalFailure")
    assert headers["x-amzn-ErrorType"] == "InternalFailure" and "dispatch broke" in body["message"]


def test_http_front_answers_500_when_the_app_raises():
    from wstui.sim.http import make_server

    def app(_environ: Any, _start_response: Any) -> Any:
        raise ValueError("app broke")

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        status, _headers, body = _post(f"http://{host}:{port}/", "WorkspacesService.X")
        assert (status, body["__type"]) == (500, "InternalFailure")
        assert "app broke" in body["message"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
