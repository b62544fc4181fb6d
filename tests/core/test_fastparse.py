"""The plain JSON parse of hot responses gives exactly what botocore's parser gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import PROTOCOL_PARSERS

from wstui.core.aws import fastparse, iso_timestamp

US = "us-east-1"
SERVICES = {"workspaces": "workspaces", "cloudwatch": "cloudwatch",
            "resource-groups-tagging-api": "resourcegroupstaggingapi"}  # fmt: skip


def _client(service: str, fast: bool) -> tuple[Any, list[bytes]]:
    session = boto3.Session(region_name=US)
    factory = session._session.get_component("response_parser_factory")
    factory.set_parser_defaults(timestamp_parser=iso_timestamp)
    client = session.client(service, config=Config(retries={"total_max_attempts": 1}))
    if fast:
        fastparse.install(client, iso_timestamp)
    bodies: list[bytes] = []  # what botocore's own parser was handed, seen after ours ran
    sid = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(
        f"before-parse.{sid}", lambda response_dict, **_: bodies.append(response_dict["body"])
    )
    return client, bodies


def _strip(parsed: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in parsed.items() if k != "ResponseMetadata"}


def _calls(sim: Any) -> dict[str, tuple[str, str, dict[str, Any]]]:
    ids = list(sim.backend(US).workspaces)[:20]
    now = datetime.fromtimestamp(sim.clock.now(), UTC)
    queries = [
        {"Id": f"q{i}", "ReturnData": True, "MetricStat": {"Period": 300, "Stat": "Maximum",
         "Metric": {"Namespace": "AWS/WorkSpaces", "MetricName": metric,
                    "Dimensions": [{"Name": "WorkspaceId", "Value": ws}]}}}
        for i, (ws, metric) in enumerate((w, m) for w in ids for m in ("UserConnected", "CPUUsage"))
    ]  # fmt: skip
    return {
        "DescribeWorkspaces": ("workspaces", "describe_workspaces", {"Limit": 25}),
        "DescribeWorkspacesConnectionStatus": (
            "workspaces", "describe_workspaces_connection_status", {"WorkspaceIds": ids[:25]}),
        "GetMetricData": ("cloudwatch", "get_metric_data", {
            "MetricDataQueries": queries, "StartTime": now - timedelta(hours=6), "EndTime": now}),
        "GetResources": ("resource-groups-tagging-api", "get_resources",
                         {"ResourceTypeFilters": ["workspaces:workspace"]}),
    }  # fmt: skip


@pytest.mark.parametrize("op", sorted(o for ops in fastparse.HOT.values() for o in ops))
def test_every_hot_operation_parses_like_botocore_on_the_simulator(sim: Any, op: str) -> None:
    sim.clock.advance(3 * 3600)  # sessions so far publish metric points
    service, method, params = _calls(sim)[op]
    fast, fast_bodies = _client(SERVICES[service], fast=True)
    slow, slow_bodies = _client(SERVICES[service], fast=False)
    ours = getattr(fast, method)(**params)
    theirs = getattr(slow, method)(**params)
    assert _strip(ours) == _strip(theirs)
    assert ours["ResponseMetadata"]["HTTPStatusCode"] == 200
    # Not a vacuous comparison: the responses hold items, and our parse did the work.
    assert any(isinstance(v, list) and v for v in theirs.values()), theirs
    assert fast_bodies == [b"{}"] and slow_bodies[0] not in (b"", b"{}")


@pytest.mark.parametrize("service,op", sorted((s, o) for s, ops in fastparse.HOT.items() for o in ops))
def test_unknown_null_and_odd_members_are_treated_like_botocore(service: str, op: str) -> None:
    """A body with members the model lacks, nulls and both timestamp forms, parsed by both."""
    model = boto3.Session(region_name=US).client(SERVICES[service]).meta.service_model
    operation = model.operation_model(op)
    body = _hostile_body(operation.output_shape)
    theirs = PROTOCOL_PARSERS["json"](timestamp_parser=iso_timestamp).parse(
        {"status_code": 200, "headers": {}, "body": body}, operation.output_shape)  # fmt: skip
    handler = fastparse._Handler(iso_timestamp)
    custom: dict[str, Any] = {}
    response = {"status_code": 200, "headers": {}, "body": body}
    handler(operation_model=operation, response_dict=response, customized_response_dict=custom)
    assert response["body"] == b"{}"
    rest = PROTOCOL_PARSERS["json"](timestamp_parser=iso_timestamp).parse(
        response, operation.output_shape)  # fmt: skip
    rest.update(custom)
    assert _strip(rest) == _strip(theirs) and _strip(theirs)


def _hostile_body(shape: Any) -> bytes:
    """A value for every member (two list items, one null member, one unknown member)."""
    stamps = iter([1795000000, "2026-11-18T10:00:00Z", 1795000300.5])

    def value(s: Any, depth: int) -> Any:
        t = s.type_name
        if t == "structure":
            if depth > 6:
                return None
            out = {n: value(m, depth + 1) for n, m in s.members.items()}
            out["NotInTheModel"] = {"x": [1, 2]}
            if out:
                out[next(iter(s.members), "NotInTheModel")] = None  # a null member
            return out
        if t == "list":
            return [value(s.member, depth + 1), value(s.member, depth + 1)]
        if t == "map":
            return {"k1": value(s.value, depth + 1)}
        if t == "timestamp":
            return next(stamps, 1795000600)
        if t in ("integer", "long"):
            return 7
        if t in ("double", "float"):
            return 1.5
        if t == "boolean":
            return True
        if t == "blob":
            return "aGk="
        return "text<>\x1b[31m"

    # Every top-level member set (nulls and unknown members only further down).
    top = {n: value(m, 1) for n, m in shape.members.items()} | {"Extra": 1}
    return json.dumps(top).encode()


@pytest.mark.parametrize("fault", ["500-after", "503", "expired-token"])
def test_errors_are_left_to_botocore(sim: Any, fault: str) -> None:
    """A failed hot call raises botocore's own ClientError, code, message and status."""
    fast, _ = _client("workspaces", fast=True)
    slow, _ = _client("workspaces", fast=False)
    errors = []
    for client in (fast, slow):
        sim.faults.inject(fault, ["DescribeWorkspaces"], times=1)
        with pytest.raises(ClientError) as caught:
            client.describe_workspaces(Limit=5)
        errors.append((caught.value.response["Error"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]))  # fmt: skip
    assert errors[0] == errors[1] and errors[0][1] >= 400 and errors[0][0]["Code"]
