"""Collects what the hardening tests survived and writes docs/reliability.md.

Each test in tests/faults, fuzz, security and terminal records rows through the
``reliability`` fixture; rows are appended (under an flock) to one JSON-lines file per
test run in pytest's cache dir, shared by the pytest-xdist workers of that run.

The tracked document is written only when asked (``make reliability`` sets
``WSTUI_RELIABILITY_REPORT=1``), so an ordinary test run never changes the work tree.
Then every worker rewrites it at session finish from everything recorded so far, so the
worker that finishes last writes the complete table. A run that covers only part of
the matrix leaves docs/reliability.md alone (its rows stay in .pytest_cache).
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

AREAS = ("fault", "soak", "fuzz", "security", "terminal")
AREA_TITLES = {
    "fault": "Fault matrix (simulator fault injection)",
    "soak": "Soak (long runs: open fds, threads and memory stay flat)",
    "fuzz": "Bad input (Hypothesis and hostile API strings)",
    "security": "Security",
    "terminal": "SSH terminals (real pty, pyte)",
}
_RUN_KEY = pytest.StashKey[str]()
REPORT_ENV = "WSTUI_RELIABILITY_REPORT"  # "1": write docs/reliability.md (make reliability)
_written = False


@dataclass
class Row:
    area: str  # one of AREAS
    case: str  # what was done to the system
    expected: str  # the behaviour the test proves
    inputs: int = 0  # inputs tried / calls or rows involved
    lost: int = 0  # rows lost, ids sent twice, secrets leaked...: must be 0
    figure: str = ""  # a measured figure worth reporting (bytes per tick, seconds, ...)
    test: str = ""
    passed: bool = False
    at: float = field(default_factory=time.time)


class Recorder:
    def __init__(self, test: str) -> None:
        self.test = test
        self.rows: list[Row] = []

    def record(
        self,
        area: str,
        case: str,
        expected: str,
        inputs: int = 0,
        lost: int = 0,
        figure: str = "",
    ) -> Row:
        assert area in AREAS, area
        row = Row(area, case, expected, int(inputs), int(lost), figure, self.test)
        self.rows.append(row)
        return row


def run_id(config: pytest.Config) -> str:
    worker = getattr(config, "workerinput", None)
    if worker is not None:  # every xdist worker of one run shares testrunuid
        return str(worker["testrunuid"])
    if _RUN_KEY not in config.stash:
        config.stash[_RUN_KEY] = uuid.uuid4().hex
    return config.stash[_RUN_KEY]


def _results_dir(config: pytest.Config) -> Path:
    return Path(config.cache.mkdir("wstui-reliability"))  # type: ignore[union-attr]


def _append(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        fh.write("".join(json.dumps(r) + "\n" for r in rows))
        fh.flush()
        fcntl.flock(fh, fcntl.LOCK_UN)


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_SH)
        text = fh.read()
        fcntl.flock(fh, fcntl.LOCK_UN)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


AREA_DIRS = {"faults": "fault", "fuzz": "fuzz", "security": "security", "terminal": "terminal"}


def area_of(item: pytest.Item) -> str | None:
    """The report area a test belongs to, from its directory (tests/faults -> fault)."""
    for part in reversed(Path(str(item.path)).parts):
        if part in AREA_DIRS:
            return AREA_DIRS[part]
    return None


@pytest.fixture
def reliability(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """Record rows for docs/reliability.md; they count as passed only if the test passed.

    The rows are written by the report hook (`remember_report`) once the test's last
    phase is reported, so a failure in the test, a fixture or its teardown marks them.
    """
    rec = Recorder(request.node.nodeid)
    request.node._wstui_recorder = rec
    yield rec


def remember_report(item: pytest.Item, report: pytest.TestReport) -> None:
    """Called from each area's pytest_runtest_makereport hook, for every phase.

    After teardown, write the test's rows with its outcome. A test that failed before
    recording anything still gets a FAIL row, so a broken case cannot vanish from the
    report. Each xdist worker appends to the run's shared file under an flock.
    """
    if report.failed:
        item._wstui_failed = True  # type: ignore[attr-defined]
    if report.when == "call":
        item._wstui_call_report = report  # type: ignore[attr-defined]
    if report.when != "teardown":
        return
    call = getattr(item, "_wstui_call_report", None)
    passed = bool(call is not None and call.passed and not getattr(item, "_wstui_failed", False))
    rec = getattr(item, "_wstui_recorder", None)
    rows = [{**asdict(r), "passed": passed} for r in (rec.rows if rec else [])]
    area = area_of(item)
    if not rows and getattr(item, "_wstui_failed", False) and area is not None:
        rows = [
            {**asdict(Row(area, f"{item.name} (failed before recording its row)",
                          "see the test's failure", test=item.nodeid)), "passed": False}
        ]  # fmt: skip
    if rows:
        _append(_results_dir(item.config) / f"{run_id(item.config)}.jsonl", rows)


def finish(session: pytest.Session) -> None:
    """Rewrite docs/reliability.md when this run covered every area (once per process)."""
    global _written
    if _written:
        return
    _written = True
    config = session.config
    directory = _results_dir(config)
    for old in directory.glob("*.jsonl"):  # runs older than a day
        if time.time() - old.stat().st_mtime > 86400:
            old.unlink(missing_ok=True)
    rows = _read(directory / f"{run_id(config)}.jsonl")
    if os.environ.get(REPORT_ENV) != "1":
        return
    if {r["area"] for r in rows} >= set(AREAS):
        doc = Path(str(config.rootpath)) / "docs" / "reliability.md"
        tmp = doc.with_suffix(f".md.{os.getpid()}.tmp")
        tmp.write_text(render(rows), encoding="utf-8")
        os.replace(tmp, doc)  # atomic: the other worker may be writing too


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(rows: list[dict[str, Any]]) -> str:
    rows = sorted(rows, key=lambda r: (AREAS.index(r["area"]), r["test"], r["case"]))
    passed = sum(r["passed"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    inputs = sum(r["inputs"] for r in rows)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(max(r["at"] for r in rows)))
    out = [
        "# Reliability report",
        "",
        "Written by `make reliability` (the whole suite; tests/faults, tests/fuzz,",
        "tests/security and tests/terminal record rows through",
        "`tests/faults/reliability.py`); do not edit by hand.",
        "",
        f"Run finished {stamp}: **{passed} of {len(rows)} rows passed**, "
        f"{inputs:,} inputs/calls/rows exercised, **{lost} lost** "
        "(rows lost, ids sent twice, secrets leaked, mutations let through).",
        "",
    ]
    for area in AREAS:
        mine = [r for r in rows if r["area"] == area]
        if not mine:
            continue
        out += [
            f"## {AREA_TITLES[area]}",
            "",
            "| case | expected behaviour | inputs | lost | figure | result |",
            "| --- | --- | ---: | ---: | --- | --- |",
        ]
        for r in mine:
            result = "pass" if r["passed"] else "**FAIL**"
            out.append(
                f"| {_cell(r['case'])} | {_cell(r['expected'])} | {r['inputs']:,} | "
                f"{r['lost']} | {_cell(r['figure'])} | {result} |"
            )
        out.append("")
    return "\n".join(out)


# The two hooks, imported by name into the conftest of every directory that records rows
# (faults, fuzz, security, terminal): conftest hooks only see their own directory's tests.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    remember_report(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    finish(session)
