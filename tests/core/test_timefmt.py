"""Timestamps as the API, JSON round trips and typed queries give them -> epoch seconds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wstui.core.timefmt import parse_datetime, to_epoch

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-10T12:00:00Z",
        "2026-03-10t12:00:00z",
        "2026-03-10T12:00:00+00:00",
        "2026-03-10T14:00:00+02:00",
        "2026-03-10T12:00:00.000000+00:00",
        "2026-03-10T12:00:00",  # no offset: UTC, as the API means it
        "2026-03-10 12:00",
        "  2026-03-10T12:00:00Z\n",
        str(NOON),
        str(int(NOON)),
    ],
)
def test_every_shape_of_the_same_instant_parses_to_it(text: str) -> None:
    assert parse_datetime(text) == NOON


def test_a_date_alone_is_its_utc_midnight() -> None:
    assert parse_datetime("2026-03-10") == NOON - 12 * 3600
    assert to_epoch(date(2026, 3, 10)) == NOON - 12 * 3600


@pytest.mark.parametrize(
    "text",
    ["", "   ", "nan", "inf", "-inf", "2026-13-01", "2026-03-10T25:00", "abcd-ef", "yesterday",
     "9" * 50_000, "2026-03-10" + "x" * 50_000],
)  # fmt: skip
def test_what_is_not_a_finite_instant_is_none(text: str) -> None:
    assert parse_datetime(text) is None


def test_to_epoch_takes_the_api_shapes_and_refuses_the_rest() -> None:
    assert to_epoch(datetime(2026, 3, 10, 12, 0, tzinfo=UTC)) == NOON
    assert to_epoch(datetime(2026, 3, 10, 12, 0)) == NOON  # naive: UTC by convention
    assert to_epoch("2026-03-10T12:00:00Z") == NOON
    assert to_epoch(NOON) == NOON
    assert to_epoch(float("nan")) is None
    assert to_epoch(True) is None and to_epoch(None) is None and to_epoch([NOON]) is None
