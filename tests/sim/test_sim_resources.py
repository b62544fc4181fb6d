"""IP groups, connection aliases, pools and tags, with the reference's association rules."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return exc.value.response["Error"]["Code"]


def test_ip_group_lifecycle_and_cannot_delete_while_associated(sim, sim_client):
    client = sim_client(REGION)
    directory = sim.report.directories[REGION][1]
    gid = client.create_ip_group(
        GroupName="lab", GroupDesc="lab", UserRules=[{"ipRule": "10.1.0.0/16", "ruleDesc": "a"}]
    )["GroupId"]
    client.authorize_ip_rules(GroupId=gid, UserRules=[{"ipRule": "10.2.0.0/16"}])
    client.revoke_ip_rules(GroupId=gid, UserRules=["10.1.0.0/16"])
    [group] = client.describe_ip_groups(GroupIds=[gid])["Result"]
    assert [r["ipRule"] for r in group["userRules"]] == ["10.2.0.0/16"]
    client.update_rules_of_ip_group(GroupId=gid, UserRules=[{"ipRule": "192.168.0.0/24"}])
    client.associate_ip_groups(DirectoryId=directory, GroupIds=[gid])
    dirs = client.describe_workspace_directories(DirectoryIds=[directory])["Directories"]
    assert gid in dirs[0]["ipGroupIds"]
    with pytest.raises(ClientError) as exc:
        client.delete_ip_group(GroupId=gid)
    assert _code(exc) == "ResourceAssociatedException"
    client.disassociate_ip_groups(DirectoryId=directory, GroupIds=[gid])
    client.delete_ip_group(GroupId=gid)
    assert client.describe_ip_groups(GroupIds=[gid])["Result"] == []
    with pytest.raises(ClientError) as exc:
        client.delete_ip_group(GroupId=gid)
    assert _code(exc) == "ResourceNotFoundException"
    other = client.create_ip_group(GroupName="lab2")["GroupId"]
    with pytest.raises(ClientError) as exc:
        client.authorize_ip_rules(GroupId=other, UserRules=[{"ipRule": "not-an-ip"}])
    assert _code(exc) == "InvalidParameterValuesException"


def test_ip_groups_page(sim, sim_client):
    client = sim_client(REGION)
    first = client.describe_ip_groups(MaxResults=1)
    assert len(first["Result"]) == 1 and first["NextToken"]
    rest = client.describe_ip_groups(MaxResults=25, NextToken=first["NextToken"])
    names = {g["groupName"] for g in first["Result"] + rest["Result"]}
    assert names == {"office", "vpn", "unused"}


def test_alias_created_state_association_and_sharing_rules(sim, sim_client):
    client = sim_client(REGION)
    directory = sim.report.directories[REGION][1]
    alias_id = client.create_connection_alias(ConnectionString="www.example.org")["AliasId"]
    [alias] = client.describe_connection_aliases(AliasIds=[alias_id])["ConnectionAliases"]
    assert alias["State"] == "CREATING"
    with pytest.raises(ClientError) as exc:  # must be CREATED first
        client.associate_connection_alias(AliasId=alias_id, ResourceId=directory)
    assert _code(exc) == "InvalidResourceStateException"
    sim.clock.advance(10)
    client.associate_connection_alias(AliasId=alias_id, ResourceId=directory)
    with pytest.raises(ClientError) as exc:
        client.associate_connection_alias(AliasId=alias_id, ResourceId=directory)
    assert _code(exc) == "ResourceAssociatedException"
    with pytest.raises(ClientError) as exc:
        client.delete_connection_alias(AliasId=alias_id)
    assert _code(exc) == "ResourceAssociatedException"
    client.disassociate_connection_alias(AliasId=alias_id)
    client.update_connection_alias_permission(
        AliasId=alias_id,
        ConnectionAliasPermission={"SharedAccountId": "111122223333", "AllowAssociation": True},
    )
    perms = client.describe_connection_alias_permissions(AliasId=alias_id)
    assert perms["ConnectionAliasPermissions"] == [
        {"SharedAccountId": "111122223333", "AllowAssociation": True}
    ]
    with pytest.raises(ClientError) as exc:  # still shared
        client.delete_connection_alias(AliasId=alias_id)
    assert _code(exc) == "ResourceAssociatedException"
    with pytest.raises(ClientError) as exc:  # cannot share with the owner itself
        client.update_connection_alias_permission(
            AliasId=alias_id,
            ConnectionAliasPermission={"SharedAccountId": "123456789012", "AllowAssociation": True},
        )
    assert _code(exc) == "InvalidParameterValuesException"
    client.update_connection_alias_permission(
        AliasId=alias_id,
        ConnectionAliasPermission={"SharedAccountId": "111122223333", "AllowAssociation": False},
    )
    client.delete_connection_alias(AliasId=alias_id)
    ids = {a["AliasId"] for a in client.describe_connection_aliases()["ConnectionAliases"]}
    assert alias_id not in ids and len(ids) == 2  # the two seeded ones remain


def test_pools_start_stop_terminate(sim, sim_client):
    client = sim_client(REGION)
    pools = client.describe_workspaces_pools()["WorkspacesPools"]
    by_state = {p["State"]: p["PoolId"] for p in pools}
    assert set(by_state) == {"RUNNING", "STOPPED"}
    stopped = by_state["STOPPED"]
    with pytest.raises(ClientError) as exc:
        client.stop_workspaces_pool(PoolId=stopped)
    assert _code(exc) == "InvalidResourceStateException"
    client.start_workspaces_pool(PoolId=stopped)
    assert client.describe_workspaces_pools(PoolIds=[stopped])["WorkspacesPools"][0]["State"] == (
        "STARTING"
    )
    sim.clock.advance(301)
    assert client.describe_workspaces_pools(PoolIds=[stopped])["WorkspacesPools"][0]["State"] == (
        "RUNNING"
    )
    client.terminate_workspaces_pool(PoolId=stopped)
    sim.clock.advance(301)
    assert stopped not in {p["PoolId"] for p in client.describe_workspaces_pools()["WorkspacesPools"]}


def test_tags_create_merge_delete_and_unknown_resource(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    client.create_tags(ResourceId=ws_id, Tags=[{"Key": "Team", "Value": "qa"},
                                               {"Key": "Temp", "Value": "1"}])  # fmt: skip
    tags = {t["Key"]: t["Value"] for t in client.describe_tags(ResourceId=ws_id)["TagList"]}
    assert tags["Team"] == "qa" and tags["Temp"] == "1"
    client.delete_tags(ResourceId=ws_id, TagKeys=["Temp"])
    keys = [t["Key"] for t in client.describe_tags(ResourceId=ws_id)["TagList"]]
    assert "Temp" not in keys and keys.count("Team") == 1
    with pytest.raises(ClientError) as exc:
        client.describe_tags(ResourceId="ws-nosuchthing")
    assert _code(exc) == "ResourceNotFoundException"


def test_tags_visible_through_resource_groups_tagging_api(sim, sim_client):
    ws_id = sim.report.workspace_ids[REGION][0]
    sim_client(REGION).create_tags(ResourceId=ws_id, Tags=[{"Key": "Probe", "Value": "yes"}])
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    found = tagging.get_resources(TagFilters=[{"Key": "Probe", "Values": ["yes"]}])
    arns = [r["ResourceARN"] for r in found["ResourceTagMappingList"]]
    assert arns == [f"arn:aws:workspaces:{REGION}:123456789012:workspace/{ws_id}"]


def _arn(ws_id: str, region: str = REGION, account: str = "123456789012") -> str:
    return f"arn:aws:workspaces:{region}:{account}:workspace/{ws_id}"


def test_tagging_api_looks_up_workspaces_by_arn(sim, sim_client):
    ids = sim.report.workspace_ids[REGION][:3]
    sim_client(REGION).create_tags(ResourceId=ids[0], Tags=[{"Key": "Owner", "Value": "ana"}])
    sim.clear_calls()
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    asked = [_arn(i) for i in ids] + [_arn("ws-nosuchthing0"), _arn(ids[1], region="eu-west-1")]
    found = tagging.get_resources(ResourceARNList=asked)["ResourceTagMappingList"]
    by_arn = {m["ResourceARN"]: {t["Key"]: t["Value"] for t in m["Tags"]} for m in found}
    # Every WorkSpace of this region and account that exists, and only those.
    assert set(by_arn) == {_arn(i) for i in ids}
    assert by_arn[_arn(ids[0])]["Owner"] == "ana"
    want = {t["Key"]: t["Value"] for t in sim.workspace(REGION, ids[1]).tags}
    assert by_arn[_arn(ids[1])] == want
    (call,) = sim.calls_to("GetResources")  # recorded like every WorkSpaces call
    assert call.params["ResourceARNList"] == asked and call.region == REGION


TOO_MANY_ARNS = [_arn(f"ws-{i:010d}") for i in range(101)]


@pytest.mark.parametrize(
    "extra", [{"ResourceARNList": TOO_MANY_ARNS}, {"ResourcesPerPage": 50}, {"PaginationToken": "x"}]
)
def test_tagging_api_refuses_bad_arn_lists(sim, extra):
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION)
    params = {"ResourceARNList": [_arn("ws-0000000001")], **extra}
    with pytest.raises(ClientError) as exc:
        tagging.get_resources(**params)
    assert _code(exc) == "InvalidParameterException"


def test_tagging_api_calls_pass_through_faults(sim):
    from botocore.config import Config

    config = Config(retries={"total_max_attempts": 1, "mode": "standard"})
    tagging = boto3.client("resourcegroupstaggingapi", region_name=REGION, config=config)
    sim.faults.configure(denied={"GetResources"})
    with pytest.raises(ClientError) as exc:
        tagging.get_resources(ResourceARNList=[_arn(sim.report.workspace_ids[REGION][0])])
    assert _code(exc) == "AccessDeniedException"
    sim.faults.configure(denied=set(), throttle_rate=1.0)
    with pytest.raises(ClientError) as exc:
        tagging.get_resources(ResourceTypeFilters=["workspaces:workspace"])
    assert _code(exc) == "ThrottlingException"
    assert [c.fault for c in sim.calls_to("GetResources")] == ["denied", "throttle"]


def test_seed_gives_each_region_its_images(sim, sim_client):
    for region in sim.report.workspace_ids:
        images = sim_client(region).describe_workspace_images()["Images"]
        assert sorted(i["Name"] for i in images) == [
            "golden-win2022-2026-10", "golden-win2022-dev-2026-09"
        ]
        assert all(i["State"] == "AVAILABLE" and i["OperatingSystem"]["Type"] == "WINDOWS"
                   for i in images)  # fmt: skip
