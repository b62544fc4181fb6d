"""Every operation of the registry, sent once through the app's own path, effect checked.

Each case validates its request exactly like the form and `wstui op` do
(`validate.validate`), sends it through the audited `operations.send`, then reads the
simulator's state back through the matching Describe/Get (or asserts the documented
refusal). One simulator is shared by the module; each case builds what it needs (a fresh
WorkSpace, IP group, alias...) so cases stay independent under any order or xdist split.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.gw import gateway
from wstui.core import act
from wstui.core.act import ops
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.validate import validate

US, EU = "us-east-1", "eu-west-1"
OTHER_ACCOUNT = "111122223333"


@dataclass
class Env:
    sim: Any
    clients: Clients
    cache: Cache
    free: dict[str, list[str]] = field(default_factory=dict)  # region -> unused WorkSpace ids
    counter: int = 0

    def target(self, region: str = US) -> Target:
        return Target(None, region, self.sim.account)

    def client(self, region: str = US) -> Any:
        """A plain boto3 client for setting up state (wstui's own clients refuse mutations
        outside the gateway)."""
        import boto3

        return boto3.client("workspaces", region_name=region)

    def send(self, name: str, request: dict, region: str = US) -> act.Result:
        """The app's path: model + reference validation, then the audited send."""
        problems = validate(name, request)
        assert problems == [], [str(p) for p in problems]
        op = ops.resolve(name)
        before = len(self.sim.calls_to(name))
        result = act.send(op, request, gateway(self.clients, self.cache), self.target(region))
        assert len(self.sim.calls_to(name)) == before + 1  # sent exactly once
        if op.mutates:
            audited = self.cache.audit(limit=1)[0]
            assert audited["action"] == name
        return result

    def ok(self, name: str, request: dict, region: str = US) -> dict:
        result = self.send(name, request, region)
        assert result.ok, result.summary()
        return result.response

    def refused(self, name: str, request: dict, code: str, region: str = US) -> act.Result:
        result = self.send(name, request, region)
        assert not result.ok and result.code == code, result.summary()
        return result

    def unique(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def workspace(self, state: str = "AVAILABLE", mode: str | None = None, region: str = US) -> str:
        """A seeded WorkSpace no other case uses, put in `state`."""
        ws_id = self.free[region].pop()
        self.sim.set_state(region, ws_id, state, running_mode=mode)
        return ws_id

    def directory(self, region: str = US, index: int = 0) -> str:
        return self.sim.report.directories[region][index]

    def describe_ws(self, ws_id: str, region: str = US) -> dict:
        return self.client(region).describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"][0]

    def describe_dir(self, directory: str, region: str = US) -> dict:
        out = self.client(region).describe_workspace_directories(DirectoryIds=[directory])
        return out["Directories"][0]

    def ip_group(self, rules: list[str] = ()) -> str:  # type: ignore[assignment]
        return self.client().create_ip_group(
            GroupName=self.unique("g"), UserRules=[{"ipRule": r} for r in rules]
        )["GroupId"]

    def rules(self, group: str) -> list[str]:
        found = self.client().describe_ip_groups(GroupIds=[group])["Result"][0]
        return sorted(r["ipRule"] for r in found.get("userRules", []))

    def alias(self) -> str:
        alias = self.client().create_connection_alias(
            ConnectionString=f"{self.unique('desk')}.example.com"
        )["AliasId"]
        self.sim.clock.advance(10)  # CREATING -> CREATED
        return alias

    def describe_alias(self, alias: str) -> dict:
        return self.client().describe_connection_aliases(AliasIds=[alias])["ConnectionAliases"][0]

    def image(self, region: str = US) -> str:
        ws_id = self.workspace(region=region)
        return self.client(region).create_workspace_image(
            Name=self.unique("img"), Description="test image", WorkspaceId=ws_id
        )["ImageId"]

    def bundle(self, image: str | None = None) -> str:
        return self.client().create_workspace_bundle(
            BundleName=self.unique("b"), BundleDescription="test", ImageId=image or self.image(),
            ComputeType={"Name": "STANDARD"}, UserStorage={"Capacity": "50"},
        )["WorkspaceBundle"]["BundleId"]  # fmt: skip

    def pool(self) -> dict:
        return self.client().create_workspaces_pool(
            PoolName=self.unique("pool"), Description="test", BundleId=amazon_bundle(),
            DirectoryId=self.directory(), Capacity={"DesiredUserSessions": 2},
        )["WorkspacesPool"]  # fmt: skip

    def describe_pool(self, pool_id: str) -> dict:
        return self.client().describe_workspaces_pools(PoolIds=[pool_id])["WorkspacesPools"][0]


def amazon_bundle() -> str:
    from wstui.sim.catalogue import AMAZON_BUNDLES

    return sorted(AMAZON_BUNDLES)[0]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    from wstui.sim import Simulator

    sim = Simulator(seed=11, speed=0.0)
    with sim.running():
        report = sim.seed(size=160, regions=(US, EU), directories_per_region=2)
        hostile = {i for _, i in report.hostile_ids}
        free = {r: [i for i in ids if i not in hostile] for r, ids in report.workspace_ids.items()}
        cache = Cache(Path(tmp_path_factory.mktemp("ops")) / "c.sqlite")
        e = Env(sim, Clients(max_attempts=1), cache, free)
        try:
            yield e
        finally:
            cache.close()


CASES: dict[str, Callable[[Env], None]] = {}


def case(name: str) -> Callable[[Callable[[Env], None]], Callable[[Env], None]]:
    def register(fn: Callable[[Env], None]) -> Callable[[Env], None]:
        assert name not in CASES, name
        CASES[name] = fn
        return fn

    return register


# -- WorkSpaces ----------------------------------------------------------------------------
@case("DescribeWorkspaces")
def _(e: Env) -> None:
    ws_id = e.workspace("STOPPED")
    found = e.ok("DescribeWorkspaces", {"WorkspaceIds": [ws_id]})["Workspaces"]
    assert [(w["WorkspaceId"], w["State"]) for w in found] == [(ws_id, "STOPPED")]


@case("DescribeWorkspacesConnectionStatus")
def _(e: Env) -> None:
    ws_id = e.workspace()
    found = e.ok("DescribeWorkspacesConnectionStatus", {"WorkspaceIds": [ws_id]})
    assert [s["WorkspaceId"] for s in found["WorkspacesConnectionStatus"]] == [ws_id]


@case("CreateWorkspaces")
def _(e: Env) -> None:
    d = e.directory()
    ok = {"DirectoryId": d, "UserName": "newhire", "BundleId": amazon_bundle(),
          "Tags": [{"Key": "Team", "Value": "ops"}]}  # fmt: skip
    bad = {"DirectoryId": "d-0000000000", "UserName": "ghost", "BundleId": amazon_bundle()}
    result = e.send("CreateWorkspaces", {"Workspaces": [ok, bad]})
    # Partial failure is reported as failure, with the pending half still in the response.
    assert not result.ok and result.code == "ResourceNotFound.Directory"
    pending = result.response["PendingRequests"]
    assert len(pending) == 1
    made = e.describe_ws(pending[0]["WorkspaceId"])
    assert (made["UserName"], made["DirectoryId"], made["State"]) == ("newhire", d, "PENDING")
    tags = e.client().describe_tags(ResourceId=made["WorkspaceId"])["TagList"]
    assert tags == [{"Key": "Team", "Value": "ops"}]


@case("CreateStandbyWorkspaces")
def _(e: Env) -> None:
    from wstui.sim.catalogue import AMAZON_BUNDLES

    # A custom bundle exists only in the primary Region: the standby needs an Amazon one.
    primary = next(w for w in reversed(e.free[EU]) if e.sim.workspace(EU, w).bundle_id in AMAZON_BUNDLES)
    e.free[EU].remove(primary)
    e.sim.set_state(EU, primary, "AVAILABLE")
    d = e.directory()
    out = e.ok("CreateStandbyWorkspaces", {
        "PrimaryRegion": EU, "StandbyWorkspaces": [{"PrimaryWorkspaceId": primary, "DirectoryId": d}],
    })  # fmt: skip
    assert out["FailedStandbyRequests"] == []
    [pending] = out["PendingStandbyRequests"]
    made = e.describe_ws(pending["WorkspaceId"])
    assert made["DirectoryId"] == d
    assert made["UserName"] == e.sim.workspace(EU, primary).user_name


def _batch_case(op: str, start: str, mode: str | None, after: str) -> None:
    @case(op)
    def _(e: Env) -> None:
        ws_id = e.workspace(start, mode)
        key = {"StartWorkspaces": "StartWorkspaceRequests", "StopWorkspaces": "StopWorkspaceRequests",
               "RebootWorkspaces": "RebootWorkspaceRequests",
               "RebuildWorkspaces": "RebuildWorkspaceRequests",
               "TerminateWorkspaces": "TerminateWorkspaceRequests"}[op]  # fmt: skip
        e.ok(op, {key: [{"WorkspaceId": ws_id}]})
        assert e.describe_ws(ws_id)["State"] == after


_batch_case("StartWorkspaces", "STOPPED", "AUTO_STOP", "STARTING")
_batch_case("StopWorkspaces", "AVAILABLE", "AUTO_STOP", "STOPPING")
_batch_case("RebootWorkspaces", "AVAILABLE", None, "REBOOTING")
_batch_case("RebuildWorkspaces", "AVAILABLE", None, "REBUILDING")
_batch_case("TerminateWorkspaces", "AVAILABLE", None, "TERMINATING")


@case("RestoreWorkspace")
def _(e: Env) -> None:
    refused = e.workspace("SUSPENDED")
    e.refused("RestoreWorkspace", {"WorkspaceId": refused}, "OperationNotSupportedException")
    ws_id = e.workspace("STOPPED")
    e.ok("RestoreWorkspace", {"WorkspaceId": ws_id})
    assert e.describe_ws(ws_id)["State"] == "RESTORING"


@case("DescribeWorkspaceSnapshots")
def _(e: Env) -> None:
    ws_id = e.workspace()
    out = e.ok("DescribeWorkspaceSnapshots", {"WorkspaceId": ws_id})
    assert out["RestoreSnapshots"] and out["RebuildSnapshots"]
    e.refused("DescribeWorkspaceSnapshots", {"WorkspaceId": "ws-000000000"}, "ResourceNotFoundException")


@case("MigrateWorkspace")
def _(e: Env) -> None:
    ws_id = e.workspace("STOPPED")
    current = e.describe_ws(ws_id)["BundleId"]
    from wstui.sim.catalogue import AMAZON_BUNDLES

    target = next(b for b in sorted(AMAZON_BUNDLES) if b != current)
    out = e.ok("MigrateWorkspace", {"SourceWorkspaceId": ws_id, "BundleId": target})
    assert out["SourceWorkspaceId"] == ws_id
    made = e.describe_ws(out["TargetWorkspaceId"])
    assert made["BundleId"] == target and made["State"] == "PENDING"


@case("ModifyWorkspaceProperties")
def _(e: Env) -> None:
    ws_id = e.workspace("AVAILABLE", "ALWAYS_ON")
    e.ok("ModifyWorkspaceProperties", {"WorkspaceId": ws_id, "WorkspaceProperties": {
        "RunningMode": "AUTO_STOP", "RunningModeAutoStopTimeoutInMinutes": 120}})  # fmt: skip
    props = e.describe_ws(ws_id)["WorkspaceProperties"]
    assert props["RunningMode"] == "AUTO_STOP"
    assert props["RunningModeAutoStopTimeoutInMinutes"] == 120


@case("ModifyWorkspaceState")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.ok("ModifyWorkspaceState", {"WorkspaceId": ws_id, "WorkspaceState": "ADMIN_MAINTENANCE"})
    assert e.describe_ws(ws_id)["State"] == "ADMIN_MAINTENANCE"


APP = "wsa-office2021x64a"


def _associations(e: Env, ws_id: str) -> dict[str, str]:
    found = e.client().describe_workspace_associations(
        WorkspaceId=ws_id, AssociatedResourceTypes=["APPLICATION"])["Associations"]  # fmt: skip
    return {a["AssociatedResourceId"]: a["State"] for a in found}


@case("DescribeWorkspaceAssociations")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.client().associate_workspace_application(WorkspaceId=ws_id, ApplicationId=APP)
    out = e.ok("DescribeWorkspaceAssociations",
               {"WorkspaceId": ws_id, "AssociatedResourceTypes": ["APPLICATION"]})  # fmt: skip
    assert [(a["AssociatedResourceId"], a["WorkspaceId"]) for a in out["Associations"]] == [(APP, ws_id)]


@case("AssociateWorkspaceApplication")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.ok("AssociateWorkspaceApplication", {"WorkspaceId": ws_id, "ApplicationId": APP})
    assert _associations(e, ws_id) == {APP: "PENDING_INSTALL_DEPLOYMENT"}
    e.refused("AssociateWorkspaceApplication", {"WorkspaceId": ws_id, "ApplicationId": APP},
              "ResourceAlreadyExistsException")  # fmt: skip


@case("DisassociateWorkspaceApplication")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.client().associate_workspace_application(WorkspaceId=ws_id, ApplicationId=APP)
    e.ok("DisassociateWorkspaceApplication", {"WorkspaceId": ws_id, "ApplicationId": APP})
    assert _associations(e, ws_id) == {}


@case("DeployWorkspaceApplications")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.client().associate_workspace_application(WorkspaceId=ws_id, ApplicationId=APP)
    e.ok("DeployWorkspaceApplications", {"WorkspaceId": ws_id})
    assert _associations(e, ws_id) == {APP: "COMPLETED"}


@case("CreateWorkspaceImage")
def _(e: Env) -> None:
    ws_id = e.workspace()
    name = e.unique("golden")
    out = e.ok("CreateWorkspaceImage", {"Name": name, "Description": "from ws", "WorkspaceId": ws_id})
    [image] = e.client().describe_workspace_images(ImageIds=[out["ImageId"]])["Images"]
    assert image["Name"] == name


# -- tags ----------------------------------------------------------------------------------
@case("CreateTags")
def _(e: Env) -> None:
    group = e.ip_group()
    e.ok("CreateTags", {"ResourceId": group, "Tags": [{"Key": "Team", "Value": "[bold]x[/]"}]})
    assert e.client().describe_tags(ResourceId=group)["TagList"] == [{"Key": "Team", "Value": "[bold]x[/]"}]


@case("DeleteTags")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.client().create_tags(ResourceId=ws_id, Tags=[{"Key": "A", "Value": "1"}, {"Key": "B", "Value": "2"}])
    e.ok("DeleteTags", {"ResourceId": ws_id, "TagKeys": ["A"]})
    left = {t["Key"]: t["Value"] for t in e.client().describe_tags(ResourceId=ws_id)["TagList"]}
    assert "A" not in left and left["B"] == "2"


@case("DescribeTags")
def _(e: Env) -> None:
    alias = e.alias()
    e.client().create_tags(ResourceId=alias, Tags=[{"Key": "Env", "Value": "prod"}])
    assert e.ok("DescribeTags", {"ResourceId": alias})["TagList"] == [{"Key": "Env", "Value": "prod"}]


# -- directories ---------------------------------------------------------------------------
@case("DescribeWorkspaceDirectories")
def _(e: Env) -> None:
    d = e.directory()
    out = e.ok("DescribeWorkspaceDirectories", {"DirectoryIds": [d]})
    assert [x["DirectoryId"] for x in out["Directories"]] == [d]


@case("RegisterWorkspaceDirectory")
def _(e: Env) -> None:
    d = _fresh_ds_directory(e)
    e.ok("RegisterWorkspaceDirectory", {"DirectoryId": d, "SubnetIds": [], "EnableSelfService": False})
    assert e.describe_dir(d)["State"] == "REGISTERED"


@case("DeregisterWorkspaceDirectory")
def _(e: Env) -> None:
    busy = e.directory()
    e.refused("DeregisterWorkspaceDirectory", {"DirectoryId": busy}, "InvalidResourceStateException")
    d = _fresh_ds_directory(e)
    e.client().register_workspace_directory(DirectoryId=d, EnableSelfService=False)
    e.ok("DeregisterWorkspaceDirectory", {"DirectoryId": d})
    left = e.client().describe_workspace_directories(DirectoryIds=[d])["Directories"]
    assert [x.get("State") for x in left] in ([], ["DEREGISTERING"], ["DEREGISTERED"])


def _fresh_ds_directory(e: Env) -> str:
    """A Directory Service directory not yet registered with WorkSpaces."""
    import random

    from moto.ds.models import ds_backends

    from wstui.sim.seed import _fake_ds_directory

    backend = ds_backends[e.sim.account][US]
    d = f"d-{random.Random(e.unique('ds')).getrandbits(40):010x}"
    backend.directories[d] = _fake_ds_directory(random.Random(1), d, f"{d}.corp.example.com", 0)
    return d


@case("ModifySelfservicePermissions")
def _(e: Env) -> None:
    d = e.directory()
    e.ok("ModifySelfservicePermissions", {"ResourceId": d, "SelfservicePermissions": {
        "RestartWorkspace": "ENABLED", "SwitchRunningMode": "DISABLED"}})  # fmt: skip
    perms = e.describe_dir(d)["SelfservicePermissions"]
    assert perms["RestartWorkspace"] == "ENABLED" and perms["SwitchRunningMode"] == "DISABLED"


@case("ModifyWorkspaceCreationProperties")
def _(e: Env) -> None:
    d = e.directory()
    e.ok("ModifyWorkspaceCreationProperties", {"ResourceId": d, "WorkspaceCreationProperties": {
        "EnableInternetAccess": True, "UserEnabledAsLocalAdministrator": False}})  # fmt: skip
    props = e.describe_dir(d)["WorkspaceCreationProperties"]
    assert props["EnableInternetAccess"] is True
    assert props["UserEnabledAsLocalAdministrator"] is False


@case("ModifyWorkspaceAccessProperties")
def _(e: Env) -> None:
    d = e.directory()
    e.ok("ModifyWorkspaceAccessProperties", {"ResourceId": d, "WorkspaceAccessProperties": {
        "DeviceTypeWeb": "ALLOW", "DeviceTypeLinux": "DENY"}})  # fmt: skip
    props = e.describe_dir(d)["WorkspaceAccessProperties"]
    assert props["DeviceTypeWeb"] == "ALLOW" and props["DeviceTypeLinux"] == "DENY"


@case("DescribeClientProperties")
def _(e: Env) -> None:
    d = e.directory(index=1)
    out = e.ok("DescribeClientProperties", {"ResourceIds": [d]})
    assert [x["ResourceId"] for x in out["ClientPropertiesList"]] == [d]


@case("ModifyClientProperties")
def _(e: Env) -> None:
    d = e.directory()
    e.ok("ModifyClientProperties", {"ResourceId": d, "ClientProperties": {
        "ReconnectEnabled": "DISABLED", "LogUploadEnabled": "ENABLED"}})  # fmt: skip
    [found] = e.client().describe_client_properties(ResourceIds=[d])["ClientPropertiesList"]
    assert found["ClientProperties"]["ReconnectEnabled"] == "DISABLED"


@case("ModifySamlProperties")
def _(e: Env) -> None:
    d = e.directory(EU)
    e.refused("ModifySamlProperties", {"ResourceId": d, "SamlProperties": {"Status": "ENABLED"}},
              "InvalidParameterValuesException", EU)  # fmt: skip
    e.ok("ModifySamlProperties", {"ResourceId": d, "SamlProperties": {
        "Status": "ENABLED", "UserAccessUrl": "https://idp.example.com/sso"}}, EU)  # fmt: skip
    saml = e.describe_dir(d, EU)["SamlProperties"]
    assert saml["Status"] == "ENABLED" and saml["UserAccessUrl"] == "https://idp.example.com/sso"


@case("ModifyCertificateBasedAuthProperties")
def _(e: Env) -> None:
    d = e.directory(EU, 1)
    arn = "arn:aws:acm-pca:eu-west-1:123456789012:certificate-authority/abc"
    req = {"ResourceId": d, "CertificateBasedAuthProperties": {
        "Status": "ENABLED", "CertificateAuthorityArn": arn}}  # fmt: skip
    # The reference: certificate-based authentication needs SAML first.
    e.refused("ModifyCertificateBasedAuthProperties", req, "InvalidParameterValuesException", EU)
    e.client(EU).modify_saml_properties(
        ResourceId=d, SamlProperties={"Status": "ENABLED", "UserAccessUrl": "https://idp.example.com"})
    e.ok("ModifyCertificateBasedAuthProperties", req, EU)
    cba = e.describe_dir(d, EU)["CertificateBasedAuthProperties"]
    assert cba == {"Status": "ENABLED", "CertificateAuthorityArn": arn}


@case("ModifyStreamingProperties")
def _(e: Env) -> None:
    d = e.directory()
    props = {"StreamingExperiencePreferredProtocol": "UDP",
             "UserSettings": [{"Action": "CLIPBOARD_COPY_FROM_LOCAL_DEVICE", "Permission": "DISABLED"}]}  # fmt: skip
    e.ok("ModifyStreamingProperties", {"ResourceId": d, "StreamingProperties": props})
    got = e.describe_dir(d)["StreamingProperties"]
    assert got["StreamingExperiencePreferredProtocol"] == "UDP"
    assert got["UserSettings"][0]["Permission"] == "DISABLED"


@case("ModifyEndpointEncryptionMode")
def _(e: Env) -> None:
    d = e.directory(index=1)
    e.ok("ModifyEndpointEncryptionMode", {"DirectoryId": d, "EndpointEncryptionMode": "FIPS_VALIDATED"})
    assert e.describe_dir(d)["EndpointEncryptionMode"] == "FIPS_VALIDATED"


@case("AssociateIpGroups")
def _(e: Env) -> None:
    group, d = e.ip_group(["10.0.0.0/8"]), e.directory(index=1)
    e.ok("AssociateIpGroups", {"DirectoryId": d, "GroupIds": [group]})
    assert group in e.describe_dir(d)["ipGroupIds"]


@case("DisassociateIpGroups")
def _(e: Env) -> None:
    group, d = e.ip_group(), e.directory(index=1)
    e.client().associate_ip_groups(DirectoryId=d, GroupIds=[group])
    e.ok("DisassociateIpGroups", {"DirectoryId": d, "GroupIds": [group]})
    assert group not in (e.describe_dir(d).get("ipGroupIds") or [])


BRAND = {"DeviceTypeWindows": {"SupportEmail": "help@example.com", "ForgotPasswordLink": "https://x.example.com"}}


@case("ImportClientBranding")
def _(e: Env) -> None:
    d = e.directory(EU)
    e.ok("ImportClientBranding", {"ResourceId": d, **BRAND}, EU)
    found = e.client(EU).describe_client_branding(ResourceId=d)
    assert found["DeviceTypeWindows"]["SupportEmail"] == "help@example.com"
    # Reference: importing again over existing branding is refused; delete it first.
    e.refused("ImportClientBranding", {"ResourceId": d, **BRAND}, "ResourceAlreadyExistsException", EU)


@case("DescribeClientBranding")
def _(e: Env) -> None:
    d = e.directory()
    e.client().import_client_branding(ResourceId=d, **BRAND)
    out = e.ok("DescribeClientBranding", {"ResourceId": d})
    assert out["DeviceTypeWindows"]["ForgotPasswordLink"] == "https://x.example.com"


@case("DeleteClientBranding")
def _(e: Env) -> None:
    d = e.directory(index=1)
    e.client().import_client_branding(ResourceId=d, **BRAND)
    e.ok("DeleteClientBranding", {"ResourceId": d, "Platforms": ["DeviceTypeWindows"]})
    found = e.client().describe_client_branding(ResourceId=d)
    assert "DeviceTypeWindows" not in found


def _add_in(e: Env, d: str) -> str:
    return e.client().create_connect_client_add_in(
        ResourceId=d, Name=e.unique("addin"), URL="https://connect.example.com")["AddInId"]


def _add_ins(e: Env, d: str) -> dict[str, dict]:
    return {a["AddInId"]: a for a in e.client().describe_connect_client_add_ins(ResourceId=d)["AddIns"]}


@case("CreateConnectClientAddIn")
def _(e: Env) -> None:
    d = e.directory()
    name = e.unique("cc")
    out = e.ok("CreateConnectClientAddIn", {"ResourceId": d, "Name": name, "URL": "https://cc.example.com"})
    assert _add_ins(e, d)[out["AddInId"]]["Name"] == name


@case("DescribeConnectClientAddIns")
def _(e: Env) -> None:
    d = e.directory(index=1)
    add_in = _add_in(e, d)
    out = e.ok("DescribeConnectClientAddIns", {"ResourceId": d})
    assert add_in in [a["AddInId"] for a in out["AddIns"]]


@case("UpdateConnectClientAddIn")
def _(e: Env) -> None:
    d = e.directory()
    add_in = _add_in(e, d)
    e.ok("UpdateConnectClientAddIn", {"AddInId": add_in, "ResourceId": d, "URL": "https://new.example.com"})
    assert _add_ins(e, d)[add_in]["URL"] == "https://new.example.com"


@case("DeleteConnectClientAddIn")
def _(e: Env) -> None:
    d = e.directory()
    add_in = _add_in(e, d)
    e.ok("DeleteConnectClientAddIn", {"AddInId": add_in, "ResourceId": d})
    assert add_in not in _add_ins(e, d)


# -- bundles -------------------------------------------------------------------------------
@case("DescribeWorkspaceBundles")
def _(e: Env) -> None:
    out = e.ok("DescribeWorkspaceBundles", {"BundleIds": [amazon_bundle()]})
    assert [b["BundleId"] for b in out["Bundles"]] == [amazon_bundle()]


@case("CreateWorkspaceBundle")
def _(e: Env) -> None:
    image, name = e.image(), e.unique("bundle")
    out = e.ok("CreateWorkspaceBundle", {
        "BundleName": name, "BundleDescription": "team bundle", "ImageId": image,
        "ComputeType": {"Name": "PERFORMANCE"}, "UserStorage": {"Capacity": "100"}})  # fmt: skip
    bundle_id = out["WorkspaceBundle"]["BundleId"]
    [found] = e.client().describe_workspace_bundles(BundleIds=[bundle_id])["Bundles"]
    assert (found["Name"], found["ImageId"], found["ComputeType"]["Name"]) == (name, image, "PERFORMANCE")


@case("UpdateWorkspaceBundle")
def _(e: Env) -> None:
    bundle, image = e.bundle(), e.image()
    e.ok("UpdateWorkspaceBundle", {"BundleId": bundle, "ImageId": image})
    assert e.client().describe_workspace_bundles(BundleIds=[bundle])["Bundles"][0]["ImageId"] == image
    e.refused("UpdateWorkspaceBundle", {"BundleId": amazon_bundle(), "ImageId": image},
              "InvalidParameterValuesException")  # fmt: skip


@case("DeleteWorkspaceBundle")
def _(e: Env) -> None:
    bundle = e.bundle()
    used = e.bundle()
    e.client().create_workspaces(Workspaces=[{"DirectoryId": e.directory(), "UserName": "u1",
                                              "BundleId": used}])  # fmt: skip
    e.refused("DeleteWorkspaceBundle", {"BundleId": used}, "ResourceAssociatedException")
    e.ok("DeleteWorkspaceBundle", {"BundleId": bundle})
    assert e.client().describe_workspace_bundles(BundleIds=[bundle])["Bundles"] == []


def _image_with_app(e: Env) -> str:
    """An image made from a WorkSpace with an application deployed: it carries the app."""
    ws_id = e.workspace()
    e.client().associate_workspace_application(WorkspaceId=ws_id, ApplicationId=APP)
    e.client().deploy_workspace_applications(WorkspaceId=ws_id)
    return e.client().create_workspace_image(Name=e.unique("apps"), Description="d",
                                             WorkspaceId=ws_id)["ImageId"]  # fmt: skip


@case("DescribeBundleAssociations")
def _(e: Env) -> None:
    bundle = e.bundle(_image_with_app(e))
    out = e.ok("DescribeBundleAssociations", {"BundleId": bundle, "AssociatedResourceTypes": ["APPLICATION"]})
    assert [(a["AssociatedResourceId"], a["BundleId"]) for a in out["Associations"]] == [(APP, bundle)]
    plain = e.bundle()
    assert e.ok("DescribeBundleAssociations", {"BundleId": plain, "AssociatedResourceTypes": ["APPLICATION"]}) == {
        "Associations": []}


# -- images --------------------------------------------------------------------------------
@case("DescribeWorkspaceImages")
def _(e: Env) -> None:
    image = e.image()
    out = e.ok("DescribeWorkspaceImages", {"ImageIds": [image]})
    assert [i["ImageId"] for i in out["Images"]] == [image]


@case("CreateUpdatedWorkspaceImage")
def _(e: Env) -> None:
    source = e.image()
    req = {"Name": e.unique("upd"), "Description": "patched", "SourceImageId": source}
    e.refused("CreateUpdatedWorkspaceImage", req, "OperationNotSupportedException")
    e.sim.backend(US).workspace_images[source].updates = {"UpdateAvailable": True, "Description": "x"}
    out = e.ok("CreateUpdatedWorkspaceImage", req)
    [made] = e.client().describe_workspace_images(ImageIds=[out["ImageId"]])["Images"]
    assert made["Name"] == req["Name"]


@case("CopyWorkspaceImage")
def _(e: Env) -> None:
    source = e.image(EU)
    name = e.unique("copy")
    out = e.ok("CopyWorkspaceImage", {"Name": name, "SourceImageId": source, "SourceRegion": EU})
    [made] = e.client().describe_workspace_images(ImageIds=[out["ImageId"]])["Images"]
    assert made["Name"] == name


def _enable_byol(e: Env, region: str) -> None:
    c = e.client(region)
    if c.describe_account()["DedicatedTenancySupport"] != "ENABLED":
        c.modify_account(DedicatedTenancySupport="ENABLED", DedicatedTenancyManagementCidrRange="10.200.0.0/16")


@case("ImportWorkspaceImage")
def _(e: Env) -> None:
    req = {"Ec2ImageId": "ami-0123456789abcdef0", "IngestionProcess": "BYOL_REGULAR",
           "ImageName": e.unique("byol"), "ImageDescription": "byol"}  # fmt: skip
    e.refused("ImportWorkspaceImage", req, "OperationNotSupportedException", EU)
    _enable_byol(e, EU)
    out = e.ok("ImportWorkspaceImage", req, EU)
    [made] = e.client(EU).describe_workspace_images(ImageIds=[out["ImageId"]])["Images"]
    assert made["RequiredTenancy"] == "DEDICATED"


CUSTOM = {"InfrastructureConfigurationArn": "arn:aws:imagebuilder:us-east-1:123456789012:infrastructure-configuration/x",
          "ComputeType": "BASE", "Platform": "WINDOWS", "OsVersion": "Windows_11", "Protocol": "DCV",
          "ImageSource": {"Ec2ImportTaskId": "import-ami-0123456789abcdef0"}}  # fmt: skip


@case("ImportCustomWorkspaceImage")
def _(e: Env) -> None:
    name = e.unique("custom")
    out = e.ok("ImportCustomWorkspaceImage", {"ImageName": name, "ImageDescription": "c", **CUSTOM})
    status = e.client().describe_custom_workspace_image_import(ImageId=out["ImageId"])
    assert status["State"] == out["State"] == "PENDING"


@case("DescribeCustomWorkspaceImageImport")
def _(e: Env) -> None:
    image = e.client().import_custom_workspace_image(ImageName=e.unique("c"), ImageDescription="c", **CUSTOM)["ImageId"]
    out = e.ok("DescribeCustomWorkspaceImageImport", {"ImageId": image})
    assert out["ImageId"] == image


@case("UpdateWorkspaceImagePermission")
def _(e: Env) -> None:
    image = e.image()
    e.ok("UpdateWorkspaceImagePermission", {"ImageId": image, "AllowCopyImage": True,
                                            "SharedAccountId": OTHER_ACCOUNT})  # fmt: skip
    perms = e.client().describe_workspace_image_permissions(ImageId=image)["ImagePermissions"]
    assert [p["SharedAccountId"] for p in perms] == [OTHER_ACCOUNT]
    e.ok("UpdateWorkspaceImagePermission", {"ImageId": image, "AllowCopyImage": False,
                                            "SharedAccountId": OTHER_ACCOUNT})  # fmt: skip
    assert e.client().describe_workspace_image_permissions(ImageId=image)["ImagePermissions"] == []


@case("DescribeWorkspaceImagePermissions")
def _(e: Env) -> None:
    image = e.image()
    e.client().update_workspace_image_permission(ImageId=image, AllowCopyImage=True, SharedAccountId=OTHER_ACCOUNT)
    out = e.ok("DescribeWorkspaceImagePermissions", {"ImageId": image})
    assert [p["SharedAccountId"] for p in out["ImagePermissions"]] == [OTHER_ACCOUNT]


@case("DescribeImageAssociations")
def _(e: Env) -> None:
    image = _image_with_app(e)
    out = e.ok("DescribeImageAssociations", {"ImageId": image, "AssociatedResourceTypes": ["APPLICATION"]})
    assert [(a["AssociatedResourceId"], a["ImageId"]) for a in out["Associations"]] == [(APP, image)]


@case("DeleteWorkspaceImage")
def _(e: Env) -> None:
    used = e.image()
    e.bundle(used)
    e.refused("DeleteWorkspaceImage", {"ImageId": used}, "ResourceAssociatedException")
    image = e.image()
    e.ok("DeleteWorkspaceImage", {"ImageId": image})
    assert e.client().describe_workspace_images(ImageIds=[image])["Images"] == []


# -- IP access groups ----------------------------------------------------------------------
@case("DescribeIpGroups")
def _(e: Env) -> None:
    group = e.ip_group(["203.0.113.0/24"])
    [found] = e.ok("DescribeIpGroups", {"GroupIds": [group]})["Result"]
    assert [r["ipRule"] for r in found["userRules"]] == ["203.0.113.0/24"]


@case("CreateIpGroup")
def _(e: Env) -> None:
    name = e.unique("office")
    out = e.ok("CreateIpGroup", {"GroupName": name, "GroupDesc": "hq",
                                 "UserRules": [{"ipRule": "198.51.100.0/24", "ruleDesc": "hq"}]})  # fmt: skip
    [found] = e.client().describe_ip_groups(GroupIds=[out["GroupId"]])["Result"]
    assert found["groupName"] == name and found["userRules"][0]["ruleDesc"] == "hq"


@case("AuthorizeIpRules")
def _(e: Env) -> None:
    group = e.ip_group(["10.0.0.0/8"])
    e.ok("AuthorizeIpRules", {"GroupId": group, "UserRules": [{"ipRule": "192.0.2.0/24"}]})
    assert e.rules(group) == ["10.0.0.0/8", "192.0.2.0/24"]


@case("RevokeIpRules")
def _(e: Env) -> None:
    group = e.ip_group(["10.0.0.0/8", "192.0.2.0/24"])
    e.ok("RevokeIpRules", {"GroupId": group, "UserRules": ["10.0.0.0/8"]})
    assert e.rules(group) == ["192.0.2.0/24"]


@case("UpdateRulesOfIpGroup")
def _(e: Env) -> None:
    group = e.ip_group(["10.0.0.0/8", "192.0.2.0/24"])
    e.ok("UpdateRulesOfIpGroup", {"GroupId": group, "UserRules": [{"ipRule": "198.51.100.7/32"}]})
    assert e.rules(group) == ["198.51.100.7/32"]


@case("DeleteIpGroup")
def _(e: Env) -> None:
    group = e.ip_group()
    e.client().associate_ip_groups(DirectoryId=e.directory(), GroupIds=[group])
    e.refused("DeleteIpGroup", {"GroupId": group}, "ResourceAssociatedException")
    e.client().disassociate_ip_groups(DirectoryId=e.directory(), GroupIds=[group])
    e.ok("DeleteIpGroup", {"GroupId": group})
    assert e.client().describe_ip_groups(GroupIds=[group])["Result"] == []


# -- connection aliases --------------------------------------------------------------------
@case("DescribeConnectionAliases")
def _(e: Env) -> None:
    alias = e.alias()
    [found] = e.ok("DescribeConnectionAliases", {"AliasIds": [alias]})["ConnectionAliases"]
    assert found["State"] == "CREATED"


@case("CreateConnectionAlias")
def _(e: Env) -> None:
    conn = f"{e.unique('vdi')}.example.org"
    alias = e.ok("CreateConnectionAlias", {"ConnectionString": conn})["AliasId"]
    found = e.describe_alias(alias)
    assert (found["ConnectionString"], found["State"]) == (conn, "CREATING")
    e.refused("CreateConnectionAlias", {"ConnectionString": conn}, "ResourceAlreadyExistsException")


@case("UpdateConnectionAliasPermission")
def _(e: Env) -> None:
    alias = e.alias()
    perm = {"SharedAccountId": OTHER_ACCOUNT, "AllowAssociation": True}
    e.ok("UpdateConnectionAliasPermission", {"AliasId": alias, "ConnectionAliasPermission": perm})
    got = e.client().describe_connection_alias_permissions(AliasId=alias)["ConnectionAliasPermissions"]
    assert got == [perm]


@case("DescribeConnectionAliasPermissions")
def _(e: Env) -> None:
    alias = e.alias()
    perm = {"SharedAccountId": OTHER_ACCOUNT, "AllowAssociation": True}
    e.client().update_connection_alias_permission(AliasId=alias, ConnectionAliasPermission=perm)
    out = e.ok("DescribeConnectionAliasPermissions", {"AliasId": alias})
    assert out["AliasId"] == alias and out["ConnectionAliasPermissions"] == [perm]


@case("AssociateConnectionAlias")
def _(e: Env) -> None:
    creating = e.client().create_connection_alias(ConnectionString=f"{e.unique('n')}.example.com")["AliasId"]
    d = e.directory()
    e.refused("AssociateConnectionAlias", {"AliasId": creating, "ResourceId": d}, "InvalidResourceStateException")
    alias = e.alias()
    e.ok("AssociateConnectionAlias", {"AliasId": alias, "ResourceId": d})
    assoc = e.describe_alias(alias)["Associations"]
    assert [(a["ResourceId"], a["AssociatedAccountId"]) for a in assoc] == [(d, e.sim.account)]


@case("DisassociateConnectionAlias")
def _(e: Env) -> None:
    alias = e.alias()
    e.client().associate_connection_alias(AliasId=alias, ResourceId=e.directory(index=1))
    e.ok("DisassociateConnectionAlias", {"AliasId": alias})
    assert not e.describe_alias(alias).get("Associations")


@case("DeleteConnectionAlias")
def _(e: Env) -> None:
    alias = e.alias()
    perm = {"SharedAccountId": OTHER_ACCOUNT, "AllowAssociation": True}
    e.client().update_connection_alias_permission(AliasId=alias, ConnectionAliasPermission=perm)
    e.refused("DeleteConnectionAlias", {"AliasId": alias}, "ResourceAssociatedException")
    e.client().update_connection_alias_permission(
        AliasId=alias, ConnectionAliasPermission={**perm, "AllowAssociation": False})
    e.ok("DeleteConnectionAlias", {"AliasId": alias})
    left = e.client().describe_connection_aliases(AliasIds=[alias])["ConnectionAliases"]
    assert [a["State"] for a in left] in ([], ["DELETING"])


# -- pools ---------------------------------------------------------------------------------
@case("DescribeWorkspacesPools")
def _(e: Env) -> None:
    pool = e.pool()["PoolId"]
    out = e.ok("DescribeWorkspacesPools", {"PoolIds": [pool]})
    assert [p["PoolId"] for p in out["WorkspacesPools"]] == [pool]


@case("CreateWorkspacesPool")
def _(e: Env) -> None:
    name = e.unique("pool")
    out = e.ok("CreateWorkspacesPool", {
        "PoolName": name, "Description": "p", "BundleId": amazon_bundle(), "DirectoryId": e.directory(),
        "Capacity": {"DesiredUserSessions": 4}})  # fmt: skip
    found = e.describe_pool(out["WorkspacesPool"]["PoolId"])
    assert found["PoolName"] == name and found["CapacityStatus"]["DesiredUserSessions"] == 4


def _settled_pool(e: Env) -> str:
    pool = e.pool()["PoolId"]
    e.sim.clock.advance(3600)
    return pool


@case("UpdateWorkspacesPool")
def _(e: Env) -> None:
    pool = _settled_pool(e)
    e.ok("UpdateWorkspacesPool", {"PoolId": pool, "Capacity": {"DesiredUserSessions": 7}})
    assert e.describe_pool(pool)["CapacityStatus"]["DesiredUserSessions"] == 7


@case("StartWorkspacesPool")
def _(e: Env) -> None:
    pool = _settled_pool(e)
    state = e.describe_pool(pool)["State"]
    if state == "RUNNING":
        e.refused("StartWorkspacesPool", {"PoolId": pool}, "InvalidResourceStateException")
        e.client().stop_workspaces_pool(PoolId=pool)
        e.sim.clock.advance(3600)
    e.ok("StartWorkspacesPool", {"PoolId": pool})
    assert e.describe_pool(pool)["State"] == "STARTING"


@case("StopWorkspacesPool")
def _(e: Env) -> None:
    pool = _settled_pool(e)
    if e.describe_pool(pool)["State"] != "RUNNING":
        e.client().start_workspaces_pool(PoolId=pool)
        e.sim.clock.advance(3600)
    e.ok("StopWorkspacesPool", {"PoolId": pool})
    assert e.describe_pool(pool)["State"] == "STOPPING"


@case("TerminateWorkspacesPool")
def _(e: Env) -> None:
    pool = _settled_pool(e)
    e.ok("TerminateWorkspacesPool", {"PoolId": pool})
    left = e.client().describe_workspaces_pools(PoolIds=[pool])["WorkspacesPools"]
    assert [p["State"] for p in left] in ([], ["DELETING"])


def _running_pool(e: Env) -> str:
    pool = _settled_pool(e)
    if e.describe_pool(pool)["State"] != "RUNNING":
        e.client().start_workspaces_pool(PoolId=pool)
        e.sim.clock.advance(3600)
    return pool


@case("DescribeWorkspacesPoolSessions")
def _(e: Env) -> None:
    pool = _running_pool(e)
    out = e.ok("DescribeWorkspacesPoolSessions", {"PoolId": pool})
    assert out["Sessions"] and {s["PoolId"] for s in out["Sessions"]} == {pool}


@case("TerminateWorkspacesPoolSession")
def _(e: Env) -> None:
    pool = _running_pool(e)
    sessions = e.client().describe_workspaces_pool_sessions(PoolId=pool)["Sessions"]
    gone = sessions[0]["SessionId"]
    e.ok("TerminateWorkspacesPoolSession", {"SessionId": gone})
    left = e.client().describe_workspaces_pool_sessions(PoolId=pool)["Sessions"]
    assert gone not in [s["SessionId"] for s in left]


# -- account -------------------------------------------------------------------------------
@case("DescribeAccount")
def _(e: Env) -> None:
    out = e.ok("DescribeAccount", {})
    assert out["DedicatedTenancySupport"] in ("ENABLED", "DISABLED")


@case("ModifyAccount")
def _(e: Env) -> None:
    e.refused("ModifyAccount", {"DedicatedTenancySupport": "ENABLED",
                                "DedicatedTenancyManagementCidrRange": "8.8.0.0/16"},
              "InvalidParameterValuesException")  # fmt: skip
    e.ok("ModifyAccount", {"DedicatedTenancySupport": "ENABLED",
                           "DedicatedTenancyManagementCidrRange": "192.168.0.0/16"})  # fmt: skip
    acct = e.client().describe_account()
    assert acct["DedicatedTenancySupport"] == "ENABLED"
    assert acct["DedicatedTenancyManagementCidrRange"] == "192.168.0.0/16"


@case("DescribeAccountModifications")
def _(e: Env) -> None:
    _enable_byol(e, US)
    out = e.ok("DescribeAccountModifications", {})
    assert "ENABLED" in [m["DedicatedTenancySupport"] for m in out["AccountModifications"]]


@case("ListAvailableManagementCidrRanges")
def _(e: Env) -> None:
    out = e.ok("ListAvailableManagementCidrRanges", {"ManagementCidrRangeConstraint": "172.16.0.0/12",
                                                     "MaxResults": 2})  # fmt: skip
    assert out["ManagementCidrRanges"] == ["172.16.0.0/16", "172.17.0.0/16"]


def _invite(e: Env, region: str = US) -> str:
    account = f"{444455550000 + e.counter:012d}"
    e.counter += 1
    return e.client(region).create_account_link_invitation(TargetAccountId=account)["AccountLink"]["AccountLinkId"]


def _link(e: Env, link: str, region: str = US) -> dict:
    return e.client(region).get_account_link(LinkId=link)["AccountLink"]


@case("CreateAccountLinkInvitation")
def _(e: Env) -> None:
    e.refused("CreateAccountLinkInvitation", {"TargetAccountId": e.sim.account}, "InvalidParameterValuesException")
    out = e.ok("CreateAccountLinkInvitation", {"TargetAccountId": "999988887777"})
    link = _link(e, out["AccountLink"]["AccountLinkId"])
    assert (link["TargetAccountId"], link["AccountLinkStatus"]) == ("999988887777",
                                                                    "PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT")


@case("AcceptAccountLinkInvitation")
def _(e: Env) -> None:
    link = _invite(e)
    e.ok("AcceptAccountLinkInvitation", {"LinkId": link})
    assert _link(e, link)["AccountLinkStatus"] == "LINKED"


@case("RejectAccountLinkInvitation")
def _(e: Env) -> None:
    link = _invite(e)
    e.ok("RejectAccountLinkInvitation", {"LinkId": link})
    assert _link(e, link)["AccountLinkStatus"] == "REJECTED"
    e.refused("RejectAccountLinkInvitation", {"LinkId": link}, "InvalidResourceStateException")


@case("DeleteAccountLinkInvitation")
def _(e: Env) -> None:
    link = _invite(e)
    e.ok("DeleteAccountLinkInvitation", {"LinkId": link})
    assert link not in [x["AccountLinkId"] for x in e.client().list_account_links()["AccountLinks"]]


@case("GetAccountLink")
def _(e: Env) -> None:
    link = _invite(e, EU)
    out = e.ok("GetAccountLink", {"LinkId": link}, EU)
    assert out["AccountLink"]["AccountLinkId"] == link


@case("ListAccountLinks")
def _(e: Env) -> None:
    link = _invite(e, EU)
    out = e.ok("ListAccountLinks", {"LinkStatusFilter": ["PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT"]}, EU)
    assert link in [x["AccountLinkId"] for x in out["AccountLinks"]]


@case("DescribeApplications")
def _(e: Env) -> None:
    out = e.ok("DescribeApplications", {"ApplicationIds": [APP]})
    assert [a["ApplicationId"] for a in out["Applications"]] == [APP]


@case("DescribeApplicationAssociations")
def _(e: Env) -> None:
    ws_id = e.workspace()
    e.client().associate_workspace_application(WorkspaceId=ws_id, ApplicationId=APP)
    out = e.ok("DescribeApplicationAssociations", {"ApplicationId": APP, "AssociatedResourceTypes": ["WORKSPACE"]})
    assert (ws_id, "WORKSPACE") in [(a["AssociatedResourceId"], a["AssociatedResourceType"])
                                    for a in out["Associations"]]


# -- the tests -----------------------------------------------------------------------------
def test_every_registered_operation_has_a_case() -> None:
    assert sorted(set(ops.OPERATIONS) - set(CASES)) == []
    assert sorted(set(CASES) - set(ops.OPERATIONS)) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_operation_sent_through_the_app_path(env: Env, name: str) -> None:
    CASES[name](env)
