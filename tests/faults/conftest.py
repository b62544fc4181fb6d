"""Fault-matrix fixtures; the reliability collector is shared with fuzz/security/terminal."""

from __future__ import annotations

import pytest

from tests.faults.reliability import finish, reliability, remember_report

__all__ = ["reliability"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):  # type: ignore[no-untyped-def]
    report = yield
    remember_report(item, report)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    finish(session)
