"""Create WorkSpaces from CSV: every row validated first, calls of 25, outcomes per row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.gw import gateway
from wstui.core.act import create_csv as cc
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache

US = "us-east-1"
HEADER = "DirectoryId,UserName,BundleId,RunningMode,ComputeTypeName,RootVolumeSizeGib,UserVolumeSizeGib,Tags"


def bundle() -> str:
    from wstui.sim.catalogue import AMAZON_BUNDLES

    return sorted(AMAZON_BUNDLES)[0]


def test_every_row_is_checked_and_problems_name_line_and_column() -> None:
    text = "\n".join([
        HEADER,
        f"d-1234567890,alice,{bundle()},auto_stop,standard,80,50,Team=eng;Env=prod",
        f"d-1234567890,,{bundle()},,,,,",                      # line 3: no user
        f"x-bad,bob,{bundle()},SOMETIMES,,eighty,,Team",       # line 4: four problems
        "",
        f"d-1234567890,carol,{bundle()},,,,,",                 # line 6: fine
    ])  # fmt: skip
    plan = cc.read_rows(text)
    assert [r.line for r in plan.rows] == [2, 6]
    assert plan.rows[0].request == {
        "DirectoryId": "d-1234567890", "UserName": "alice", "BundleId": bundle(),
        "WorkspaceProperties": {"RunningMode": "AUTO_STOP", "ComputeTypeName": "STANDARD",
                                "RootVolumeSizeGib": 80, "UserVolumeSizeGib": 50},
        "Tags": [{"Key": "Team", "Value": "eng"}, {"Key": "Env", "Value": "prod"}],
    }  # fmt: skip
    found = {(p.line, p.column) for p in plan.problems}
    assert (3, "UserName") in found
    assert {(4, "RootVolumeSizeGib"), (4, "Tags")} <= found
    assert not plan.ok
    shown = [str(p) for p in plan.problems]
    assert any(s.startswith("line 4: Tags: expected k=v") for s in shown)
    # once the shape is right, the model's rules (pattern, enum) name the column too
    plan = cc.read_rows(f"{HEADER}\nx-bad,bob,{bundle()},SOMETIMES,,,,\n")
    assert {(p.line, p.column) for p in plan.problems} == {(2, "DirectoryId"), (2, "RunningMode")}


def test_header_and_file_problems() -> None:
    assert "missing required column(s) BundleId" in str(cc.read_rows("DirectoryId,UserName\nd-1,a\n").problems[0])
    assert "unknown column" in str(cc.read_rows("DirectoryId,UserName,BundleId,Colour\n").problems[0])
    assert "empty" in str(cc.read_rows(b"").problems[0])
    assert "not UTF-8" in str(cc.read_rows(b"\xff\xfe\x00a").problems[0])
    assert "no rows" in str(cc.read_rows(HEADER + "\n").problems[0])
    extra = cc.read_rows(f"{HEADER}\nd-1234567890,u,{bundle()},,,,,,extra\n").problems[0]
    assert (extra.line, "9 cells for 8 columns" in extra.message) == (2, True)


def test_sixty_rows_go_as_three_calls_with_pending_and_failed_per_row(sim: Any, tmp_path: Path) -> None:
    d = sim.report.directories[US][0]
    rows = [f"{d},user{i:02d},{bundle()},AUTO_STOP,,,,Batch=csv" for i in range(60)]
    rows[41] = f"d-0000000000,ghost,{bundle()},,,,,"  # line 43: a directory that does not exist
    plan = cc.read_rows("\n".join([HEADER, *rows]) + "\n")
    assert plan.ok and [len(b) for b in plan.batches()] == [25, 25, 10]
    cache = Cache(tmp_path / "c.sqlite")
    seen: list[int] = []
    outcomes = cc.send_rows(plan, gateway(Clients(max_attempts=1), cache), Target(None, US, sim.account),
                            on_batch=lambda o: seen.append(len(o)))  # fmt: skip
    calls = sim.calls_to("CreateWorkspaces")
    assert [len(c.params["Workspaces"]) for c in calls] == [25, 25, 10] and seen == [25, 50, 60]
    assert [o.line for o in outcomes] == list(range(2, 62))
    failed = [o for o in outcomes if o.status == "failed"]
    assert [(o.line, o.user, o.code) for o in failed] == [(43, "ghost", "ResourceNotFound.Directory")]
    assert cc.summary(outcomes) == {"pending": 59, "failed": 1, "unknown": 0, "refused": 0, "exists": 0}
    import boto3

    c = boto3.client("workspaces", region_name=US)
    line2 = outcomes[0]
    [ws] = c.describe_workspaces(WorkspaceIds=[line2.workspace_id])["Workspaces"]
    assert (ws["UserName"], ws["DirectoryId"], ws["WorkspaceProperties"]["RunningMode"]) == ("user00", d, "AUTO_STOP")
    assert [a["action"] for a in cache.audit(limit=5)] == ["CreateWorkspaces"] * 3
    cache.close()


HOSTILE = st.sampled_from([
    "[bold red]x[/]", "[link=file:///etc/passwd]x[/link]", "\x1b]8;;http://x\x07y", "\u202eevil",
    "é" * 1000, "😀👩‍👩‍👧", "中文", '"', '""', "\r", "\n", ",", ";", "=", "\x00", "d-1234567890",
])  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.one_of(
    st.binary(max_size=600),
    st.text(max_size=600),
    st.lists(st.lists(st.one_of(HOSTILE, st.text(max_size=30)), max_size=10), max_size=8).map(
        lambda rows: "\n".join([HEADER, *(",".join(r) for r in rows)])),
))  # fmt: skip
def test_hostile_or_malformed_csv_never_crashes(data: Any) -> None:
    plan = cc.read_rows(data)
    assert plan.rows or plan.problems
    for p in plan.problems:
        assert isinstance(str(p), str) and p.line >= 0
    for r in plan.rows:  # every accepted row passes the model's checks
        from wstui.core.validate import validate

        assert validate("CreateWorkspaces", {"Workspaces": [r.request]}) == []


def test_cli_create_workspaces_csv(sim_url: str, sim: Any, tmp_path: Path, monkeypatch, capsys) -> None:
    from wstui import cli

    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]
    d = sim.report.directories[US][0]
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\n{d},[bold red]x[/],{bundle()},NEVER,,,,\n", encoding="utf-8")
    assert cli.main([*base, "create-workspaces", "--csv", str(bad), "--yes"]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "line 2: RunningMode: must be one of" in err
    assert sim.calls_to("CreateWorkspaces") == []
    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, *(f"{d},new{i},{bundle()},,,,," for i in range(30)),
                               f"d-0000000000,ghost,{bundle()},,,,,"]) + "\n", encoding="utf-8")  # fmt: skip
    assert cli.main([*base, "create-workspaces", "--csv", str(good)]) == cli.EXIT_UNCONFIRMED
    assert "31 WorkSpace(s) in 2 call(s) of CreateWorkspaces (25, 6)" in capsys.readouterr().out
    assert sim.calls_to("CreateWorkspaces") == []
    assert cli.main([*base, "create-workspaces", "--csv", str(good), "--yes"]) == cli.EXIT_PARTIAL
    out = capsys.readouterr().out
    assert [len(c.params["Workspaces"]) for c in sim.calls_to("CreateWorkspaces")] == [25, 6]
    assert "30 pending, 1 failed, 0 unknown" in out
    ghost = next(line for line in out.splitlines() if "ghost" in line)
    assert ghost.split()[0] == "32" and "FAILED" in ghost and "ResourceNotFound.Directory" in ghost
