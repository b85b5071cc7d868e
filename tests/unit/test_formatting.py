from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from casino_support.formatting import (
    format_amount, format_date, format_datetime, format_days, group_thousands,
)


@pytest.mark.parametrize("amount, expected", [
    (Decimal("2300"), "2 300,00 €"),
    (Decimal("100"), "100,00 €"),
    (Decimal("5"), "5,00 €"),
    (Decimal("0"), "0,00 €"),
    (Decimal("1234567.891"), "1 234 567,89 €"),
    (Decimal("0.005"), "0,01 €"),
    (Decimal("-20.5"), "-20,50 €"),
    (3500, "3 500,00 €"),
    ("1200.00", "1 200,00 €"),
])
def test_format_amount(amount, expected):
    assert format_amount(amount) == expected


def test_format_amount_uses_plain_ascii_spaces():
    assert format_amount(Decimal("1000000")).replace("€", "").isascii()
    assert "\u00a0" not in format_amount(Decimal("1000000"))
    assert "\u202f" not in format_amount(Decimal("1000000"))


def test_group_thousands():
    assert group_thousands("1") == "1"
    assert group_thousands("1000") == "1 000"
    assert group_thousands("100000") == "100 000"


@pytest.mark.parametrize("value, expected", [
    (date(2026, 11, 13), "13 novembre 2026"),
    (date(2026, 1, 1), "1er janvier 2026"),
    (date(2026, 8, 2), "2 août 2026"),
    (date(2027, 2, 28), "28 février 2027"),
    (datetime(2026, 12, 25, 8, 30), "25 décembre 2026"),
])
def test_format_date(value, expected):
    assert format_date(value) == expected


def test_format_date_converts_to_the_operator_time_zone():
    late_utc = datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc)
    assert format_date(late_utc) == "31 octobre 2026"
    assert format_date(late_utc, tz="Europe/Paris") == "1er novembre 2026"


def test_format_datetime():
    value = datetime(2026, 11, 13, 13, 5, tzinfo=timezone.utc)
    assert format_datetime(value, tz="Europe/Paris") == "13 novembre 2026 à 14 h 05"


@pytest.mark.parametrize("count, expected", [
    (0, "0 jour"), (1, "1 jour"), (2, "2 jours"), (9, "9 jours"), (30, "30 jours"),
])
def test_format_days(count, expected):
    assert format_days(count) == expected
