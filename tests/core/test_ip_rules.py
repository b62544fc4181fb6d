"""The rules editor's plan: the fewest calls that turn the group's rules into the copy."""

from __future__ import annotations

from wstui.core.act.ip_rules import Rule, check_rule, plan_rules, rules_of
from wstui.core.validate import validate

G = "wsipg-abcdefgh1"
A, B, C = Rule("10.0.0.0/8", "lan"), Rule("192.0.2.0/24"), Rule("198.51.100.7")


def test_additions_only_authorize_removals_only_revoke() -> None:
    [call] = plan_rules(G, [A], [A, B])
    assert (call.operation, call.request) == ("AuthorizeIpRules", {"GroupId": G, "UserRules": [{"ipRule": "192.0.2.0/24"}]})
    [call] = plan_rules(G, [A, B], [B])
    assert (call.operation, call.request) == ("RevokeIpRules", {"GroupId": G, "UserRules": ["10.0.0.0/8"]})
    assert plan_rules(G, [A, B], [A, B]) == []


def test_mixed_or_edited_rules_replace_the_list_in_one_update() -> None:
    [call] = plan_rules(G, [A, B], [Rule("10.0.0.0/8", "office"), C])
    assert call.operation == "UpdateRulesOfIpGroup"
    assert call.request["UserRules"] == [{"ipRule": "10.0.0.0/8", "ruleDesc": "office"}, {"ipRule": "198.51.100.7"}]
    assert "remove 192.0.2.0/24" in call.summary and "edit 10.0.0.0/8" in call.summary
    assert validate(call.operation, call.request) == []


def test_check_rule_cidr_duplicates_and_rules_from_the_cache() -> None:
    assert "not a CIDR block" in check_rule("10.0.0.300/8", "", [])
    assert "not a CIDR block" in check_rule("[bold]x[/]", "", [])
    assert "already rule 1" in check_rule("10.0.0.0/8", "", [A])
    assert check_rule("10.0.0.0/8", "new desc", [A], editing=0) is None
    assert "at most" in check_rule("10.1.0.0/16", "x" * 300, [])
    assert rules_of({"userRules": [{"ipRule": "10.0.0.0/8", "ruleDesc": "lan"}, {"bad": 1}, "junk"]}) == [A]
