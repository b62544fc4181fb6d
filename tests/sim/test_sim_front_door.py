"""The HTTP front door: what AWS's JSON endpoint answers before any operation runs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.config import Config

SIGNED = ("AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/{service}/aws4_request, "
          "SignedHeaders=host, Signature=x")  # fmt: skip


def _post(
    url: str, headers: dict[str, str], body: bytes = b"{}"
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1", **headers})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_unsigned_request_is_refused_before_it_runs(sim: Any, sim_url: str) -> None:
    sim.clear_calls()
    status, headers, body = _post(sim_url, {"X-Amz-Target": "WorkspacesService.DescribeWorkspaces"})
    assert status == 400
    assert json.loads(body) == {
        "__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"
    }
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert sim.calls_to("DescribeWorkspaces") == []  # never reached the service


def test_unsigned_boto3_client_gets_missing_token(sim_url: str) -> None:
    from botocore import UNSIGNED
    from botocore.exceptions import ClientError

    client = boto3.client("workspaces", region_name="us-east-1", endpoint_url=sim_url,
                          config=Config(signature_version=UNSIGNED,
                                        retries={"max_attempts": 1}))  # fmt: skip
    with pytest.raises(ClientError) as exc:
        client.describe_workspaces()
    assert exc.value.response["Error"]["Code"] == "MissingAuthenticationTokenException"


def test_signed_request_without_target_is_json_unknown_operation(sim_url: str) -> None:
    status, headers, body = _post(sim_url, {"Authorization": SIGNED.format(service="workspaces")})
    assert status == 400
    assert headers["Content-Type"].startswith("application/x-amz-json")
    assert json.loads(body)["__type"] == "UnknownOperationException"  # not S3's XML


def test_unsigned_request_without_target_is_json_too(sim_url: str) -> None:
    status, _, body = _post(sim_url, {})
    assert status == 400
    assert json.loads(body)["__type"] == "MissingAuthenticationTokenException"


def test_signed_requests_for_other_services_still_reach_moto(sim_url: str) -> None:
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=sim_url,
                       aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    assert sts.get_caller_identity()["Account"]
