"""The operations registry: fields from the model, request building, preflight, audited send."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.gw import gateway
from wstui import cli
from wstui.core import act
from wstui.core.act import ops
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache

US = "us-east-1"


def test_resolve_by_api_or_cli_name_and_unknown_names() -> None:
    assert ops.resolve("create-connection-alias") is ops.OPERATIONS["CreateConnectionAlias"]
    assert ops.resolve("CreateConnectionAlias").cli == "create-connection-alias"
    with pytest.raises(ops.OperationError, match="unknown operation"):
        ops.resolve("create-connection-aliass-x")


def test_fields_flatten_structures_and_build_typed_requests() -> None:
    names = [f.name for f in act.fields("UpdateConnectionAliasPermission")]
    assert names == ["AliasId", "ConnectionAliasPermission.SharedAccountId",
                     "ConnectionAliasPermission.AllowAssociation"]  # fmt: skip
    req = act.build_request("CreateIpGroup", {"GroupName": "office", "UserRules": "203.0.113.0/24 hq, 10.0.0.1",
                                              "Tags": "Team=a=b, Env=prod"})  # fmt: skip
    assert req == {"GroupName": "office",
                   "UserRules": [{"ipRule": "203.0.113.0/24", "ruleDesc": "hq"}, {"ipRule": "10.0.0.1"}],
                   "Tags": [{"Key": "Team", "Value": "a=b"}, {"Key": "Env", "Value": "prod"}]}  # fmt: skip
    with pytest.raises(ops.OperationError, match="AllowAssociation"):
        act.build_request("UpdateConnectionAliasPermission", {"ConnectionAliasPermission.AllowAssociation": "maybe"})


def test_preflight_explains_alias_and_ipgroup_refusals(tmp_path: Path) -> None:
    op = ops.OPERATIONS["DeleteConnectionAlias"]
    creating = {"id": "wsca-1", "raw": {"State": "CREATING"}}
    assert "must be CREATED" in ops.preflight(op, creating, {"AliasId": "wsca-1"})
    shared = {"id": "wsca-1", "raw": {"State": "CREATED", "ConnectionAliasPermissions": [
        {"SharedAccountId": "111122223333", "AllowAssociation": True}]}}  # fmt: skip
    assert "shared with 111122223333" in ops.preflight(op, shared, {"AliasId": "wsca-1"})
    assoc = {"id": "wsca-1", "raw": {"State": "CREATED", "Associations": [{"ResourceId": "d-1"}]}}
    assert "disassociate it first" in ops.preflight(op, assoc, {"AliasId": "wsca-1"})
    assert ops.preflight(op, {"id": "wsca-1", "raw": {"State": "CREATED"}}, {"AliasId": "wsca-1"}) is None


def test_send_is_audited_and_reports_service_errors(sim: Any, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    clients = Clients(max_attempts=1)
    target = Target(None, US, sim.account)
    op = ops.OPERATIONS["CreateIpGroup"]
    ok = act.send(op, {"GroupName": "hq", "UserRules": [{"ipRule": "203.0.113.0/24"}]}, gateway(clients, cache), target)
    assert ok.ok and ok.response["GroupId"].startswith("wsipg-")
    group = sim.calls_to("CreateIpGroup")[-1].params
    assert group["GroupName"] == "hq"
    d = sim.report.directories[US][0]
    assoc = act.send(ops.OPERATIONS["AssociateIpGroups"], {"DirectoryId": d, "GroupIds": [ok.response["GroupId"]]},
                     gateway(clients, cache), target)  # fmt: skip
    assert assoc.ok
    refused = act.send(ops.OPERATIONS["DeleteIpGroup"], {"GroupId": ok.response["GroupId"]}, gateway(clients, cache), target)
    assert not refused.ok and refused.code == "ResourceAssociatedException"
    audit = cache.audit(limit=3)
    assert [a["action"] for a in audit] == ["DeleteIpGroup", "AssociateIpGroups", "CreateIpGroup"]
    assert audit[0]["items"][0]["code"] == "ResourceAssociatedException"
    cache.close()


def test_cli_op_validates_confirms_and_sends(sim_url: str, sim: Any, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]
    assert cli.main([*base, "op", "create-connection-alias", "-p", "ConnectionString=nope"]) == cli.EXIT_USAGE
    assert "fully qualified" in capsys.readouterr().err
    assert cli.main([*base, "op", "create-connection-alias", "-p", "ConnectionString=vdi.example.org"]) == cli.EXIT_UNCONFIRMED
    assert sim.calls_to("CreateConnectionAlias") == []
    capsys.readouterr()
    assert cli.main([*base, "op", "create-connection-alias", "-p", "ConnectionString=vdi.example.org", "--yes"]) == 0
    out = capsys.readouterr().out
    alias_id = json.loads(out[out.index("{", out.index("\n")):])["AliasId"]
    assert sim.calls_to("CreateConnectionAlias")[-1].params == {"ConnectionString": "vdi.example.org"}
    assert cli.main([*base, "op", "describe-connection-aliases", "-p", f"AliasIds={alias_id}"]) == 0
    assert "vdi.example.org" in capsys.readouterr().out


def test_cli_op_destructive_needs_the_id_typed(sim_url: str, sim: Any, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]
    import boto3

    group = boto3.client("workspaces", region_name=US).create_ip_group(GroupName="tmp")["GroupId"]
    delete = [*base, "op", "delete-ip-group", "-p", f"GroupId={group}", "--yes"]
    assert cli.main(delete) == cli.EXIT_UNCONFIRMED
    assert f"--confirm {group}" in capsys.readouterr().err
    assert cli.main([*delete, "--confirm", "wsipg-other0000"]) == cli.EXIT_UNCONFIRMED
    assert sim.calls_to("DeleteIpGroup") == []
    assert cli.main([*delete, "--confirm", group]) == 0
    assert [c.params for c in sim.calls_to("DeleteIpGroup")] == [{"GroupId": group}]


def test_destructive_single_resource_operations_confirm_by_id_or_name() -> None:
    for name in ("DeleteConnectionAlias", "DeleteIpGroup", "DeleteWorkspaceBundle", "DeleteWorkspaceImage",
                 "DeregisterWorkspaceDirectory", "TerminateWorkspacesPool", "TerminateWorkspacesPoolSession",
                 "DeleteAccountLinkInvitation", "DeleteConnectClientAddIn", "RestoreWorkspace"):  # fmt: skip
        assert ops.OPERATIONS[name].destructive, name
    group = {"id": "wsipg-12345678", "name": "office", "raw": {"groupName": "office"}}
    assert ops.confirm_words(ops.OPERATIONS["DeleteIpGroup"], {"GroupId": "wsipg-12345678"}, group) == [
        "wsipg-12345678", "office"]  # fmt: skip
    add_in = {"ResourceId": "d-1234567890", "AddInId": "0f8a-addin"}
    assert ops.confirm_words(ops.OPERATIONS["DeleteConnectClientAddIn"], add_in)[0] == "0f8a-addin"
    assert ops.confirm_words(ops.OPERATIONS["DeleteAccountLinkInvitation"], {"LinkId": "link-1"}) == ["link-1"]
    pool = {"PoolId": "wspool-abcdefghi"}
    assert ops.confirm_words(ops.OPERATIONS["TerminateWorkspacesPool"], pool)[0] == "wspool-abcdefghi"
