"""Shares the reliability collector of tests/faults (rows for docs/reliability.md)."""

from __future__ import annotations

from tests.faults.reliability import pytest_runtest_makereport, pytest_sessionfinish, reliability

__all__ = ["pytest_runtest_makereport", "pytest_sessionfinish", "reliability"]
