"""Security: cache permissions, no secret in any artifact, read-only refuses every mutation."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gw import gateway
from wstui import cli
from wstui.core import act
from wstui.core.aws import Clients, Target, is_mutating
from wstui.core.cache import Cache

US = "us-east-1"
FAKE_KEY_ID = "AKIAFAKEPLANTED0001"
FAKE_SECRET = "wJalrXUtnFEMI/PLANTED/bPxRfiCYFAKESECRET1"
FAKE_TOKEN = "IQoJb3JpZ2luX2VjEPLANTEDSESSIONTOKEN" + "x" * 40
SECRETS = (FAKE_KEY_ID, FAKE_SECRET, FAKE_TOKEN)
WSTUI = [sys.executable, "-c", "import sys; from wstui.cli import main; sys.exit(main())"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_cache_is_0600_in_a_0700_dir_including_wal(tmp_path: Path, reliability) -> None:
    path = tmp_path / "fresh" / "nested" / "cache.sqlite"
    old = os.umask(0o022)  # a permissive umask must not leak into the cache's modes
    try:
        cache = Cache(path)
        cache.replace_snapshot("workspaces", Target(None, US, "1"), [{"WorkspaceId": "ws-a"}])
        files = [p for p in path.parent.iterdir() if p.name.startswith("cache.sqlite")]
        modes = {p.name: _mode(p) for p in files}
        cache.close()
    finally:
        os.umask(old)
    assert _mode(path.parent) == 0o700
    assert modes["cache.sqlite"] == 0o600
    assert all(m & 0o077 == 0 for m in modes.values()), modes  # -wal/-shm too
    reliability.record("security", "cache file and directory modes (umask 022)",
                       "dir 0700; cache, -wal, -shm 0600", inputs=len(modes))  # fmt: skip


def test_existing_loose_cache_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Cache(path).close()
    assert _mode(path) == 0o600


def _grep(paths: list[Path], texts: list[str]) -> list[str]:
    hits = []
    for p in paths:
        data = p.read_bytes() if p.is_file() else b""
        for s in SECRETS:
            if s.encode() in data:
                hits.append(f"{p.name}: {s[:8]}")
    for i, t in enumerate(texts):
        hits += [f"output {i}: {s[:8]}" for s in SECRETS if s in t]
    return hits


async def test_planted_keys_appear_in_no_artifact(
    sim: Any, sim_url: str, tmp_path: Path, reliability
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WSTUI_"))}
    env.update(AWS_ACCESS_KEY_ID=FAKE_KEY_ID, AWS_SECRET_ACCESS_KEY=FAKE_SECRET,
               AWS_SESSION_TOKEN=FAKE_TOKEN, AWS_CONFIG_FILE=str(tmp_path / "none"),
               WSTUI_CONFIG_DIR=str(tmp_path / "cfg"), WSTUI_CACHE_DIR=str(tmp_path / "cache"))  # fmt: skip
    ids = sorted(sim.backend(US).workspaces)[:3]
    for i in ids:
        sim.set_state(US, i, "AVAILABLE")
    base = [*WSTUI, "--endpoint-url", sim_url, "--region", US]
    outputs: list[str] = []
    commands = [
        ["refresh"], ["ls", "ws", "--format", "json"], ["act", "reboot", "--ids", *ids, "--yes"],
        ["log", "--format", "json"], ["--endpoint-url", "http://127.0.0.1:9", "refresh"],
        ["ls", "ws", "--filter", "((("],
    ]  # fmt: skip
    for argv in commands:
        r = subprocess.run([*base, *argv], env=env, capture_output=True, text=True, timeout=120)
        outputs += [r.stdout, r.stderr]
    assert len(sim.calls_to("RebootWorkspaces")) == 1  # the run really acted
    # A crash report: the Textual app raising inside a screen writes a traceback.
    from wstui.ui.app import AppContext, WstuiApp

    cache = Cache(tmp_path / "cache" / "cache.sqlite")
    os.environ.update({"AWS_SECRET_ACCESS_KEY": FAKE_SECRET, "AWS_SESSION_TOKEN": FAKE_TOKEN})
    app = WstuiApp(AppContext(cache=cache, clients=Clients()), watch_refresher=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.save_screenshot(filename="shot.svg", path=str(tmp_path))
        await pilot.press("question_mark")
        await pilot.pause()
        app.save_screenshot(filename="help.svg", path=str(tmp_path))
    cache.close()
    artifacts = [p for p in tmp_path.rglob("*") if p.is_file()]
    hits = _grep(artifacts, outputs)
    assert hits == []
    assert any(p.name == "cache.sqlite" for p in artifacts) and any(
        p.suffix == ".svg" for p in artifacts
    )
    reliability.record(
        "security", "fake AWS keys planted in the env; CLI refresh/ls/act/log/errors, TUI screenshots",
        "no key id, secret or session token in stdout/stderr, cache (+WAL), audit, SVGs",
        inputs=len(artifacts) + len(outputs), lost=len(hits),
    )  # fmt: skip


def test_audit_masks_secret_looking_params(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    aid = cache.audit_before("X", Target(None, US, "1"), ["ws-a"],
                             {"Password": "hunter2", "nested": {"SessionToken": "tok"}}, "arn")  # fmt: skip
    cache.audit_after(aid, "rid", {})
    raw = (tmp_path / "c.sqlite").read_bytes() + (tmp_path / "c.sqlite-wal").read_bytes()
    cache.close()
    assert b"hunter2" not in raw and b'"tok"' not in raw


# -- read-only ------------------------------------------------------------------
def _row(spec: act.ActionSpec) -> dict:
    state = sorted(spec.states)[0]
    mode = sorted(spec.running_modes)[0] if spec.running_modes else "AUTO_STOP"
    return {"id": "ws-aaaaaaaaa", "account": "123456789012", "region": US, "state": state,
            "running_mode": mode, "tags": {},
            "raw": {"WorkspaceId": "ws-aaaaaaaaa", "State": state, "Tags": [],
                    "WorkspaceProperties": {"RunningMode": mode, "RootVolumeSizeGib": 80,
                                            "UserVolumeSizeGib": 10, "ComputeTypeName": "VALUE"}}}  # fmt: skip


PARAMS = {"migrate": {"bundle": "wsb-12345678"}, "running-mode": {"mode": "MANUAL"},
          "autostop-timeout": {"minutes": 120}, "compute-type": {"compute": "POWER"},
          "volumes": {"root_gb": 175}}  # fmt: skip


def test_every_action_spec_sends_a_mutating_operation() -> None:
    assert all(is_mutating(s.api) for s in act.ACTIONS.values())


@pytest.mark.parametrize("name", sorted(act.ACTIONS))
def test_read_only_refuses_every_action_in_core_and_cli(
    sim: Any, sim_url: str, tmp_path: Path, name: str, capsys, monkeypatch, reliability
) -> None:
    spec = act.ACTIONS[name]
    plan = act.plan(name, [_row(spec)], PARAMS.get(name))
    assert plan.eligible == ["ws-aaaaaaaaa"]  # something would be sent
    sim.clear_calls()
    with pytest.raises(act.ReadOnlyError):
        act.execute(plan, gateway(Clients(), Cache(tmp_path / "c.sqlite"), read_only=True))
    monkeypatch.setenv("WSTUI_CONFIG_DIR", str(tmp_path / "cfg"))
    base = ["--endpoint-url", sim_url, "--region", US, "--cache", str(tmp_path / "cli.sqlite")]
    seeded = Cache(tmp_path / "cli.sqlite")  # the cached row the CLI would act on
    seeded.replace_snapshot("workspaces", Target(None, US, "123456789012"), [_row(spec)["raw"]])
    seeded.close()
    wid = "ws-aaaaaaaaa"
    params = [f"{k}={v}" for k, v in PARAMS.get(name, {}).items()]
    flags = ["--param", *params] if params else []
    code = cli.main([*base, "--read-only", "act", name, "--ids", wid, *flags,
                     "--yes", "--confirm", "1"])  # fmt: skip
    capsys.readouterr()
    mutating = [c for c in sim.calls if is_mutating(c.operation)]
    assert code == cli.EXIT_READ_ONLY and mutating == []
    reliability.record("security", f"read-only: {name} ({spec.api})",
                       "core execute raises ReadOnlyError; CLI --read-only act sends nothing",
                       inputs=2, lost=len(mutating))  # fmt: skip
