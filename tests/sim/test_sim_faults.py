"""Fault injection: throttling, latency, RPS caps and a dying endpoint, switchable mid-run."""

from __future__ import annotations

import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

REGION = "us-east-1"


def _http_client(url: str, attempts: int = 1):
    return boto3.client(
        "workspaces", region_name=REGION, endpoint_url=url, aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": attempts, "mode": "standard"}),
    )  # fmt: skip


def test_throttle_rate_one_answers_rate_exceeded(sim, sim_client):
    sim.faults.configure(throttle_rate=1.0)
    with pytest.raises(ClientError) as exc:
        sim_client(REGION).describe_workspaces()
    err = exc.value.response
    assert err["Error"]["Code"] == "ThrottlingException"
    assert err["Error"]["Message"] == "Rate exceeded"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [c.fault for c in sim.calls_to("DescribeWorkspaces")][-1] == "throttle"


def test_partial_throttling_is_retried_by_standard_mode(sim, sim_client):
    sim.faults.configure(throttle_rate=0.2)
    client = sim_client(REGION, max_attempts=10)
    pages = list(client.get_paginator("describe_workspaces").paginate(PaginationConfig={"PageSize": 4}))
    ids = {w["WorkspaceId"] for p in pages for w in p["Workspaces"]}
    assert ids == set(sim.report.workspace_ids[REGION])
    faults = [c.fault for c in sim.calls_to("DescribeWorkspaces")]
    assert "throttle" in faults and faults.count(None) == len(pages)


def test_throttling_switched_on_mid_listing(sim, sim_client):
    client = sim_client(REGION)
    first = client.describe_workspaces(Limit=5)
    sim.faults.configure(throttle_rate=1.0)
    with pytest.raises(ClientError):
        client.describe_workspaces(Limit=5, NextToken=first["NextToken"])
    sim.faults.configure(throttle_rate=0.0)
    second = client.describe_workspaces(Limit=5, NextToken=first["NextToken"])
    assert not {w["WorkspaceId"] for w in first["Workspaces"]} & {
        w["WorkspaceId"] for w in second["Workspaces"]}  # fmt: skip


def test_latency_is_added_per_call(sim, sim_client):
    client = sim_client(REGION)
    client.describe_workspaces(Limit=1)  # warm up the client
    sim.faults.configure(latency_ms=150)
    started = time.perf_counter()
    client.describe_workspaces(Limit=1)
    assert time.perf_counter() - started >= 0.15


def test_rps_cap_per_operation(sim, sim_client):
    sim.faults.configure(rps_cap={"DescribeWorkspaces": 3})
    client = sim_client(REGION)
    outcomes = []
    for _ in range(6):
        try:
            client.describe_workspaces(Limit=1)
            outcomes.append("ok")
        except ClientError as e:
            outcomes.append(e.response["Error"]["Code"])
    assert outcomes[:3] == ["ok"] * 3 and "ThrottlingException" in outcomes[3:]
    # Other operations are not capped.
    for _ in range(6):
        client.describe_workspace_directories()


def test_fail_after_in_process_looks_like_a_dead_endpoint(sim, sim_client):
    client = sim_client(REGION, max_attempts=3)
    sim.faults.configure(fail_after=2)
    client.describe_workspaces(Limit=1)
    client.describe_workspaces(Limit=1)
    with pytest.raises(ConnectionClosedError):
        client.describe_workspaces(Limit=1)
    assert [c.fault for c in sim.calls_to("DescribeWorkspaces")][-3:] == ["down"] * 3  # retried
    sim.faults.configure(fail_after=None)
    assert client.describe_workspaces(Limit=1)["Workspaces"]


def test_fail_after_over_http_drops_the_connection_mid_listing(sim, sim_url):
    client = _http_client(sim_url, attempts=2)
    first = client.describe_workspaces(Limit=5)
    sim.faults.configure(fail_after=0)
    with pytest.raises(ConnectionClosedError):
        client.describe_workspaces(Limit=5, NextToken=first["NextToken"])
    sim.faults.configure(fail_after=None)
    assert client.describe_workspaces(Limit=5, NextToken=first["NextToken"])["Workspaces"]


def test_throttle_over_http(sim, sim_url):
    sim.faults.configure(throttle_rate=1.0)
    with pytest.raises(ClientError) as exc:
        _http_client(sim_url).describe_workspaces()
    assert exc.value.response["Error"]["Code"] == "ThrottlingException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_call_log_keeps_only_the_newest_calls_when_bounded() -> None:
    """A long demo or `sim serve` holds a bounded call log (it grew RSS ~2 MB a minute)."""
    from wstui.sim.runtime import SERVE_MAX_CALLS, Runtime, SimCall

    log = Runtime(max_calls=3)
    for n in range(5):
        log.record(SimCall("DescribeWorkspaces", "us-east-1", {"NextToken": str(n)}, float(n)))
    assert [c.params["NextToken"] for c in log.calls] == ["2", "3", "4"]
    assert Runtime().max_calls >= 100_000 > SERVE_MAX_CALLS  # tests see every call of a run
