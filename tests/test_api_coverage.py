"""docs/api-coverage.md: every operation of botocore's model is reachable or excluded with a reason."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import botocore.session

from wstui.core.act.ops import EXCLUDED, OPERATIONS, SCREENS

ROOT = Path(__file__).resolve().parent.parent
MODEL_OPS = set(botocore.session.get_session().get_service_model("workspaces").operation_names)


def test_every_model_operation_is_covered_or_excluded_with_a_reason() -> None:
    uncovered = sorted(MODEL_OPS - set(OPERATIONS) - set(EXCLUDED))
    assert uncovered == []
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert not set(OPERATIONS) & set(EXCLUDED)
    assert set(OPERATIONS) <= MODEL_OPS  # no invented operations
    assert len(MODEL_OPS) == 91


def test_every_covered_operation_has_a_screen_and_a_key_unique_there() -> None:
    for screen in SCREENS:
        keys = [o.key for o in OPERATIONS.values() if screen in o.screens]
        assert len(keys) == len(set(keys)), screen
    for o in OPERATIONS.values():
        assert o.screens and set(o.screens) <= set(SCREENS)
        assert len(o.key) == 1


def test_the_doc_lists_each_operation_with_its_keys_and_cli() -> None:
    text = (ROOT / "docs" / "api-coverage.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for name in MODEL_OPS:
        assert name in rows, name
    assert "`:aliases` → `o` `c`" in rows["CreateConnectionAlias"]
    assert "`wstui op delete-connection-alias`" in rows["DeleteConnectionAlias"]
    assert "`wstui act reboot`" in rows["RebootWorkspaces"]


def test_the_doc_is_up_to_date_with_the_generator() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_api_coverage.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
