"""Issue 14, progress: `wstui refresh` on a real pty shows a self-updating status line on
stderr while pages arrive, clears it at the end, and writes nothing of it when stderr is
not a TTY; a bulk `act` shows calls done/total and an ETA."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pexpect = pytest.importorskip("pexpect")
pyte = pytest.importorskip("pyte")

ROOT = Path(__file__).resolve().parents[2]
US = "us-east-1"
WSTUI = [sys.executable, "-c", "import sys; from wstui.cli import main; sys.exit(main())"]
LATENCY_MS = 100


@pytest.fixture
def slow_sim(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    """300 WorkSpaces in one directory (12 pages of 25 in a row), 100 ms added to every call."""
    from wstui.sim import Simulator

    sim = Simulator(seed=14, speed=0.0)
    with sim.running():
        sim.seed(size=300, regions=(US,), directories_per_region=1)
        sim.faults.configure(latency_ms=LATENCY_MS)
        url, stop = sim.serve_in_thread(port=0)
        try:
            yield sim, url
        finally:
            stop()


def child_env(tmp_path: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WSTUI_"))}
    env.update(PYTHONPATH=str(ROOT), WSTUI_CONFIG_DIR=str(tmp_path / "cfg"),
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_ENDPOINT_URL=url, AWS_REGION=US, COLUMNS="100", LINES="24")  # fmt: skip
    return env


def run_on_pty(argv: list[str], env: dict[str, str], out: Path) -> bytes:
    """Run with stderr on a pty and stdout into `out`: every byte read back is stderr."""
    cmd = " ".join(f"'{a}'" for a in [*WSTUI, *argv]) + f" > '{out}'"
    child = pexpect.spawn("/bin/sh", ["-c", cmd], env=env, dimensions=(24, 100))
    got = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            got += child.read_nonblocking(65536, timeout=0.5)
        except pexpect.TIMEOUT:
            continue
        except pexpect.EOF:
            break
    child.close()
    assert child.exitstatus == 0, got
    return got


def states(stderr: bytes) -> list[str]:
    """The texts the status line showed, in order (each write starts with a CR)."""
    return [p.strip() for p in stderr.decode().split("\r") if p.strip()]


@pytest.mark.slow
def test_refresh_on_a_tty_shows_changing_progress_then_clears_it(slow_sim, tmp_path) -> None:
    _sim, url = slow_sim
    env = child_env(tmp_path, url)
    out = tmp_path / "out.txt"
    stderr = run_on_pty(["--cache", str(tmp_path / "c.sqlite"), "refresh"], env, out)
    shown = states(stderr)
    progress = [s for s in shown if s.startswith("refreshing")]
    assert len(set(progress)) >= 3, shown  # the line changed while the refresh ran
    listed = [int(m.group(1).replace(",", "")) for s in progress
              if (m := re.search(r"workspaces[^:]*: ([\d,]+)", s))]  # fmt: skip
    assert listed and listed == sorted(listed) and any(0 < n < 300 for n in listed), progress
    assert any("calls" in s and "/s" in s for s in progress)
    # Cleared at the end: the last write is the erase (CR, blanks, CR), and the screen
    # the user is left with holds no status text.
    assert re.search(rb"\r +\r$", stderr), stderr[-200:]
    screen = pyte.Screen(100, 24)
    pyte.ByteStream(screen).feed(stderr.replace(b"\n", b"\r\n"))
    assert not any(line.strip() for line in screen.display), screen.display
    # Every line fits the terminal: none wraps into a second one.
    assert all(len(s) < 100 for s in progress)
    rows = out.read_text()
    assert re.search(r"us-east-1 workspaces: 300 rows", rows), rows
    assert "refreshing" not in rows  # progress never goes to stdout


@pytest.mark.slow
def test_refresh_without_a_tty_writes_only_the_normal_output(slow_sim, tmp_path) -> None:
    _sim, url = slow_sim
    env = child_env(tmp_path, url)
    done = subprocess.run([*WSTUI, "--cache", str(tmp_path / "c.sqlite"), "refresh"], env=env,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == b""  # no status line, no carriage return, nothing
    lines = done.stdout.decode().splitlines()
    assert b"\r" not in done.stdout and all(re.match(r"\d{12}/us-east-1 \w+: \d+ rows", line)
                                            for line in lines), lines  # fmt: skip
    assert any(line.startswith("123456789012/us-east-1 workspaces: 300 rows") for line in lines)


@pytest.mark.slow
def test_bulk_act_on_a_tty_shows_calls_done_of_total_and_an_eta(slow_sim, tmp_path) -> None:
    sim, url = slow_sim
    env = child_env(tmp_path, url)
    cache = str(tmp_path / "c.sqlite")
    subprocess.run([*WSTUI, "--cache", cache, "refresh", "--kinds", "ws"], env=env, check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    available = sorted(i for i in sim.backend(US).workspaces if sim.state_of(US, i) == "AVAILABLE")
    ids = available[:100]  # 4 calls of 25
    stderr = run_on_pty(["--cache", cache, "act", "reboot", "--ids", *ids, "--yes"], env,
                        tmp_path / "out.txt")  # fmt: skip
    shown = [s for s in states(stderr) if s.startswith("sending")]
    assert shown[0] == "sending 0/4 calls", shown
    assert any(re.fullmatch(r"sending [123]/4 calls · ETA \d+s", s) for s in shown), shown
    assert shown[-1] == "sending 4/4 calls"
    assert re.search(rb"\r +\r$", stderr)  # cleared before the summary
    assert "RebootWorkspaces: 4 call(s); sent 100" in (tmp_path / "out.txt").read_text()
    assert len(sim.calls_to("RebootWorkspaces")) == 4
