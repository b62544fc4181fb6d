"""SIGHUP (an SSH session that drops) and SIGTERM end `wstui demo` cleanly (issue 12).

The demo runs in a real pty. Before: the default action killed it on the spot -- the
/tmp/wstui-demo-XXXX dir (cache + simulator, ~10 MB) stayed behind and the terminal was
left in the alternate screen, mouse reporting on, cursor hidden.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.terminal.test_pty import COLS, ROWS, Term

pexpect = pytest.importorskip("pexpect")

# What Textual writes when it gives the terminal back.
RESTORE = {
    "alternate screen off": b"\x1b[?1049l",
    "cursor shown": b"\x1b[?25h",
    "mouse reporting off": b"\x1b[?1000l",
}


def start(tmp_path: Path) -> tuple[Term, Path]:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    term = Term({"TERM": "xterm-256color", "TMPDIR": str(tmp)}, tmp_path)
    return term, tmp


def wait_exit(child: pexpect.spawn, seconds: float) -> float:
    """Seconds until the child exited (its status collected)."""
    t0 = time.monotonic()
    while child.isalive() and time.monotonic() - t0 < seconds:
        time.sleep(0.05)  # polling an exit, not waiting for a state that could be read
    assert not child.isalive(), f"still running {seconds} s after the signal"
    return time.monotonic() - t0


@pytest.mark.parametrize("how", ["SIGHUP, pty closed (SSH drop)", "SIGTERM"])
def test_signal_ends_demo_cleanly(how: str, tmp_path: Path, reliability) -> None:
    term, tmp = start(tmp_path)
    try:
        term.wait_for("ws-", 90)  # the first screen, filled from the simulator
        demo_dirs = list(tmp.glob("wstui-demo-*"))
        assert len(demo_dirs) == 1 and (demo_dirs[0] / "cache.sqlite").exists()
        sent = time.monotonic()
        if how == "SIGTERM":
            term.child.kill(signal.SIGTERM)
            end = time.monotonic() + 30
            while term.child.isalive() and time.monotonic() < end:
                term.pump(0.2)
            term.pump(0.5)  # what is left after the exit, up to EOF
        else:
            # The terminal goes away: closing the pty's master side makes the kernel send
            # SIGHUP to the session, and every later write to the terminal fails.
            os.close(term.child.child_fd)
            term.child.child_fd = -1
        wait_exit(term.child, 30)
        seconds = time.monotonic() - sent
        code = term.child.exitstatus
        killed_by = term.child.signalstatus
    finally:
        term.close()
    assert killed_by is None, f"died of signal {killed_by} instead of exiting"
    assert not demo_dirs[0].exists(), "the demo's temp dir was left behind"
    missing: list[str] = []
    if how == "SIGTERM":
        assert code == 128 + signal.SIGTERM
        tail = term.raw[term.raw.rfind(b"\x1b[?1049h") :]  # after entering the alt screen
        missing = [name for name, seq in RESTORE.items() if seq not in tail]
        assert missing == [], f"terminal not restored: {missing}"
    reliability.record(
        "terminal", f"{how} to `wstui demo` at {COLS}x{ROWS}",
        "exits by itself (no kill); temp dir removed"
        + ("; alternate screen off, cursor shown, mouse off" if how == "SIGTERM" else ""),
        inputs=1, lost=int(demo_dirs[0].exists()) + len(missing),
        figure=f"exit {seconds:.1f} s after the signal",
    )  # fmt: skip


def test_sigterm_before_the_app_runs_still_cleans_up(tmp_path: Path) -> None:
    """A signal during the demo's start-up (seeding the simulator) unwinds too."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "WSTUI_"))}
    env.update(TMPDIR=str(tmp), WSTUI_CONFIG_DIR=str(tmp_path / "cfg"), TERM="xterm")
    child = pexpect.spawn(
        sys.executable,
        ["-c", "import sys; from wstui.cli import main; sys.exit(main())",
         "demo", "--size", "30000", "--speed", "0"],
        env=env, dimensions=(ROWS, COLS),
    )  # fmt: skip
    try:
        end = time.monotonic() + 60
        while not list(tmp.glob("wstui-demo-*")) and time.monotonic() < end:
            time.sleep(0.02)  # the temp dir appears just before the 30,000-WorkSpace seeding
        assert list(tmp.glob("wstui-demo-*"))
        child.kill(signal.SIGTERM)
        wait_exit(child, 30)
    finally:
        if child.isalive():
            child.terminate(force=True)
    assert child.signalstatus is None and child.exitstatus == 128 + signal.SIGTERM
    assert list(tmp.glob("wstui-demo-*")) == []
