"""The kind registry: names, aliases, extractors on realistic and broken API items."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wstui.core.kinds import KEY_COLUMNS, KINDS, resolve, tags_of


def workspace_item() -> dict:
    """A DescribeWorkspaces item as boto3 returns it, plus what the lister merges in."""
    return {
        "WorkspaceId": "ws-abc123def4",
        "DirectoryId": "d-1234567890",
        "UserName": "jdoe",
        "IpAddress": "10.0.1.17",
        "State": "AVAILABLE",
        "BundleId": "wsb-0123456789",
        "SubnetId": "subnet-0123abcd",
        "ComputerName": "WSAMZN-ABC123",
        "WorkspaceProperties": {
            "RunningMode": "AUTO_STOP",
            "RunningModeAutoStopTimeoutInMinutes": 60,
            "RootVolumeSizeGib": 80,
            "UserVolumeSizeGib": 50,
            "ComputeTypeName": "STANDARD",
            "Protocols": ["WSP", "PCOIP"],
            "OperatingSystemName": "WINDOWS_SERVER_2022",
        },
        "ConnectionStatus": {
            "WorkspaceId": "ws-abc123def4",
            "ConnectionState": "DISCONNECTED",
            "LastKnownUserConnectionTimestamp": datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        },
        "Tags": [{"Key": "Team", "Value": "eng"}, {"Key": "Cost", "Value": "42"}],
    }


def test_every_kind_resolves_by_name_and_alias() -> None:
    expected = {
        "workspaces": ("ws", "workspace"),
        "directories": ("dir",),
        "bundles": ("bundle",),
        "images": ("image", "img"),
        "ipgroups": ("ipgroup", "ip"),
        "aliases": ("alias", "connectionalias"),
        "pools": ("pool",),
    }
    assert set(KINDS) == set(expected)
    for name, aliases in expected.items():
        assert resolve(name).name == name
        for alias in aliases:
            assert resolve(alias).name == name
            assert resolve(alias.upper()).name == name


def test_unknown_kind_suggests_close_names() -> None:
    with pytest.raises(KeyError, match="workspaces"):
        resolve("worksapces")
    with pytest.raises(KeyError, match="images"):
        resolve("imags")


def test_workspace_columns_extracted_from_a_realistic_item() -> None:
    row = KINDS["workspaces"].extract_row(workspace_item())
    assert row["user"] == "jdoe"
    assert row["computer"] == "WSAMZN-ABC123"
    assert row["state"] == "AVAILABLE"
    assert row["ip"] == "10.0.1.17"
    assert row["directory"] == "d-1234567890"
    assert row["bundle"] == "wsb-0123456789"
    assert row["running_mode"] == "AUTO_STOP"
    assert row["compute"] == "STANDARD"
    assert (row["root_gb"], row["user_gb"], row["auto_stop_min"]) == (80, 50, 60)
    assert row["protocol"] == "PCOIP,WSP"
    assert row["connection"] == "DISCONNECTED"
    assert row["last_connected"] == datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()
    assert row["tags"] == "Cost=42 Team=eng"
    # Key columns come from the target, derived ones from SQL: neither is extracted.
    assert not set(KEY_COLUMNS) & set(row)
    assert "idle_days" not in row


@pytest.mark.parametrize(
    "item",
    [
        {},
        {"WorkspaceId": "ws-x"},
        {"WorkspaceProperties": None, "ConnectionStatus": "garbage", "Tags": "nope"},
        {"WorkspaceProperties": {"RootVolumeSizeGib": "not-a-number", "Protocols": 7}},
        {"ConnectionStatus": {"LastKnownUserConnectionTimestamp": "yesterday-ish"}},
        {"Tags": [None, {"Value": "no key"}, {"Key": "k"}]},
    ],
)
def test_extractors_survive_missing_and_malformed_keys(item: dict) -> None:
    for kind in KINDS.values():
        row = kind.extract_row(item)
        assert set(row) == {c.name for c in kind.stored_columns}
    ws = KINDS["workspaces"].extract_row(item)
    assert ws["root_gb"] is None or isinstance(ws["root_gb"], int)
    assert ws["last_connected"] is None


def test_timestamps_accept_iso_strings_from_a_json_round_trip() -> None:
    item = workspace_item()
    item["ConnectionStatus"]["LastKnownUserConnectionTimestamp"] = "2024-05-01T12:00:00+00:00"
    row = KINDS["workspaces"].extract_row(item)
    assert row["last_connected"] == datetime(2024, 5, 1, 12, 0, tzinfo=UTC).timestamp()


def test_other_kinds_extract_their_key_fields() -> None:
    bundle = {
        "BundleId": "wsb-abcdefgh",
        "Name": "Standard with Windows",
        "Owner": "AMAZON",
        "ComputeType": {"Name": "STANDARD"},
        "RootStorage": {"Capacity": "80"},
        "UserStorage": {"Capacity": "50"},
    }
    row = KINDS["bundles"].extract_row(bundle)
    assert (row["compute"], row["root_gb"], row["user_gb"], row["owner"]) == (
        "STANDARD",
        80,
        50,
        "AMAZON",
    )
    group = {
        "groupId": "wsipg-12345678",
        "groupName": "office",
        "userRules": [{"ipRule": "10.0.0.0/8"}, {"ipRule": "192.168.0.0/16"}],
    }
    row = KINDS["ipgroups"].extract_row(group)
    assert (row["rule_count"], row["cidrs"]) == (2, "10.0.0.0/8,192.168.0.0/16")
    alias = {
        "AliasId": "wsca-12345678",
        "ConnectionString": "ws.example.com",
        "State": "CREATED",
        "ConnectionAliasPermissions": [
            {"SharedAccountId": "111122223333", "AllowAssociation": True},
            {"SharedAccountId": "444455556666", "AllowAssociation": False},
        ],
    }
    assert KINDS["aliases"].extract_row(alias)["shared_with"] == "111122223333"
    pool = {
        "PoolId": "wspool-abcdefghi",
        "PoolName": "p",
        "State": "RUNNING",
        "CapacityStatus": {
            "ActiveUserSessions": 3,
            "AvailableUserSessions": 7,
            "ActualUserSessions": 10,
            "DesiredUserSessions": 10,
        },
    }
    row = KINDS["pools"].extract_row(pool)
    assert (row["active"], row["available"], row["desired"]) == (3, 7, 10)
    assert KINDS["pools"].item_id(pool) == "wspool-abcdefghi"


def test_field_aliases_resolve_to_columns() -> None:
    ws = KINDS["workspaces"]
    assert ws.column("st").name == "state"
    assert ws.column("dir").name == "directory"
    assert ws.column("mode").name == "running_mode"
    assert ws.column("idle").name == "idle_days"
    assert ws.column("connected").name == "last_connected"
    assert {c.name for c in ws.search_columns} == {"id", "user", "computer", "ip", "directory"}
    with pytest.raises(KeyError, match="state"):
        ws.column("stat")


def test_tags_of_ignores_broken_entries_and_dedupes() -> None:
    item = {
        "Tags": [
            {"Key": "b", "Value": "2"},
            {"Key": "a"},
            {"Value": "x"},
            "junk",
            {"Key": "b", "Value": "2"},
        ]
    }
    assert tags_of(item) == [("a", ""), ("b", "2")]


def test_workspaces_kind_lists_every_action_spec() -> None:
    # The registry is the single source of the actions a screen offers.
    from wstui.core.act import ACTIONS

    assert set(resolve("workspaces").actions) == set(ACTIONS)


# The botocore shape of each kind's State: a state colour is declared only for a value
# the API can return for that kind.
STATE_SHAPES = {
    "workspaces": "WorkspaceState", "directories": "WorkspaceDirectoryState",
    "bundles": "WorkspaceBundleState", "images": "WorkspaceImageState",
    "aliases": "ConnectionAliasState", "pools": "WorkspacesPoolState",
}  # fmt: skip


def test_declared_states_are_the_apis_and_colours_are_known() -> None:
    from wstui.core.act.ops import service_model
    from wstui.core.kinds import STYLE_GROUPS

    for name, shape in STATE_SHAPES.items():
        kind = KINDS[name]
        enum = set(service_model().shape_for(shape).enum)
        assert set(kind.states) <= enum, (name, set(kind.states) - enum)
        assert set(kind.transitional) <= enum
        assert set(kind.states.values()) <= set(STYLE_GROUPS)


def test_state_colours_follow_the_kinds_declarations() -> None:
    from wstui.core.kinds import state_group

    assert state_group("REBOOTING") == "transition"  # WorkSpaces
    assert state_group("deregistered") == "stopped"  # directories, any case
    assert state_group("CREATED") is None  # aliases declare no colour for it
    assert state_group(None) is None
    # The follow loop's transitional states are the WorkSpaces kind's.
    from wstui.core.refresh import TRANSITIONAL

    assert KINDS["workspaces"].transitional == TRANSITIONAL
    assert all(state_group(s) == "transition" for s in TRANSITIONAL)
