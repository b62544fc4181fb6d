"""Contract: every operation of botocore's WorkSpaces model, over HTTP, answers what AWS could.

For each of the model's operations one valid request is synthesized from its input shape
(real ids from the seeded simulator where a member names a resource; a union gets
exactly one member) and one invalid request (a required member removed, or a value out
of its enum / range / pattern). Both go through the HTTP endpoint with a real boto3 client
(retries off; client-side validation off for the invalid one). Checked:

- a successful answer's raw JSON body against the OUTPUT shape, recursively (no member
  the shape lacks, enums, patterns, lengths, required members, numeric timestamps);
- every error code is one the operation declares, or a common error;
- the invalid request is refused with the operation's validation error before it runs.

The operation list comes from the model, so a new operation is covered without an edit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from wstui.sim import Simulator, shapes

REGION = "us-east-1"
MODEL = shapes.service_model()
OPERATIONS = sorted(MODEL.operation_names)
# Destructive calls go last so the reads before them meet the seeded resources.
_LAST = ("Delete", "Terminate", "Deregister", "Disassociate", "Revoke", "Reject", "Migrate")
ORDERED = sorted(OPERATIONS, key=lambda op: (op.startswith(_LAST), op))

# Simulator answers the contract found wrong and that are not fixed here: op -> reason.
KNOWN_GAPS: dict[str, str] = {}


class World:
    """A seeded simulator served over HTTP, with the ids requests may name."""

    def __init__(self) -> None:
        self.sim = Simulator(seed=7, speed=0.0)
        self.sim.start()
        self.sim.seed(size=12, regions=(REGION, "eu-west-1"), directories_per_region=2)
        self.url, self._stop = self.sim.serve_in_thread(port=0)
        backend = self.sim.backend(REGION)
        from wstui.sim.model import extras

        ex = extras(backend)
        ws = sorted(self.sim.report.workspace_ids[REGION])
        for w in ws[:3]:
            self.sim.set_state(REGION, w, "AVAILABLE", running_mode="AUTO_STOP")
        self.ids: dict[str, str] = {
            "WorkspaceId": ws[0],
            "SourceWorkspaceId": ws[1],
            "PrimaryWorkspaceId": ws[2],
            "DirectoryId": self.sim.report.directories[REGION][0],
            "BundleId": sorted(ex.bundles)[0],
            "ImageId": sorted(backend.workspace_images)[0],
            "SourceImageId": sorted(backend.workspace_images)[0],
            "GroupId": sorted(ex.ip_groups)[0],
            "AliasId": sorted(ex.aliases)[0],
            "PoolId": sorted(ex.pools)[0],
            "ApplicationId": "wsa-office2021x64a",
            "SharedAccountId": "210987654321",
            "TargetAccountId": "210987654321",
            "LinkedAccountId": "210987654321",
            "LinkId": "link-12345678",
            "AddInId": "11111111-2222-3333-4444-555555555555",
            "SessionId": "11111111-2222-3333-4444-555555555555",
            "SourceRegion": "eu-west-1",
            "PrimaryRegion": REGION,
            "Ec2ImageId": "ami-0123456789abcdef0",
            "SubnetId": "subnet-0123456789abcdef0",
            "ManagementCidrRangeConstraint": "10.0.0.0/8",
            "DedicatedTenancyManagementCidrRange": "10.1.0.0/16",
            "ConnectionString": "desktop.contract.example.com",
            "UserName": "contract.user",
            "ResourceArn": "arn:aws:workspaces:us-east-1:123456789012:workspace/x",
            "ipRule": "203.0.113.0/24",
        }
        # ResourceId names a directory for most operations (tags accept it too).
        self.ids["ResourceId"] = self.ids["DirectoryId"]
        self.responses = 0

    def close(self) -> None:
        self._stop()
        self.sim.stop()

    def client(self, validate: bool) -> Any:
        client = boto3.client(
            "workspaces", region_name=REGION, endpoint_url=self.url,
            aws_access_key_id="testing", aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1, "mode": "standard"},
                          parameter_validation=validate),
        )  # fmt: skip
        return client


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    w = World()
    try:
        yield w
    finally:
        w.close()


# -- request synthesis --------------------------------------------------------------------------
# Values for strings whose pattern a generic filler cannot meet, by shape name.
STRINGS = {
    "Ipv4Address": "10.0.0.1",
    "IpRule": "203.0.113.0/24",
    "ClientUrl": "https://example.com/",
    "SamlUserAccessUrl": "https://sso.example.com/saml",
    "ClientEmail": "help@example.com",
    "ClientLocale": "en_US",
    "ClientPhoneNumber": "555-0100",
    "DefaultLogo": "aGVsbG8=",
    "Ec2ImageId": "ami-0123456789abcdef0",
    "Ec2ImportTaskId": "import-ami-0123456789abcdef0",
    "ARN": "arn:aws:iam::123456789012:role/contract",
    "CertificateAuthorityArn": "arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/x",
    "DomainName": "corp.example.com",
    "AddInUrl": "https://addin.example.com/",
    "AddInName": "contract-add-in",
    "ConnectionString": "desktop.contract.example.com",
    "Region": "eu-west-1",
    "WorkspaceImageName": "contract-image",
    "WorkspaceImageDescription": "Contract image",
    "WorkspaceImageId": None,  # from the world
    "ImageBuildVersionArn": "arn:aws:imagebuilder:us-east-1:123456789012:image/contract/1.0.0/1",
    "InfrastructureConfigurationArn":
        "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/contract",
    "SecretsManagerArn":
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:contract-secret-abcdef",
}


def _string(shape: Any, name: str, world: World) -> str:
    if name in world.ids:
        return world.ids[name]
    if shape.enum:
        return shape.enum[0]
    known = STRINGS.get(shape.name)
    if known:
        return known
    lo = shape.metadata.get("min", 1) or 1
    hi = shape.metadata.get("max", 64)
    for candidate in ("contract", "Contract-1", "a1", "ws-contract1", "abcdefgh1"):
        if lo <= len(candidate) <= hi and (
            not shape.metadata.get("pattern")
            or shapes.matches(shape.metadata["pattern"], candidate)
        ):
            return candidate
    return "a" * lo


def synth(shape: Any, name: str, world: World, depth: int = 0) -> Any:
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        members = list(shape.members)
        wanted = members[:1] if meta.get("union") else list(shape.required_members)
        if not wanted and depth:  # e.g. StartRequest: name the resource it is about
            wanted = [m for m in members if m in world.ids][:1]
        return {m: synth(shape.members[m], m, world, depth + 1) for m in wanted}
    if t == "list":
        item = _singular(name)
        return [synth(shape.member, item, world, depth + 1) for _ in range(max(meta.get("min", 1), 1))]
    if t == "map":
        return {"key": synth(shape.value, name, world, depth + 1)}
    if t == "string":
        return _string(shape, name, world)
    if t in ("integer", "long"):
        lo, hi = meta.get("min", 1), meta.get("max")
        return min(max(lo, 1), hi) if hi is not None else max(lo, 1)
    if t in ("double", "float"):
        return float(meta.get("min", 1))
    if t == "boolean":
        return True
    if t == "timestamp":
        return 1_700_000_000
    if t == "blob":
        return b"hello"
    raise AssertionError(f"no synthesis for {t}")


def _singular(name: str) -> str:
    for plural, one in (("Ids", "Id"), ("Names", "Name"), ("s", "")):
        if name.endswith(plural):
            return name[: -len(plural)] + one
    return name


# Requests the generic synthesis cannot make meaningful (beyond required members).
OVERRIDES: dict[str, dict[str, Any]] = {
    "DescribeWorkspaces": {"Limit": 5},
    "DescribeWorkspaceImages": {"MaxResults": 5},
    "DescribeApplications": {"MaxResults": 5},
    "ModifyWorkspaceState": {"WorkspaceState": "ADMIN_MAINTENANCE"},

    "CreateTags": {"Tags": [{"Key": "contract", "Value": "yes"}]},
    "CreateIpGroup": {"GroupName": "contract-group"},
    "ModifyAccount": {"DedicatedTenancySupport": "ENABLED",
                      "DedicatedTenancyManagementCidrRange": "10.1.0.0/16"},
    "CreateWorkspaceBundle": {"ComputeType": {"Name": "STANDARD"}},
    "UpdateWorkspaceBundle": {"BundleId": None, "ImageId": None},  # filled from the world below
    "DeleteWorkspaceBundle": {"BundleId": None},
    "ModifyWorkspaceAccessProperties": {"WorkspaceAccessProperties": {"DeviceTypeWeb": "ALLOW"}},
    "ImportClientBranding": {"DeviceTypeWindows": {"SupportEmail": "help@example.com"}},
    "RegisterWorkspaceDirectory": {"DirectoryId": None},
}


def valid_request(operation: str, world: World) -> dict[str, Any]:
    shape = MODEL.operation_model(operation).input_shape
    request = synth(shape, "", world) if shape is not None else {}
    for key, value in OVERRIDES.get(operation, {}).items():
        request[key] = world.ids[key] if value is None else value
    return request


def invalid_request(operation: str, world: World) -> dict[str, Any] | None:
    """A request breaking one model constraint, or None when there is nothing to break."""
    shape = MODEL.operation_model(operation).input_shape
    if shape is None:
        return None
    request = valid_request(operation, world)
    if shape.required_members:
        request.pop(shape.required_members[0])
        return request
    for name, member in shape.members.items():
        if member.type_name == "string" and member.enum:
            return {**request, name: "NOT_IN_THE_ENUM"}
        if member.type_name == "integer" and member.metadata.get("max") is not None:
            return {**request, name: member.metadata["max"] + 1}
        if member.type_name == "list" and member.metadata.get("max") is not None:
            return {**request, name: [synth(member.member, _singular(name), world)]
                    * (member.metadata["max"] + 1)}
        if member.type_name == "string" and member.metadata.get("pattern"):
            return {**request, name: "!! not valid !!"}
    return None


# -- sending ------------------------------------------------------------------------------------
def send(world: World, operation: str, request: dict[str, Any], validate: bool) -> dict[str, Any]:
    """Send it; return {"status", "raw" (parsed JSON body), "code"}."""
    client = world.client(validate)
    captured: dict[str, Any] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["status"] = http_response.status_code
        captured["raw"] = json.loads(http_response.content or b"{}")

    client.meta.events.register("after-call.workspaces", keep)
    method = getattr(client, _method(operation))
    try:
        method(**request)
        captured["code"] = None
    except ClientError as e:
        captured["code"] = e.response["Error"]["Code"]
    world.responses += 1
    return captured


def _method(operation: str) -> str:
    from botocore import xform_name

    return xform_name(operation)


def allowed_errors(operation: str) -> frozenset[str]:
    return shapes.declared_errors(operation) | shapes.COMMON_ERRORS


# -- the contract -------------------------------------------------------------------------------
def test_model_has_91_operations() -> None:
    assert len(OPERATIONS) == 91


@pytest.mark.parametrize("operation", ORDERED)
def test_synthesized_request_is_valid_under_the_model(operation: str, world: World) -> None:
    """The synthesizer's own check: otherwise the valid-request contract proves nothing."""
    assert shapes.input_problems(operation, valid_request(operation, world)) == []


def _gap(operation: str) -> None:
    if operation in KNOWN_GAPS:
        pytest.xfail(KNOWN_GAPS[operation])


@pytest.mark.parametrize("operation", ORDERED)
def test_valid_request_answers_within_the_contract(operation: str, world: World) -> None:
    _gap(operation)
    answer = send(world, operation, valid_request(operation, world), validate=True)
    if answer["code"] is None:
        assert answer["status"] == 200
        assert shapes.output_problems(operation, answer["raw"]) == []
    else:
        assert answer["code"] in allowed_errors(operation), answer
        assert answer["code"] != "InternalFailure", answer  # a valid request broke a handler
        # The request is valid under the model: the model-level check must not refuse it.
        assert "validation error" not in answer["raw"].get("message", ""), answer


@pytest.mark.parametrize("operation", ORDERED)
def test_invalid_request_is_refused_with_the_declared_error(operation: str, world: World) -> None:
    request = invalid_request(operation, world)
    if request is None:
        pytest.skip(f"{operation} has no input constraint to break")
    assert shapes.input_problems(operation, request), "the invalid request must be invalid"
    answer = send(world, operation, request, validate=False)
    assert answer["status"] == 400, answer
    assert answer["code"] == shapes.validation_error_code(operation), answer
    assert answer["code"] in allowed_errors(operation)
    assert answer["raw"]["__type"] == answer["code"]
    assert "failed to satisfy constraint" in answer["raw"]["message"]


def test_seeded_fleet_reads_back_valid_under_the_model(world: World) -> None:
    """Every seeded WorkSpace, directory, bundle, image and tag list answers within the model,
    hostile strings included (they stay, cut to the lengths the model allows)."""
    client = world.client(validate=True)
    raw: list[tuple[str, Any]] = []
    client.meta.events.register(
        "after-call.workspaces",
        lambda http_response, model, **_: raw.append((model.name, json.loads(http_response.content))),
    )
    for page in client.get_paginator("describe_workspaces").paginate():
        for ws in page["Workspaces"]:
            client.describe_tags(ResourceId=ws["WorkspaceId"])
    client.describe_workspace_directories()
    client.describe_workspace_bundles()
    client.describe_workspace_images()
    client.describe_ip_groups()
    client.describe_connection_aliases()
    client.describe_workspaces_pools()
    problems = [(op, p) for op, body in raw for p in shapes.output_problems(op, body)]
    assert problems == []
    assert len(raw) > 12


def test_every_hostile_string_is_seeded_within_the_model(world: World) -> None:
    """A fleet large enough to plant every hostile string (slots cycle every 50 WorkSpaces)."""
    from wstui.sim.seed import HOSTILE_STRINGS, seed_fleet

    now = world.sim.clock.now()
    report = seed_fleet(size=50 * len(HOSTILE_STRINGS), seed=7, now=now,
                        regions=(REGION,), account="999999999999")  # fmt: skip
    backend = __import__("moto.workspaces.models", fromlist=["x"]).workspaces_backends[
        "999999999999"][REGION]  # fmt: skip
    items = [json.loads(json.dumps(backend.workspaces[i].to_api(now)))
             for i in report.workspace_ids[REGION]]  # fmt: skip
    assert shapes.output_problems("DescribeWorkspaces", {"Workspaces": items}) == []
    tags = [t for i in report.workspace_ids[REGION] for t in backend.workspaces[i].tags]
    assert shapes.output_problems("DescribeTags", {"TagList": tags}) == []
    users = {w["UserName"] for w in items}
    assert "W" * 63 in users  # the 1,000-character one, cut to UserName's max
    assert any("\x1b" in u for u in users)  # escape sequences stay: the model allows them


def test_docs_table_names_every_operation() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "simulator.md").read_text()
    assert [op for op in OPERATIONS if f"| {op} |" not in text] == []
