"""The query language: table tests against a real cache, malformed input, fuzzing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wstui.core.cache import Cache
from wstui.core.query import QueryError, compile

NOW = datetime(2024, 6, 1, tzinfo=UTC).timestamp()
DAY = 86400.0


@dataclass(frozen=True)
class Target:
    profile: str | None
    region: str
    account: str = "123456789012"


def ws(
    wid: str,
    user: str,
    state: str,
    *,
    root: int = 80,
    mode: str = "AUTO_STOP",
    idle_days: float | None = 1,
    computer: str | None = None,
    tags: dict | None = None,
    ip: str = "10.0.0.1",
    directory: str = "d-1111111111",
) -> dict:
    last = None if idle_days is None else datetime.fromtimestamp(NOW - idle_days * DAY, UTC)
    return {
        "WorkspaceId": wid,
        "UserName": user,
        "State": state,
        "IpAddress": ip,
        "DirectoryId": directory,
        "BundleId": "wsb-0123456789",
        "ComputerName": computer or f"WSAMZN-{wid[3:]}",
        "WorkspaceProperties": {
            "RunningMode": mode,
            "RootVolumeSizeGib": root,
            "UserVolumeSizeGib": 50,
            "ComputeTypeName": "STANDARD",
            "RunningModeAutoStopTimeoutInMinutes": 60,
        },
        "ConnectionStatus": {
            "ConnectionState": "DISCONNECTED",
            "LastKnownUserConnectionTimestamp": last,
        },
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


FLEET = [
    ws("ws-aaaa0001", "alice", "AVAILABLE", root=80, idle_days=2, tags={"Team": "eng"}),
    ws("ws-aaaa0002", "bob", "STOPPED", root=175, idle_days=45, tags={"Team": "ops", "Cost": "7"}),
    ws(
        "ws-aaaa0003",
        "John Smith",
        "AVAILABLE",
        root=1024,
        mode="ALWAYS_ON",
        idle_days=None,
        ip="192.168.1.5",
        directory="d-2222222222",
    ),
    ws(
        "ws-aaaa0004",
        "carol_x",
        "ERROR",
        root=80,
        idle_days=31,
        computer="HOST-100%",
        tags={"Cost Center": "a b"},
    ),
    ws(
        "ws-aaaa0005",
        "[bold red]x[/]",
        "REBOOTING",
        idle_days=10,
        tags={"Note": "[link=file:///etc/passwd]"},
    ),
    ws("ws-aaaa0006", "Émile", "STOPPED", root=80, idle_days=0.5, mode="MANUAL"),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cache]:
    c = Cache(Path(tmp_path_factory.mktemp("q")) / "cache.sqlite")
    c.replace_snapshot("workspaces", Target(None, "us-east-1"), FLEET)
    yield c
    c.close()


def ids(cache: Cache, text: str) -> set[str]:
    where, params = compile(text, "workspaces", now=NOW)
    return {r["id"][-1] for r in cache.query("ws", where, params, limit=None)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "123456"),
        ("   ", "123456"),
        # bare words: substring over id, user, computer, ip, directory; case-insensitive
        ("alice", "1"),
        ("ALI", "1"),
        ("smith", "3"),
        ("192.168", "3"),
        ("d-2222", "3"),
        ("aaaa000", "123456"),
        ("0005", "5"),
        ('"john smith"', "3"),
        ("john smith", "3"),
        ("100%", "4"),  # % is literal, not a LIKE wildcard
        ("carol_", "4"),  # so is _
        ("[bold", "5"),
        ("nobody", ""),
        ("-alice", "23456"),
        # field:value, exact and case-insensitive, globs, alternatives, negation
        ("state:STOPPED", "26"),
        ("state:stopped", "26"),
        ("st:stopped", "26"),
        ("state:stop*", "26"),
        ("state:*ED", "26"),
        ("state:STOP", ""),
        ("state:stopped,error", "246"),
        ("-state:stopped", "1345"),
        ("state!=stopped", "1345"),
        ("mode:always_on", "3"),
        ("running_mode:auto*", "1245"),
        ('user:"john smith"', "3"),
        ("user:john*", "3"),
        ('user:"john*"', ""),  # a quoted * is a literal star
        ("user:*_x", "4"),
        ('user:"[bold red]x[/]"', "5"),
        ("dir:d-2222222222", "3"),
        ("ip:10.0.*", "12456"),
        # numbers and sizes
        ("root_gb>=100", "23"),
        ("root>100", "23"),
        ("root_gb>=1T", "3"),
        ("root_gb<100G", "1456"),
        ("root_gb=80", "1456"),
        ("root_gb:80,175", "12456"),
        ("root_gb!=80", "23"),
        ("auto_stop_min>=1h", "123456"),
        ("auto_stop_min<60", ""),
        # durations: idle compiles against last_connected; never-connected counts as idle
        ("idle>30d", "234"),
        ("idle>=31d", "234"),
        ("idle>30", "234"),  # a bare number is days
        ("idle<1d", "6"),
        ("idle<=2d", "16"),
        ("idle>11h", "123456"),
        ("idle>12h", "12345"),
        ("idle>1w", "2345"),
        ("idle:45", "2"),
        ("idle:never", "3"),
        ("connected:never", "3"),
        ("-connected:never", "12456"),
        ("last_connected<2024-05-01", "2"),
        ("last_connected>=2024-05-22", "156"),
        # tags
        ("tag:Team", "12"),
        ("tag:team=ENG", "1"),
        ("tag:Team=eng,ops", "12"),
        ("tag:Team=o*", "2"),
        ('tag:"Cost Center"="a b"', "4"),
        ("tag:Cost*", "24"),
        ("-tag:Team", "3456"),
        ("tag:Note=[link=file:///etc/passwd]", "5"),
        ("tag:Missing", ""),
        # combining: AND by juxtaposition, OR / |, parentheses
        ("state:stopped root_gb>100", "2"),
        ("state:stopped AND root_gb>100", "2"),
        ("state:error | user:alice", "14"),
        ("state:error OR user:alice", "14"),
        ("state:available (user:alice | idle:never)", "13"),
        ("-(state:available | state:stopped)", "45"),
        ("(tag:Team) -bob", "1"),
        ("state:stopped or", ""),  # lowercase "or" is a word to search for
    ],
)
def test_query_table(cache: Cache, text: str, expected: str) -> None:
    assert ids(cache, text) == set(expected)


@pytest.mark.parametrize(
    ("text", "pos", "expected"),
    [
        ("state:", 6, 'a value after "state:"'),
        ("x state: y", 8, 'a value after "state:"'),
        ("stat:x", 0, 'known field instead of "stat" (did you mean state'),
        ("alice bogus:1", 6, 'known field instead of "bogus"'),
        ('user:"john', 10, "closing quote for the quote at 6"),
        ('"', 1, "closing quote for the quote at 1"),
        ("root_gb>abc", 8, 'a size for "root_gb"'),
        ("root_gb>8*", 8, "a size"),
        ("root_gb>1e999", 8, "a size"),
        ("idle>soon", 5, 'a duration for "idle_days"'),
        ("last_connected>yesterday", 15, "a date"),
        ("user>3", 4, 'after "user" (a text field has no order)'),
        ("tag>3", 3, '":" after "tag"'),
        ("tag:=x", 4, "a tag key"),
        ("a OR", 4, 'a term after "OR"'),
        ("a |", 3, 'a term after "|"'),
        ("| a", 0, "a term"),
        ("OR a", 0, "a term"),
        ("a AND", 5, 'a term after "AND"'),
        ("AND a", 0, 'a term before "AND"'),
        ("-", 1, 'a term after "-"'),
        ("a - b", 3, 'a term after "-"'),
        ("((a)", 4, '")" to close the "(" at 1'),
        ("a)", 1, 'no "(" is open'),
        ("()", 1, 'a term inside "()"'),
        ("(" * 40 + "a" + ")" * 40, 32, "nested parentheses"),
        (" ".join(["a"] * 300), 512, "at most 256 terms"),
    ],
)
def test_malformed_queries_name_the_position_and_what_was_expected(
    text: str, pos: int, expected: str
) -> None:
    with pytest.raises(QueryError) as info:
        compile(text, "workspaces", now=NOW)
    assert info.value.pos == pos
    assert expected in info.value.expected
    assert str(info.value).startswith(f"at {pos + 1}: expected ")


def test_error_message_reads_like_the_docs() -> None:
    with pytest.raises(QueryError, match=r'^at 7: expected a value after "state:"$'):
        compile("state:", "ws")


def test_user_text_only_travels_as_parameters() -> None:
    evil = "'; DROP TABLE workspaces; -- \" [bold]"
    where, params = compile(f'user:"{evil}" {evil.replace(" ", "")} tag:"{evil}"={evil}', "ws")
    assert "DROP" not in where and "[bold]" not in where
    assert any("DROP" in str(p) for p in params)


def test_other_kinds_compile_against_their_own_columns(cache: Cache) -> None:
    where, params = compile("state:available name:std* root_gb>=80 tag:x", "bundles")
    assert '"bundles"."name"' in where and "tags.kind = ?" in where
    assert params[-2:] == ["bundles", "x"]
    assert cache.count("bundles", where, params) == 0
    with pytest.raises(QueryError, match="user"):
        compile("user:x", "bundles")


def test_idle_is_relative_to_now() -> None:
    where_a, params_a = compile("idle>30d", "ws", now=NOW)
    where_b, params_b = compile("idle>30d", "ws", now=NOW + DAY)
    assert where_a == where_b and params_b[0] - params_a[0] == DAY


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_fuzz_any_text_is_a_query_or_a_query_error(cache: Cache, text: str) -> None:
    try:
        where, params = compile(text, "workspaces", now=NOW)
    except QueryError:
        return
    cache.count("ws", where, params)  # must be valid SQL with matching parameters
    cache.query("ws", where, params, order_by="idle", limit=5)


QUERY_ALPHABET = st.sampled_from(
    [
        "state",
        "user",
        "idle",
        "root_gb",
        "tag",
        "Team",
        "st",
        ":",
        "=",
        "!=",
        ">",
        ">=",
        "<",
        "<=",
        "-",
        "(",
        ")",
        "|",
        " OR ",
        " AND ",
        " ",
        '"',
        ",",
        "*",
        "30d",
        "80G",
        "1T",
        "never",
        "eng",
        "x",
        "\\",
        "%",
        "_",
        "'",
        "é",
        "😀",
        "\x1b[31m",
        "[b]",
    ]
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(QUERY_ALPHABET, max_size=14).map("".join))
def test_fuzz_grammar_shaped_text(cache: Cache, text: str) -> None:
    for kind in ("workspaces", "bundles", "pools"):
        try:
            where, params = compile(text, kind, now=NOW)
        except QueryError as exc:
            assert 0 <= exc.pos <= len(text)
            continue
        cache.count(kind, where, params)
