"""End to end: `wstui demo` in a real pseudo-terminal, driven by keys, read with pyte.

Filters to AVAILABLE WorkSpaces, marks two, reboots them, confirms, and waits until
the results screen shows both back in AVAILABLE (the demo's fast clock completes the
reboot in seconds of real time).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

COLS, ROWS = 120, 40


class Terminal:
    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)

    def pump(self, seconds: float = 0.2) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data = self.child.read_nonblocking(65536, timeout=0.05)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return
            self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, predicate, timeout: float, what: str) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.pump(0.2)
            text = self.text()
            if predicate(text):
                return text
        raise AssertionError(f"timed out waiting for {what}:\n{self.text()}")

    def send(self, keys: str, settle: float = 0.3) -> None:
        self.child.send(keys)
        self.pump(settle)


@pytest.mark.slow
def test_demo_filter_mark_reboot_returns_to_available(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        TERM="xterm-256color", COLUMNS=str(COLS), LINES=str(ROWS),
        WSTUI_CONFIG_DIR=str(tmp_path / "config"), WSTUI_CACHE_DIR=str(tmp_path / "cache"),
    )  # fmt: skip
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-c", "import sys; from wstui.cli import main; sys.exit(main(sys.argv[1:]))",
         "demo", "--size", "120", "--speed", "120", "--seed", "7"],
        env=env, dimensions=(ROWS, COLS), timeout=60,
    )  # fmt: skip
    term = Terminal(child)
    try:
        term.wait_for(lambda t: "120 / 120" in t, 60, "the fleet to load")
        term.send("/", 0.1)
        term.send("state=AVAILABLE", 0.6)
        text = term.wait_for(lambda t: "/ 120" in t and "120 / 120" not in t, 10, "filter")
        term.send("\r", 0.5)
        term.send(" ", 0.3)
        term.send(" ", 0.5)
        term.wait_for(lambda t: "2 marked" in t, 10, "two marks")
        rows = [line for line in term.text().splitlines() if line.startswith("✓ ws-")]
        marked = [line.split()[1] for line in rows]
        assert len(marked) == 2
        term.send("b", 0.5)
        text = term.wait_for(lambda t: "2 eligible for reboot" in t, 10, "the plan")
        assert "RebootWorkspaces" in text
        term.send("\r", 0.5)
        term.wait_for(lambda t: "Reboot results" in t, 10, "results screen")
        term.wait_for(lambda t: "sent 2" in t, 20, "the reboot to be sent")

        def both_available(t: str) -> bool:
            lines = [ln for ln in t.splitlines() if any(w in ln for w in marked)]
            return len(lines) == 2 and all("AVAILABLE" in ln for ln in lines) and "settled" in t

        text = term.wait_for(both_available, 60, "both WorkSpaces back in AVAILABLE")
        assert "FAILED" not in text
    finally:
        child.sendcontrol("q")
        child.expect(pexpect.EOF, timeout=15)
        child.close()
