"""The six ways the trust promise broke, reproduced black-box through the CLI as they were
found, each asserting on what the simulator received (issue 11)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.gw import disk_full_on_audit
from wstui import cli
from wstui.core.aws import is_mutating
from wstui.core.cache import Cache

US, EU = "us-east-1", "eu-west-1"
MAIN, DEV = "123456789012", "222222222222"

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(sim: Any, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Run]:
    """`wstui --cache C [--region ...] ARGS` in-process against the simulator (mock_aws)."""
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    cache = str(tmp_path / "c.sqlite")

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["--cache", cache, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    # Both regions cached, as after a session that selected them.
    assert go("--region", US, "--region", EU, "refresh", "--kinds", "ws")[0] == 0
    yield go


def available(sim: Any, region: str, n: int) -> list[str]:
    ids = sim.report.workspace_ids[region][:n]
    for i in ids:
        sim.set_state(region, i, "AVAILABLE", "AUTO_STOP")
    return ids


def mutations(sim: Any) -> list[Any]:
    return [c for c in sim.calls if is_mutating(c.operation)]


def sent_ids(sim: Any, operation: str) -> Counter[tuple[str, str]]:
    """(region, id) -> how many times the service received a call naming it."""
    out: Counter[tuple[str, str]] = Counter()
    for c in sim.calls_to(operation):
        for r in next(iter(c.params.values())):
            out[(c.region, r["WorkspaceId"])] += 1
    return out


# 1. scope ---------------------------------------------------------------------------------
def test_ids_of_an_unselected_region_are_skipped_not_sent(sim: Any, run: Run) -> None:
    eu, us = available(sim, EU, 1)[0], available(sim, US, 1)[0]
    run("--region", US, "--region", EU, "refresh", "--kinds", "ws")
    sim.clear_calls()
    _code, out, _err = run("--region", EU, "act", "reboot", "--ids", eu, us, "--yes")
    assert sent_ids(sim, "RebootWorkspaces") == Counter({(EU, eu): 1})
    assert "skipped 1" in out and "outside the selected targets" in out
    _code, out, _ = run("log", "--format", "json")
    import json

    rows = json.loads(out)
    assert [r["region"] for r in rows] == [EU] and rows[0]["caller"]  # the STS caller ARN


def test_a_filter_plans_only_the_selected_region(sim: Any, run: Run) -> None:
    available(sim, US, 3), available(sim, EU, 3)
    run("--region", US, "--region", EU, "refresh", "--kinds", "ws")
    sim.clear_calls()
    _code, out, _ = run("--region", US, "act", "reboot", "--filter", "state:available", "--yes")
    regions = {c.region for c in mutations(sim)}
    assert regions == {US}, out
    assert "outside the selected targets" in out


def test_a_profile_of_another_account_never_acts_with_the_default_credentials(
    sim: Any, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stopped = sim.report.workspace_ids[US][:16]
    for i in stopped:
        sim.set_state(US, i, "STOPPED", "AUTO_STOP")
    run("--region", US, "refresh", "--kinds", "ws")  # account MAIN's rows in the cache
    aws_config = tmp_path / "aws_config"
    aws_config.write_text(
        f"[profile dev]\nrole_arn = arn:aws:iam::{DEV}:role/admin\ncredential_source = Environment\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    sim.clear_calls()
    code, out, err = run("--profile", "dev", "--region", US, "act", "start",
                         "--filter", "state:stopped", "--yes")  # fmt: skip
    assert mutations(sim) == [], out + err
    cached = Cache(tmp_path / "c.sqlite").count("ws", "region = ? AND state = 'STOPPED'", [US])
    assert cached >= len(stopped)
    assert f"{cached} outside the selected targets (account {MAIN} not selected)" in out
    assert code == cli.EXIT_OK  # nothing eligible; nothing sent


# 2. sent twice by retries -------------------------------------------------------------------
def test_create_workspaces_with_a_lost_response_creates_each_once(
    sim: Any, run: Run, tmp_path: Path
) -> None:
    d = sim.report.directories[US][0]
    bundle = sim.backend(US).workspaces[sim.report.workspace_ids[US][0]].bundle_id
    csv = tmp_path / "new.csv"
    csv.write_text("DirectoryId,UserName,BundleId\n" + "".join(f"{d},newuser{i},{bundle}\n" for i in range(3)))  # fmt: skip
    before = len(sim.backend(US).workspaces)
    sim.faults.inject("drop-after", operations=["CreateWorkspaces"], times=1)
    code, out, _err = run("--region", US, "create-workspaces", "--csv", str(csv), "--yes")
    assert len(sim.calls_to("CreateWorkspaces")) == 1
    assert len(sim.backend(US).workspaces) == before + 3  # not 6
    assert "0 pending, 0 failed, 3 unknown" in out and code == cli.EXIT_ERROR
    # The re-run re-reads those users first: they exist, so nothing is created again.
    code, out, _err = run("--region", US, "create-workspaces", "--csv", str(csv), "--yes")
    assert len(sim.calls_to("CreateWorkspaces")) == 1
    assert "3 already created earlier" in out and len(sim.backend(US).workspaces) == before + 3
    assert code == cli.EXIT_OK
    lookups = [c.params for c in sim.calls_to("DescribeWorkspaces") if c.params.get("UserName")]
    assert sorted(p["UserName"] for p in lookups) == ["newuser0", "newuser1", "newuser2"]


def test_op_create_tags_after_a_500_is_sent_once(sim: Any, run: Run) -> None:
    wid = sim.report.workspace_ids[US][5]
    sim.faults.inject("500-after", operations=["CreateTags"], times=1)
    code, _out, err = run("--region", US, "op", "create-tags", "-p", f"ResourceId={wid}",
                         "-p", "Tags=Owner=ops", "--yes")  # fmt: skip
    assert len(sim.calls_to("CreateTags")) == 1 and code == cli.EXIT_ERROR
    assert "InternalFailure" in err
    _code, _out, err = run("--region", US, "op", "create-tags", "-p", f"ResourceId={wid}",
                         "-p", "Tags=Owner=ops", "--yes")  # fmt: skip
    assert len(sim.calls_to("CreateTags")) == 1 and "unknown outcome" in err
    code, _out, err = run("--region", US, "op", "create-tags", "-p", f"ResourceId={wid}",
                         "-p", "Tags=Owner=ops", "--yes", "--after-unknown")  # fmt: skip
    assert len(sim.calls_to("CreateTags")) == 2 and code == cli.EXIT_OK


# 3. re-runs re-send -------------------------------------------------------------------------
def test_re_running_after_unknown_outcomes_re_reads_and_sends_nothing_twice(
    sim: Any, run: Run
) -> None:
    ids = available(sim, US, 15)
    run("--region", US, "refresh", "--kinds", "ws")
    sim.faults.inject("drop-after", operations=["RebootWorkspaces"])  # every response lost
    code, out, _err = run("--region", US, "act", "reboot", "--ids", *ids, "--yes")
    assert "unknown 15" in out and code == cli.EXIT_ERROR
    sim.faults.clear_injections()
    first = sent_ids(sim, "RebootWorkspaces")
    assert set(first.values()) == {1} and len(first) == 15
    code, out, _err = run("--region", US, "act", "reboot", "--ids", *ids, "--yes")
    assert sent_ids(sim, "RebootWorkspaces") == first  # 0 ids executed twice
    assert "15 sent at " in out and "now REBOOTING" in out
    reads = [c for c in sim.calls_to("DescribeWorkspaces") if c.params.get("WorkspaceIds")]
    assert {i for c in reads for i in c.params["WorkspaceIds"]} >= set(ids)  # re-read first


# 4. protect tag through `op` ------------------------------------------------------------------
@pytest.mark.parametrize("operation,params", [
    ("terminate-workspaces", "TerminateWorkspaceRequests=[{{\"WorkspaceId\": \"{w}\"}}]"),
    ("rebuild-workspaces", "RebuildWorkspaceRequests=[{{\"WorkspaceId\": \"{w}\"}}]"),
    ("modify-workspace-state", "WorkspaceId={w}"),
])  # fmt: skip
def test_op_refuses_a_protected_workspace(sim: Any, run: Run, operation: str, params: str) -> None:
    import boto3

    wid = available(sim, US, 1)[0]
    boto3.client("workspaces", region_name=US).create_tags(
        ResourceId=wid, Tags=[{"Key": "wstui:protect", "Value": "1"}]
    )
    run("--region", US, "refresh", "--kinds", "ws")
    sim.clear_calls()
    extra = ["-p", "WorkspaceState=ADMIN_MAINTENANCE"] if operation == "modify-workspace-state" else []
    _code, out, err = run("--region", US, "op", operation, "-p", params.format(w=wid), *extra,
                         "--yes", "--confirm", wid)  # fmt: skip
    assert mutations(sim) == [] and "protected by tag wstui:protect" in err, out + err


def test_destructive_op_is_confirmed_by_the_id_never_a_fixed_word(sim: Any, run: Run) -> None:
    wid = available(sim, US, 1)[0]
    sim.clear_calls()
    req = f'TerminateWorkspaceRequests=[{{"WorkspaceId": "{wid}"}}]'
    code, _, err = run("--region", US, "op", "terminate-workspaces", "-p", req, "--yes",
                       "--confirm", "terminate-workspaces")  # fmt: skip
    assert code == cli.EXIT_UNCONFIRMED and f"--confirm {wid}" in err and mutations(sim) == []
    two = available(sim, US, 2)
    req2 = "TerminateWorkspaceRequests=" + str([{"WorkspaceId": w} for w in two]).replace("'", '"')
    code, _, err = run("--region", US, "op", "terminate-workspaces", "-p", req2, "--yes", "--confirm", two[0])  # fmt: skip
    assert code == cli.EXIT_UNCONFIRMED and "--confirm 2" in err and mutations(sim) == []
    code, _, err = run("--region", US, "op", "terminate-workspaces", "-p", req, "--yes", "--confirm", wid)  # fmt: skip
    assert code == cli.EXIT_OK and len(sim.calls_to("TerminateWorkspaces")) == 1


# 5. read-only cannot turn itself off ---------------------------------------------------------
@pytest.mark.parametrize("toml", [
    'read_only = true\ntheme = "x"\n[aws\nregions = ["us-east-1"]\n',  # TOML error later on
    'read_only = "true"\n',  # a string, not a boolean
    "read_only = true\nread_only = false\n",  # written twice
    'read_only = false\nthme = "typo"\n',  # any error in the file that could set it
])  # fmt: skip
def test_read_only_fails_closed_on_a_broken_config(sim: Any, run: Run, tmp_path: Path, toml: str) -> None:  # fmt: skip
    ids = available(sim, US, 2)
    run("--region", US, "refresh", "--kinds", "ws")
    config = tmp_path / "config.toml"
    config.write_text(toml)
    sim.clear_calls()
    code, _out, err = run("--config", str(config), "--region", US, "act", "reboot", "--ids", *ids, "--yes")  # fmt: skip
    assert code == cli.EXIT_READ_ONLY and mutations(sim) == [], err
    assert "read-only" in err and "config.toml" in err


def test_wstui_read_only_env_refuses(sim: Any, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = available(sim, US, 1)
    run("--region", US, "refresh", "--kinds", "ws")
    monkeypatch.setenv("WSTUI_READ_ONLY", "yes")
    sim.clear_calls()
    code, _, err = run("--region", US, "act", "reboot", "--ids", *ids, "--yes")
    assert code == cli.EXIT_READ_ONLY and mutations(sim) == [] and "WSTUI_READ_ONLY" in err


# 6. blind on failure -------------------------------------------------------------------------
def test_disk_full_mid_action_stops_and_names_what_was_sent(
    sim: Any, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = available(sim, US, 5)
    run("--region", US, "refresh", "--kinds", "ws")
    disk_full_on_audit(monkeypatch, 4)
    sim.clear_calls()
    code, _out, err = run("--region", US, "act", "autostop-timeout", "--ids", *ids,
                         "--param", "minutes=120", "--yes")  # fmt: skip
    executed = [c.params["WorkspaceId"] for c in sim.calls_to("ModifyWorkspaceProperties")]
    assert len(executed) == 3  # the 4th call could not be audited: not sent
    assert "database or disk is full" in err
    assert listed(err, "sent") == set(executed)
    line = next(x for x in err.splitlines() if "not sent (2): " in x)
    assert set(line.split("not sent (2): ")[1].split(", ")) == set(ids) - set(executed)
    assert code == cli.EXIT_PARTIAL


def listed(err: str, status: str) -> set[str]:
    """The ids a SendingStopped report lists under `status` ("sent", "not sent", ...)."""
    line = next((x for x in err.splitlines() if f"  {status} (" in x), "")
    ids = line.split("): ", 1)[1].split(", ") if "): " in line else []
    return {i.split(" (")[0] for i in ids}
