"""The reliability report keeps a FAIL row for a test that failed before recording one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = '''
import pytest
from tests.faults.reliability import finish, reliability, remember_report

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    remember_report(item, report)
    return report

def pytest_sessionfinish(session):
    finish(session)
'''

CASES = '''
import pytest

def test_records_and_passes(reliability):
    reliability.record("fault", "good case", "works", inputs=3)

def test_fails_before_recording(reliability):
    assert 1 == 2, "broke early"
    reliability.record("fault", "never recorded", "-")

def test_records_then_fails(reliability):
    reliability.record("fault", "late failure", "works")
    assert False

def test_fails_without_the_fixture():
    raise RuntimeError("no fixture at all")

@pytest.fixture
def broken_teardown():
    yield
    raise RuntimeError("teardown")

def test_teardown_fails(reliability, broken_teardown):
    reliability.record("fault", "teardown case", "works")
'''


def run_rows(tmp_path: Path, *args: str) -> list[dict]:
    tests = tmp_path / "suite" / "faults"  # not "tests": that package is wstui's own
    tests.mkdir(parents=True)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tests / "conftest.py").write_text(CONFTEST)
    (tests / "test_cases.py").write_text(CASES)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(tests), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert "4 failed" in proc.stdout or "3 failed" in proc.stdout, proc.stdout + proc.stderr
    files = list((tmp_path / ".pytest_cache" / "d" / "wstui-reliability").glob("*.jsonl"))
    assert len(files) == 1, files  # one file per run, shared by the workers
    return [json.loads(line) for line in files[0].read_text().splitlines()]


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["serial", "xdist"])
def test_failures_leave_fail_rows(tmp_path: Path, workers: tuple[str, ...]) -> None:
    from tests.faults.reliability import render

    rows = run_rows(tmp_path, *workers)
    by_test = {r["test"].rsplit("::", 1)[1]: r for r in rows}
    assert by_test["test_records_and_passes"]["passed"] is True
    assert by_test["test_records_and_passes"]["inputs"] == 3
    early = by_test["test_fails_before_recording"]
    assert early["passed"] is False and early["area"] == "fault"
    assert "failed before recording" in early["case"]
    assert by_test["test_records_then_fails"]["passed"] is False
    assert by_test["test_fails_without_the_fixture"]["passed"] is False
    assert by_test["test_teardown_fails"]["passed"] is False  # a teardown error fails the row
    assert len(rows) == 5
    doc = render(rows)
    assert doc.count("**FAIL**") == 4 and "1 of 5 rows passed" in doc


ALL_AREAS = '''
from tests.faults.reliability import AREAS

def test_every_area(reliability):
    for area in AREAS:
        reliability.record(area, f"{area} case", "works")
'''


@pytest.mark.parametrize("asked", [False, True], ids=["make-test", "make-reliability"])
def test_document_written_only_when_asked(tmp_path: Path, asked: bool) -> None:
    """An ordinary run never rewrites the tracked document; `make reliability` does."""
    tests = tmp_path / "suite" / "faults"
    tests.mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tests / "conftest.py").write_text(CONFTEST)
    (tests / "test_cases.py").write_text(ALL_AREAS)
    root = Path(__file__).resolve().parents[2]
    env = {"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}
    if asked:
        env["WSTUI_RELIABILITY_REPORT"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", str(tests)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert "1 passed" in proc.stdout, proc.stdout + proc.stderr
    doc = tmp_path / "docs" / "reliability.md"
    assert doc.exists() is asked
    if asked:
        assert "5 of 5 rows passed" in doc.read_text()
