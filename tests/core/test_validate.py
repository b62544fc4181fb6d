"""validate(): the service model's rules and the reference's extra ones, by parameter path."""

from __future__ import annotations

from wstui.core.validate import is_cidr, is_fqdn, validate


def paths(op: str, request: dict) -> list[str]:
    return [p.path for p in validate(op, request)]


def test_required_pattern_enum_and_lengths() -> None:
    assert paths("CreateConnectionAlias", {}) == ["ConnectionString"]
    assert paths("ModifyWorkspaceState", {"WorkspaceId": "ws-abcdefghi", "WorkspaceState": "X"}) == ["WorkspaceState"]
    assert paths("DeleteIpGroup", {"GroupId": "sg-1"}) == ["GroupId"]  # pattern ^wsipg-...
    assert paths("CreateIpGroup", {"GroupName": ""}) == ["GroupName"]
    assert validate("CreateIpGroup", {"GroupName": "office", "UserRules": [{"ipRule": "203.0.113.0/24"}]}) == []


def test_fqdn_account_cidr_and_tag_rules() -> None:
    bad = validate("CreateConnectionAlias", {"ConnectionString": "desktop"})
    assert [str(p) for p in bad] == ["ConnectionString: 'desktop' is not a fully qualified domain name (e.g. desktop.example.com)"]
    assert validate("CreateConnectionAlias", {"ConnectionString": "desk.example.com"}) == []
    perm = {"AliasId": "wsca-abcdefghi", "ConnectionAliasPermission": {"SharedAccountId": "12345678901", "AllowAssociation": True}}
    assert paths("UpdateConnectionAliasPermission", perm) == ["ConnectionAliasPermission.SharedAccountId"]
    rules = {"GroupId": "wsipg-abcdefgh", "UserRules": [{"ipRule": "10.0.0.0/8"}, {"ipRule": "10.0.0.300/32"}]}
    assert paths("UpdateRulesOfIpGroup", rules) == ["UserRules[1]"]
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    assert "Tags" in paths("CreateTags", {"ResourceId": "ws-abcdefghi", "Tags": tags})
    assert validate("CreateTags", {"ResourceId": "ws-abcdefghi", "Tags": tags[:50]}) == []


def test_helpers_and_hostile_strings() -> None:
    assert is_fqdn("a.example.com") and not is_fqdn("-a.example.com") and not is_fqdn("x" * 300 + ".com")
    assert is_cidr("203.0.113.7") and is_cidr("203.0.113.0/24") and not is_cidr("::1/128")
    for hostile in ("[bold red]x[/]", "\x1b]8;;file:///etc/passwd\x07x", "x" * 1000, "مرحبا.example.com", "\u202e.com"):
        problems = validate("CreateConnectionAlias", {"ConnectionString": hostile})
        assert [p.path for p in problems] == ["ConnectionString"]
        assert len(str(problems[0])) < 200  # long values are shortened in messages
