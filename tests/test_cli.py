"""The headless CLI end to end: refresh over HTTP, ls, act, log, exit codes."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from wstui import cli

US = "us-east-1"


@pytest.fixture
def run(sim_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    skip_retry_backoff(monkeypatch)
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]

    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main([*base, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    yield go


def stopped_ids(sim: Any) -> set[str]:
    return {i for i in sim.backend(US).workspaces if sim.state_of(US, i) == "STOPPED"}


def test_refresh_then_ls_json_returns_exactly_the_stopped(sim: Any, run) -> None:
    code, out, err = run("refresh", "--kinds", "workspaces")
    assert code == 0, err
    assert f"{US} workspaces: {len(sim.backend(US).workspaces)} rows" in out
    code, out, err = run("ls", "workspaces", "--filter", "state:STOPPED", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert {r["id"] for r in rows} == stopped_ids(sim)
    assert all(r["state"] == "STOPPED" for r in rows)


def test_act_reboot_sends_ceil_n_over_25_and_log_shows_them(sim: Any, run) -> None:
    for i in list(sim.backend(US).workspaces)[:30]:
        sim.set_state(US, i, "AVAILABLE")
    assert run("refresh", "--kinds", "workspaces")[0] == 0
    n = len([i for i in sim.backend(US).workspaces if sim.state_of(US, i) == "AVAILABLE"])
    code, out, err = run("act", "reboot", "--filter", "state:AVAILABLE")
    assert code == cli.EXIT_UNCONFIRMED and "--yes" in err
    assert sim.calls_to("RebootWorkspaces") == []
    sim.clear_calls()
    code, out, err = run("act", "reboot", "--filter", "state:AVAILABLE", "--yes")
    assert code == 0, err
    calls = sim.calls_to("RebootWorkspaces")
    assert len(calls) == math.ceil(n / 25)
    assert f"sent {n}, failed 0, unknown 0" in out
    code, out, err = run("log", "--format", "json")
    logged = json.loads(out)
    assert len(logged) == len(calls)
    assert sum(len(a["ids"]) for a in logged) == n
    code, out, _ = run("log")
    assert out.count("RebootWorkspaces") == len(calls)


def test_destructive_needs_confirm_count_and_read_only_refuses(sim: Any, run) -> None:
    ids = sorted(sim.backend(US).workspaces)[:2]
    for i in ids:
        sim.set_state(US, i, "AVAILABLE")
    assert run("refresh", "--kinds", "workspaces")[0] == 0
    code, _, err = run("act", "terminate", "--ids", *ids, "--yes")
    assert code == cli.EXIT_UNCONFIRMED and "--confirm" in err
    code, _, err = run("--read-only", "act", "reboot", "--ids", *ids, "--yes")
    assert code == cli.EXIT_READ_ONLY and "read-only" in err
    assert sim.calls_to("TerminateWorkspaces") == [] and sim.calls_to("RebootWorkspaces") == []
    code, _out, err = run("act", "reboot", "--ids", "ws-notcached1")
    assert code == cli.EXIT_ERROR and "not in the cache" in err


def test_table_output_is_safe_for_hostile_strings(sim: Any, run) -> None:
    assert run("refresh", "--kinds", "workspaces")[0] == 0
    code, out, _err = run("ls", "ws", "--columns", "id,user,computer,tags")
    assert code == 0
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert len(out.splitlines()) == len(sim.backend(US).workspaces) + 1


def test_usage_errors_exit_2(run) -> None:
    assert run("ls", "nosuchkind")[0] == cli.EXIT_USAGE
    code, _, err = run("ls", "ws", "--filter", "state:(")
    assert code == cli.EXIT_USAGE and "bad filter" in err
    assert run("act", "reboot")[0] == cli.EXIT_USAGE  # neither --filter nor --ids


def test_demo_without_moto_says_what_to_install(monkeypatch, capsys) -> None:
    monkeypatch.setattr(cli.launching, "moto_available", lambda: False)
    assert cli.main(["demo"]) == 2
    assert "pip install 'wstui[demo]'" in capsys.readouterr().err


def test_safe_strips_escapes_and_bidi() -> None:
    nasty = "a\x1b[31mred\x1b[0m\x1b]8;;file:///etc/passwd\x07link\x1b]8;;\x07\u202eevil\x00"
    assert cli.safe(nasty) == "aredlinkevil"
    assert cli.display_width(cli.fit("界" * 50, 10)) == 10
