"""The CLI behaves like the AWS tools an admin already uses (issue 14): option positions,
negated filters, --output formats, stdout/stderr, pipes, no-TTY, exit codes, completion."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from wstui import cli
from wstui.core.aws import Target
from wstui.core.cache import Cache

ROOT = Path(__file__).resolve().parents[1]
US = "us-east-1"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def item(n: int) -> dict[str, Any]:
    return {
        "WorkspaceId": f"ws-{n:08d}",
        "UserName": f"user{n:05d}",
        "State": "STOPPED" if n % 3 == 0 else "AVAILABLE",
        "DirectoryId": "d-1",
        "WorkspaceProperties": {"RunningMode": "AUTO_STOP", "RootVolumeSizeGib": 80},
        "ConnectionStatus": {"LastKnownUserConnectionTimestamp": 1_700_000_000 + n},
        "Tags": [],
    }


@pytest.fixture
def cache_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A cache of 3,000 WorkSpaces (a third STOPPED); no AWS needed to list it."""
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    c = Cache(tmp_path / "c.sqlite")
    c.replace_snapshot("ws", Target(None, US, "111111111111"), [item(n) for n in range(3000)])
    c.close()
    return str(tmp_path / "c.sqlite")


@pytest.fixture
def ls(cache_path: str, capsys: pytest.CaptureFixture[str]):
    def go(*argv: str) -> tuple[int, str, str]:
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def child_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PYTHONPATH=str(ROOT), WSTUI_CONFIG_DIR=str(tmp_path / "cfg"),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)  # fmt: skip
    return env


# -- global options anywhere ----------------------------------------------------------
def test_global_options_before_or_after_the_subcommand(ls, cache_path: str) -> None:
    before = ls("--cache", cache_path, "--region", US, "ls", "ws", "-o", "json", "--limit", "5")
    after = ls("ls", "ws", "-o", "json", "--limit", "5", "--cache", cache_path, "--region", US)
    assert before[0] == after[0] == 0, (before[2], after[2])
    assert before[1] == after[1] and len(json.loads(after[1])) == 5


def test_late_global_options_add_to_early_ones() -> None:
    parser = cli.build_parser()
    args = cli._merge_globals(parser.parse_args(
        ["--profile", "a", "--region", "r1", "refresh", "--profile", "b", "--read-only",
         "--theme", "t", "--endpoint-url", "http://x:1", "--config", "c.toml"]
    ))  # fmt: skip
    assert args.profile == ["a", "b"] and args.region == ["r1"]
    assert args.read_only is True and args.theme == "t" and args.endpoint_url == "http://x:1"
    assert args.config == "c.toml"
    plain = parser.parse_args(["refresh"])
    assert not any(k.startswith("sub_") for k in vars(cli._merge_globals(plain)))


# -- a filter that starts with "-" ----------------------------------------------------
def test_negated_filter_as_the_flag_value(ls, cache_path: str) -> None:
    for flag in ("--filter", "-f"):
        code, out, err = ls("--cache", cache_path, "ls", "ws", flag, "-state:STOPPED", "-o", "json")
        assert code == 0, err
        rows = json.loads(out)
        assert len(rows) == 2000 and all(r["state"] == "AVAILABLE" for r in rows)
    # the value is still required: another option is not taken as the query
    assert ls("--cache", cache_path, "ls", "ws", "--filter", "--limit", "3")[0] == cli.EXIT_USAGE
    # `act` plans from the same negated query (it stops before any AWS call: --ids missing)
    code, _, err = ls("--cache", cache_path, "act", "reboot", "--filter", "-state:AVAILABLE",
                      "--ids", "ws-1")  # fmt: skip
    assert code == cli.EXIT_USAGE and "not allowed with" in err


def test_act_dry_run_with_a_negated_filter(
    sim: Any, sim_url: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    skip_retry_backoff(monkeypatch)
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]
    assert cli.main([*base, "refresh", "--kinds", "workspaces"]) == 0
    capsys.readouterr()
    code = cli.main(["act", "reboot", "--filter", "-state:STOPPED", "--dry-run", *base])
    out, err = capsys.readouterr()
    assert code == 0, err
    not_stopped = [i for i in sim.backend(US).workspaces if sim.state_of(US, i) != "STOPPED"]
    eligible = int(re.search(r"(\d+) WorkSpaces", out).group(1))  # type: ignore[union-attr]
    skipped = re.search(r"skipped (\d+)", out)
    assert eligible + (int(skipped.group(1)) if skipped else 0) == len(not_stopped), out
    assert sim.calls_to("RebootWorkspaces") == []


# -- --output is the format; --out-file is the file ------------------------------------
def test_output_json_writes_stdout_not_a_file_named_json(
    ls, cache_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = ls("--cache", cache_path, "ls", "ws", "--output", "json", "--limit", "3")
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)] == ["ws-00000000", "ws-00000001", "ws-00000002"]
    assert not (tmp_path / "json").exists()
    code, out, err = ls(
        "--cache", cache_path, "ls", "ws", "--out-file", "rows.csv", "-f", "state:STOPPED"
    )
    assert code == 0 and out == "" and "wrote 1000 rows" in err
    assert len((tmp_path / "rows.csv").read_text().splitlines()) == 1001


def test_output_text_is_tab_separated_without_header(ls, cache_path: str) -> None:
    code, out, err = ls("--cache", cache_path, "ls", "ws", "-o", "text",
                        "--columns", "id,user,state,last_connected", "--sort", "id")  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3000  # no header
    assert lines[1].split("\t") == ["ws-00000001", "user00001", "AVAILABLE", "2023-11-14T22:13:21Z"]


def test_json_and_csv_times_are_iso_8601_utc(ls, cache_path: str) -> None:
    code, out, _ = ls(
        "--cache", cache_path, "ls", "ws", "-o", "json", "--columns", "id,last_connected"
    )
    rows = json.loads(out)
    assert code == 0 and all(ISO_UTC.match(r["last_connected"]) for r in rows)
    code, out, _ = ls(
        "--cache", cache_path, "ls", "ws", "-o", "csv", "--columns", "id,last_connected"
    )
    header, *body = out.splitlines()
    col = header.split(",").index("last_connected")
    assert code == 0 and body and all(ISO_UTC.match(line.split(",")[col]) for line in body)


# -- stdout for data, stderr for problems -----------------------------------------------
def test_refresh_reports_one_credentials_error_per_target_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    code = cli.main(["--cache", str(tmp_path / "c.sqlite"), "--endpoint-url", "http://127.0.0.1:9",
                     "--region", US, "--region", "eu-west-1", "refresh"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == cli.EXIT_ERROR
    assert out == ""  # nothing listed: no data lines
    assert err.count("no credentials found") == 2, err  # once per target, not once per kind
    assert "default@us-east-1" in err and "default@eu-west-1" in err
    assert "same error for 6 more kind(s)" in err


# -- pipes and terminals (real processes) ------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_ls_into_head_ends_quietly(cache_path: str, tmp_path: Path, fmt: str) -> None:
    head = shutil.which("head")
    assert head is not None
    wstui = subprocess.Popen(
        [sys.executable, "-m", "wstui.cli", "--cache", cache_path, "ls", "ws", "-o", fmt],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=child_env(tmp_path), cwd=tmp_path,
    )  # fmt: skip
    assert wstui.stdout is not None and wstui.stderr is not None
    # The output (> 64 KiB, a pipe's buffer) cannot all be written before head exits.
    first = subprocess.run([head, "-1"], stdin=wstui.stdout, capture_output=True, timeout=60)
    wstui.stdout.close()  # only head held the read end: wstui's next write gets EPIPE
    err = wstui.stderr.read().decode()
    code = wstui.wait(timeout=60)
    assert first.stdout.strip()
    assert err == ""  # no traceback, no "wstui: BrokenPipeError", no "Exception ignored"
    assert code == cli.EXIT_BROKEN_PIPE


def test_no_terminal_does_not_start_the_tui(cache_path: str, tmp_path: Path) -> None:
    for argv in ([], ["demo"]):
        done = subprocess.run(
            [sys.executable, "-m", "wstui.cli", "--cache", cache_path, *argv],
            stdin=subprocess.DEVNULL, capture_output=True,  # stdout and stderr are pipes
            env=child_env(tmp_path), cwd=tmp_path, timeout=60, text=True,
        )  # fmt: skip
        assert done.returncode == cli.EXIT_USAGE, done.stderr
        assert done.stdout == ""
        assert "needs a terminal" in done.stderr


# -- exit codes (docs/cli.md) ----------------------------------------------------------------
def test_exit_codes_ok_error_usage_interrupted(ls, cache_path: str, monkeypatch) -> None:
    assert ls("--cache", cache_path, "ls", "ws", "--limit", "1")[0] == cli.EXIT_OK == 0
    assert (
        ls("--cache", cache_path, "act", "reboot", "--ids", "ws-nothere1")[0] == cli.EXIT_ERROR == 1
    )
    assert ls("--cache", cache_path, "ls", "nosuchkind")[0] == cli.EXIT_USAGE == 2
    assert ls("--cache", cache_path, "--no-such-flag")[0] == cli.EXIT_USAGE

    def interrupted(args: Any, opts: Any) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.reading, "cmd_ls", interrupted)
    code, _, err = ls("--cache", cache_path, "ls", "ws")
    assert code == cli.EXIT_INTERRUPTED == 130 and "interrupted" in err


def test_exit_codes_unconfirmed_partial_read_only(sim: Any, sim_url: str, tmp_path: Path,
                                                  monkeypatch, capsys) -> None:  # fmt: skip
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    skip_retry_backoff(monkeypatch)
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "c.sqlite")]
    sim.faults.configure(denied=["DescribeWorkspaceBundles"])
    assert cli.main([*base, "refresh"]) == cli.EXIT_PARTIAL == 4  # bundles failed, rest listed
    sim.faults.configure(denied=[])
    ids = sorted(sim.backend(US).workspaces)[:2]
    for i in ids:
        sim.set_state(US, i, "AVAILABLE")
    assert cli.main([*base, "refresh", "--kinds", "ws"]) == 0
    assert cli.main([*base, "act", "reboot", "--ids", *ids]) == cli.EXIT_UNCONFIRMED == 3
    # --read-only after the subcommand counts as much as before it
    assert cli.main([*base, "act", "reboot", "--ids", *ids, "--yes", "--read-only"]) == 5
    assert sim.calls_to("RebootWorkspaces") == []
    capsys.readouterr()


def test_docs_list_every_exit_code() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    for code in (0, 1, 2, 3, 4, 5, 130, 141):
        assert re.search(rf"^\| {code} \|", text, re.M), code


# -- completion --------------------------------------------------------------------------
def _subcommands() -> list[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return list(sub.choices)


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script_names_every_subcommand(shell: str, capsys) -> None:
    assert cli.main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for name in _subcommands():
        assert re.search(rf"\b{re.escape(name)}\b", script), name
    assert "complete -F _wstui wstui" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completion_completes_commands_kinds_and_formats(capsys, tmp_path: Path) -> None:
    assert cli.main(["completion", "bash"]) == 0
    script = tmp_path / "wstui.bash"
    script.write_text(capsys.readouterr().out)
    probe = f"""source {script}
t() {{ COMP_WORDS=("$@"); COMP_CWORD=$((${{#COMP_WORDS[@]}}-1)); COMPREPLY=(); _wstui
      echo "${{COMPREPLY[*]}}"; }}
t wstui l
t wstui --profile x ls w
t wstui ls ws -o ""
t wstui act reb
t wstui ls ws --profile p --re
"""
    lines = subprocess.run(["bash", "-c", probe], capture_output=True, text=True,
                           timeout=30).stdout.splitlines()  # fmt: skip
    assert lines == ["ls log", "workspace workspaces ws", "table json csv text",
                     "reboot rebuild", "--region --read-only"]  # fmt: skip
