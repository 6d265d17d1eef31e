"""CSV import of tools without an API: CopeCart, ablefy/elopage and Digistore24 exports are
recognised by their headers and mapped into orders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert.import_formats import (
    FORMATS,
    GENERIC,
    KNOWN_FORMATS,
    ImportFormat,
    detect_format,
    map_columns,
    normalise_header,
    read_table,
)
from kundenwert.importer import ImportFileError, import_file, preview
from kundenwert.models import Contact, Order, Refund, Source

DATA = Path(__file__).parent / "data" / "import"


def header_of(name: str) -> list[str]:
    return read_table((DATA / name).read_bytes(), name).columns


COPECART_HEADER = header_of("copecart_transaktionen.csv")
ABLEFY_HEADER = header_of("ablefy_zahlungen.csv")
DIGISTORE_HEADER = header_of("digistore24_bestellungen.csv")


def orders(engine: Engine) -> dict[str, Order]:
    with Session(engine) as session:
        return {o.source_order_id: o for o in session.exec(select(Order))}


def refunds(engine: Engine) -> dict[str, list[tuple[str, int, str]]]:
    with Session(engine) as session:
        found: dict[str, list[tuple[str, int, str]]] = {}
        for refund, order in session.exec(select(Refund, Order).join(Order)):
            found.setdefault(order.source_order_id, []).append(
                (refund.source_refund_id, refund.amount_cents, refund.reason)
            )
        return found


def import_sample(engine: Engine, name: str, label: str = "Tool") -> None:
    import_file(engine, (DATA / name).read_bytes(), name, label)


# --- Recognising formats ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (COPECART_HEADER, "copecart"),
        (ABLEFY_HEADER, "elopage"),
        (DIGISTORE_HEADER, "digistore24"),
        (["order_id", "date", "email", "amount"], "generic"),
        (["Bestellnummer", "Datum", "E-Mail", "Betrag"], "generic"),
    ],
)
def test_formats_are_recognised_by_their_header(header: list[str], name: str) -> None:
    assert detect_format(header).name == name


def test_header_recognition_ignores_case_spaces_and_umlaut_spelling() -> None:
    header = ["BESTELL ID", "Faelligkeiten-ID", "Kaeufer E-Mail", "bezahlt", "datum"]
    assert detect_format(header).name == "elopage"


def test_copecart_columns_are_mapped() -> None:
    mapping = map_columns(COPECART_HEADER, FORMATS["copecart"])
    assert mapping["order_id"] == "Bestell-ID"
    assert mapping["transaction_id"] == "Transaktions-ID"
    assert mapping["amount"] == "Bruttopreis"
    assert mapping["net"] == "Nettopreis"
    assert mapping["full_name"] == "Kundenname"
    assert mapping["status"] == "Transaktionsstatus"


def test_ablefy_columns_are_mapped() -> None:
    mapping = map_columns(ABLEFY_HEADER, FORMATS["elopage"])
    assert mapping["transaction_id"] == "TRX-ID"
    assert mapping["status"] == "TYP"
    assert mapping["status_detail"] == "STATUS"
    assert mapping["amount"] == "BEZAHLT"
    assert mapping["email"] == "KÄUFER E-MAIL"


def test_digistore24_columns_are_mapped() -> None:
    mapping = map_columns(DIGISTORE_HEADER, FORMATS["digistore24"])
    assert mapping["amount"] == "Gesamtbetrag"
    assert mapping["date"] == "Erste Zahlung am"
    assert mapping["product_id"] == "Prd-ID"
    assert mapping["kind"] == "Abrechnungstyp"


@pytest.mark.parametrize("fmt", [GENERIC, *KNOWN_FORMATS], ids=lambda f: f.name)
def test_no_header_name_means_two_fields(fmt: ImportFormat) -> None:
    seen: dict[str, str] = {}
    for field_name, names in fmt.aliases.items():
        for name in names:
            assert seen.setdefault(normalise_header(name), field_name) == field_name, name


def test_every_known_format_says_where_its_header_names_come_from() -> None:
    assert all(fmt.source for fmt in KNOWN_FORMATS)


# --- CopeCart -----------------------------------------------------------------------------------


def test_copecart_every_payment_is_an_order_with_the_kind_of_source(engine: Engine) -> None:
    import_sample(engine, "copecart_transaktionen.csv", "CopeCart")
    found = orders(engine)
    assert sorted(found) == ["T-1", "T-2", "T-3", "T-4"]
    assert (found["T-2"].kind, found["T-3"].kind) == ("installment", "installment")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "copecart"


def test_copecart_gross_and_tax_from_brutto_and_netto(engine: Engine) -> None:
    import_sample(engine, "copecart_transaktionen.csv")
    order = orders(engine)["T-1"]
    assert (order.gross_cents, order.tax_cents, order.net_cents) == (9900, 1581, 8319)
    assert order.ordered_at.replace(tzinfo=UTC) == datetime(2024, 10, 8, 10, 34, tzinfo=UTC)


def test_copecart_refund_row_refunds_the_payment_of_its_order(engine: Engine) -> None:
    import_sample(engine, "copecart_transaktionen.csv")
    assert orders(engine)["T-4"].status == "refunded"
    assert refunds(engine) == {"T-4": [("T-5", 9900, "refund")]}


def test_copecart_full_name_is_split(engine: Engine) -> None:
    import_sample(engine, "copecart_transaktionen.csv")
    with Session(engine) as session:
        contact = session.exec(select(Contact).where(Contact.email == "zoe@example.ch")).one()
    assert (contact.first_name, contact.last_name) == ("Zoë", "Weiß")


def test_copecart_reimport_adds_nothing(engine: Engine) -> None:
    data = (DATA / "copecart_transaktionen.csv").read_bytes()
    import_file(engine, data, "cc.csv", "CopeCart")
    again = import_file(engine, data, "cc.csv", "CopeCart")
    assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)


def test_copecart_chargeback_row_marks_the_payment(engine: Engine) -> None:
    lines = [
        ",".join(COPECART_HEADER),
        'CC-9,T-1,08.10.2024 12:34,Anna Muster,a@example.de,Kurs,Einmalzahlung,1,"83,19","99,00",'
        "EUR,Bezahlt",
        'CC-9,T-2,20.10.2024 09:00,Anna Muster,a@example.de,Kurs,Einmalzahlung,1,"83,19","99,00",'
        "EUR,Rückbuchung erfolgreich",
    ]
    import_file(engine, "\n".join(lines).encode(), "cc.csv", "CopeCart")
    assert orders(engine)["T-1"].status == "chargeback"
    assert refunds(engine) == {"T-1": [("T-2", 9900, "chargeback")]}


# --- ablefy / elopage ---------------------------------------------------------------------------


def test_ablefy_payments_with_type_and_status(engine: Engine) -> None:
    import_sample(engine, "ablefy_zahlungen.csv", "ablefy")
    found = orders(engine)
    assert found["9001"].gross_cents == 29700
    assert (found["9002"].status, found["9002"].kind) == ("paid", "installment")
    assert found["9003"].status == "failed"  # TYP Zahlungseingang, STATUS fehlgeschlagen
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "elopage"
        contact = session.exec(select(Contact).where(Contact.email == "tom@example.com")).one()
    assert (contact.first_name, contact.last_name) == ("Tom", "Berger")


# --- Digistore24 --------------------------------------------------------------------------------


def test_digistore24_orders(engine: Engine) -> None:
    import_sample(engine, "digistore24_bestellungen.csv", "DS24")
    found = orders(engine)
    assert found["ABCD1234"].gross_cents == 149700
    assert found["ABCD1234"].status == "paid"
    assert (found["EFGH5678"].status, found["EFGH5678"].kind) == ("paid", "subscription")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "digistore24"


def test_digistore24_return_is_a_full_refund(engine: Engine) -> None:
    import_sample(engine, "digistore24_bestellungen.csv")
    assert orders(engine)["IJKL9012"].status == "refunded"
    assert refunds(engine)["IJKL9012"] == [("IJKL9012-refund", 149700, "refund")]


# --- Choosing a format by hand ------------------------------------------------------------------


def test_a_format_can_be_chosen_by_name() -> None:
    data = (DATA / "digistore24_bestellungen.csv").read_bytes()
    assert preview(data, "x.csv", format_name="generic").format_name == "generic"
    assert preview(data, "x.csv", format_name="ds24").format_name == "digistore24"


def test_an_unknown_format_name_is_an_error() -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(None, b"a;b\n1;2\n", "x.csv", "Shop", format_name="quickbooks")  # type: ignore[arg-type]
    assert caught.value.key == "unknown_format"
    assert "copecart" in caught.value.message("en")


def test_a_new_source_can_be_given_its_kind(engine: Engine) -> None:
    data = (DATA / "german_excel.csv").read_bytes()
    import_file(engine, data, "x.csv", "Mein Shop", kind="woocommerce")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "woocommerce"


def copecart_rows(*rows: str) -> bytes:
    return "\n".join([",".join(COPECART_HEADER), *rows]).encode()


def test_copecart_partial_refund_row_refunds_part_of_the_payment(engine: Engine) -> None:
    data = copecart_rows(
        'CC-9,T-1,08.10.2024 12:34,Anna Muster,a@example.de,Kurs,Einmalzahlung,1,"83,19","99,00",'
        "EUR,Bezahlt",
        'CC-9,T-2,20.10.2024 09:00,Anna Muster,a@example.de,Kurs,Einmalzahlung,1,"-25,21",'
        '"-30,00",EUR,Teilweise erstattet',
    )
    import_file(engine, data, "cc.csv", "CopeCart")
    assert orders(engine)["T-1"].status == "partially_refunded"
    assert refunds(engine) == {"T-1": [("T-2", 3000, "refund")]}


def test_copecart_refund_of_a_plan_spreads_over_its_payments(engine: Engine) -> None:
    data = copecart_rows(
        'CC-7,T-1,01.10.2024 10:00,Jan Rate,j@example.de,Coaching,Ratenzahlung,1,"84,03","100,00",'
        "EUR,Bezahlt",
        'CC-7,T-2,01.11.2024 10:00,Jan Rate,j@example.de,Coaching,Ratenzahlung,2,"84,03","100,00",'
        "EUR,Bezahlt",
        'CC-7,T-3,15.11.2024 10:00,Jan Rate,j@example.de,Coaching,Ratenzahlung,2,"126,05",'
        '"150,00",EUR,Erfolgreich erstattet',
    )
    import_file(engine, data, "cc.csv", "CopeCart")
    found = orders(engine)
    assert (found["T-2"].status, found["T-1"].status) == ("refunded", "partially_refunded")
    assert refunds(engine) == {
        "T-2": [("T-3", 10000, "refund")],
        "T-1": [("T-3-T-1", 5000, "refund")],
    }


def test_a_transaction_listed_twice_counts_once(engine: Engine) -> None:
    row = (
        'CC-9,T-1,08.10.2024 12:34,Anna Muster,a@example.de,Kurs,Einmalzahlung,1,"83,19","99,00",'
        "EUR,Bezahlt"
    )
    import_file(engine, copecart_rows(row, row), "cc.csv", "CopeCart")
    assert orders(engine)["T-1"].gross_cents == 9900
