"""ECB reference rates: parsing the published files, storing them, the last-earlier-rate rule."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from kundenwert.db import get_engine, session_scope
from kundenwert.models import ExchangeRate
from kundenwert.rates import (
    RatesFileError,
    import_ecb_file,
    is_ecb_working_day,
    parse_ecb_csv,
    parse_ecb_file,
    rate_on,
    store_rates,
)
from tests.databases import fresh_database_url

DATA = Path(__file__).parent / "data" / "ecb"
HIST = (DATA / "eurofxref-hist.csv").read_bytes()
DAILY = (DATA / "eurofxref.csv").read_bytes()


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return get_engine(fresh_database_url(tmp_path, "t.db"))


def count_rates(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ExchangeRate)).one()


def test_history_file_rates_are_exact_decimals() -> None:
    rates = parse_ecb_csv(HIST)
    assert rates[("USD", date(2016, 3, 29))] == Decimal("1.1194")
    assert rates[("IDR", date(2016, 3, 18))] == Decimal("14754.09")


def test_history_file_skips_na_cells() -> None:
    rates = parse_ecb_csv(HIST)
    assert ("CYP", date(2016, 3, 29)) not in rates
    assert {currency for currency, _ in rates} >= {"USD", "CHF", "GBP", "ILS"}
    assert len(rates) == 6 * 31  # 41 currencies, 10 of them N/A on every day


def test_daily_file_with_spaces_and_spelled_out_date() -> None:
    rates = parse_ecb_csv(DAILY)
    assert rates[("USD", date(2021, 6, 3))] == Decimal("1.2187")
    assert str(rates[("PLN", date(2021, 6, 3))]) == "4.4520"  # trailing zero kept as published
    assert len(rates) == 32


def test_zip_download_is_unpacked() -> None:
    rates = parse_ecb_file(zipped("eurofxref-hist.csv", HIST), "eurofxref-hist.zip")
    assert rates == parse_ecb_csv(HIST)


def test_wrong_number_of_values_names_the_line() -> None:
    broken = HIST.replace(b"2016-03-22,1.1212,", b"2016-03-22,")
    with pytest.raises(RatesFileError) as caught:
        parse_ecb_csv(broken)
    assert caught.value.line == 5
    assert "42 Werte erwartet" in caught.value.reason


def test_text_rate_is_rejected_with_currency() -> None:
    with pytest.raises(RatesFileError, match="Zeile 2: Kurs 'abc' für JPY"):
        parse_ecb_csv(b"Date,USD,JPY,\n2024-05-17,1.0867,abc,\n")


def test_bad_date_is_rejected() -> None:
    with pytest.raises(RatesFileError) as caught:
        parse_ecb_csv(b"Date,USD,\n2024-05-17,1.0867,\n17.05.2024,1.0867,\n")
    assert caught.value.line == 3


def test_file_without_date_header_is_rejected() -> None:
    with pytest.raises(RatesFileError, match="Zeile 1"):
        parse_ecb_csv(b"Datum;USD\n2024-05-17;1,0867\n")


def test_zip_without_csv_is_rejected() -> None:
    with pytest.raises(RatesFileError, match="genau eine CSV"):
        parse_ecb_file(zipped("readme.txt", b"hello"), "eurofxref-hist.zip")


def test_import_counts_new_rows_and_reimport_adds_nothing(engine: Engine) -> None:
    assert import_ecb_file(engine, HIST, "eurofxref-hist.csv") == 186
    assert import_ecb_file(engine, HIST, "eurofxref-hist.csv") == 0
    assert count_rates(engine) == 186


def test_malformed_file_writes_nothing(engine: Engine) -> None:
    broken = HIST + b"2016-03-17,1.1311,oops,\n"
    with pytest.raises(RatesFileError):
        import_ecb_file(engine, broken, "eurofxref-hist.csv")
    assert count_rates(engine) == 0


def test_rate_is_stored_as_published_text(engine: Engine) -> None:
    import_ecb_file(engine, DAILY, "eurofxref.csv")
    with Session(engine) as session:
        row = session.get(ExchangeRate, ("PLN", date(2021, 6, 3)))
    assert row is not None and row.rate == "4.4520"


def test_corrected_rate_replaces_old_value(engine: Engine) -> None:
    with session_scope(engine) as session:
        store_rates(session, {("USD", date(2024, 5, 17)): Decimal("1.0867")})
    with session_scope(engine) as session:
        added = store_rates(session, {("USD", date(2024, 5, 17)): Decimal("1.0871")})
        assert added == 0
        assert rate_on(session, "USD", date(2024, 5, 17)) == (date(2024, 5, 17), Decimal("1.0871"))


def test_rate_on_a_publication_day(engine: Engine) -> None:
    import_ecb_file(engine, HIST, "eurofxref-hist.csv")
    with Session(engine) as session:
        assert rate_on(session, "CHF", date(2016, 3, 23)) == (date(2016, 3, 23), Decimal("1.0894"))


def test_rate_on_weekend_uses_friday(engine: Engine) -> None:
    import_ecb_file(engine, HIST, "eurofxref-hist.csv")
    with Session(engine) as session:
        assert rate_on(session, "usd", date(2016, 3, 20)) == (date(2016, 3, 18), Decimal("1.1279"))


def test_rate_on_easter_holidays_uses_last_rate_before(engine: Engine) -> None:
    import_ecb_file(engine, HIST, "eurofxref-hist.csv")
    with Session(engine) as session:
        assert rate_on(session, "USD", date(2016, 3, 28)) == (date(2016, 3, 24), Decimal("1.1154"))


def test_rate_on_before_first_rate_is_none(engine: Engine) -> None:
    import_ecb_file(engine, HIST, "eurofxref-hist.csv")
    with Session(engine) as session:
        assert rate_on(session, "USD", date(2016, 3, 17)) is None
        assert rate_on(session, "CYP", date(2016, 3, 29)) is None


def test_euro_is_always_one(engine: Engine) -> None:
    with Session(engine) as session:
        assert rate_on(session, "EUR", date(2020, 1, 1)) == (date(2020, 1, 1), Decimal(1))


def test_working_days_match_the_published_days() -> None:
    published = {day for _, day in parse_ecb_csv(HIST)}
    march = [date(2016, 3, d) for d in range(18, 30)]
    assert {day for day in march if is_ecb_working_day(day)} == published  # Easter 25–28 March
    assert not is_ecb_working_day(date(2025, 12, 26))
    assert is_ecb_working_day(date(2025, 12, 24))
