"""CSV and Excel import: the generic format, end to end into the database."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from kundenwert.importer import ImportFileError, import_customers, import_file, preview
from kundenwert.models import Contact, MergeLog, Order, OrderItem, Person, Refund, Source

DATA = Path(__file__).parent / "data" / "import"
TABLES = (Source, Person, Contact, Order, OrderItem, Refund, MergeLog)


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            str(table.__tablename__): session.exec(select(func.count()).select_from(table)).one()
            for table in TABLES
        }


def orders_by_id(engine: Engine) -> dict[str, Order]:
    with Session(engine) as session:
        return {o.source_order_id: o for o in session.exec(select(Order))}


def refunds_of(engine: Engine, source_order_id: str) -> list[Refund]:
    with Session(engine) as session:
        stmt = select(Refund).join(Order).where(Order.source_order_id == source_order_id)
        return list(session.exec(stmt))


def items_of(engine: Engine, source_order_id: str) -> list[tuple[str, int, int]]:
    with Session(engine) as session:
        stmt = (
            select(OrderItem)
            .join(Order)
            .where(Order.source_order_id == source_order_id)
            .order_by(col(OrderItem.id))
        )
        return [(i.product_name, i.quantity, i.amount_cents) for i in session.exec(stmt)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


# --- German Excel CSV (Windows-1252, semicolons, decimal commas, dd.mm.yyyy) ----------------------


def test_german_excel_csv_imports_exact_cents(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    order = orders_by_id(engine)["R-1001"]
    assert (order.gross_cents, order.tax_cents, order.net_cents) == (123456, 19711, 103745)
    assert order.currency == "EUR"


def test_german_local_times_are_stored_in_utc(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    orders = orders_by_id(engine)
    assert as_utc(orders["R-1001"].ordered_at) == utc(2025, 1, 3, 8, 15)  # 09:15 CET
    assert as_utc(orders["R-1003"].ordered_at) == utc(2025, 3, 28, 17, 45)  # 18:45 CET


def test_a_date_without_time_stays_on_its_day(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    ordered_at = as_utc(orders_by_id(engine)["R-1005"].ordered_at)
    assert ordered_at.date() == date(2025, 5, 15)


def test_german_header_aliases_are_mapped() -> None:
    result = preview(sample("german_excel.csv"), "german_excel.csv")
    assert result.mapping["order_id"] == "Bestellnummer"
    assert result.mapping["amount"] == "Betrag"
    assert result.mapping["currency"] == "Währung"
    assert result.mapping["country"] == "Land"
    assert result.mapping["tax"] == "MwSt"
    assert result.mapping["kind"] == "Art"


def test_contacts_get_names_address_and_iso_country(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    with Session(engine) as session:
        contact = session.exec(
            select(Contact).where(Contact.email == "joerg.schaefer@example.at")
        ).one()
    assert (contact.first_name, contact.last_name) == ("Jörg", "Schäfer")
    assert contact.company == "Schäfer; Söhne GmbH"
    assert (contact.country, contact.city, contact.postcode) == ("AT", "Wien", "1010")


def test_one_contact_per_normalised_email(engine: Engine) -> None:
    report = import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    with Session(engine) as session:
        ids = set(session.exec(select(Contact.source_contact_id)))
    assert report.contacts_added == 4
    assert "zoe.weiss@example.ch" in ids  # written Zoe.Weiss@Example.CH in the file


def test_rows_with_the_same_order_id_are_items_of_one_order(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    order = orders_by_id(engine)["R-1002"]
    assert order.gross_cents == 49900 + 1980
    assert order.tax_cents == 8317 + 316
    assert order.kind == "installment"
    assert items_of(engine, "R-1002") == [("Coaching-Paket", 1, 49900), ("Workbook (PDF)", 2, 1980)]


def test_refunded_column_creates_a_refund_and_sets_the_status(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    orders = orders_by_id(engine)
    assert orders["R-1003"].status == "refunded"
    assert [r.amount_cents for r in refunds_of(engine, "R-1003")] == [2900]
    assert orders["R-1004"].status == "partially_refunded"
    assert [r.amount_cents for r in refunds_of(engine, "R-1004")] == [5000]


def test_refunded_status_without_amount_is_a_full_refund(engine: Engine) -> None:
    import_file(engine, sample("utf8_bom.csv"), "utf8_bom.csv", "Shop")
    assert [r.amount_cents for r in refunds_of(engine, "A-3")] == [4900]


def test_other_statuses_are_kept(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    assert orders_by_id(engine)["R-1005"].status == "cancelled"
    assert refunds_of(engine, "R-1005") == []


# --- UTF-8 with BOM, comma separated, English names --------------------------------------------


def test_utf8_bom_file_imports(engine: Engine) -> None:
    report = import_file(engine, sample("utf8_bom.csv"), "utf8_bom.csv", "Shop")
    orders = orders_by_id(engine)
    assert report.orders_added == 3
    assert orders["A-1"].gross_cents == 1990
    assert orders["A-1"].payment_id == "PAYID-111"
    assert orders["A-2"].gross_cents == 120000  # "1,200.00"
    assert orders["A-3"].currency == "CHF"
    assert as_utc(orders["A-1"].ordered_at) == utc(2025, 6, 1, 10, 0)  # ...T10:00:00Z


def test_utf8_bom_is_not_part_of_the_first_header() -> None:
    result = preview(sample("utf8_bom.csv"), "utf8_bom.csv")
    assert result.mapping["order_id"] == "order_id"


# --- Excel --------------------------------------------------------------------------------------


def xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Bestellungen")
    date_format = book.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, date_format)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_xlsx_with_real_date_and_number_cells(engine: Engine) -> None:
    data = xlsx(
        [
            ["Bestellnummer", "Datum", "E-Mail", "Betrag", "MwSt"],
            ["X-1", datetime(2025, 7, 1, 14, 30), "a@example.de", 19.99, 3.19],
            ["X-2", datetime(2025, 12, 24), "b@example.de", 1234.5, 0],
        ]
    )
    import_file(engine, data, "bestellungen.xlsx", "Excel")
    orders = orders_by_id(engine)
    assert as_utc(orders["X-1"].ordered_at) == utc(2025, 7, 1, 12, 30)  # 14:30 CEST
    assert (orders["X-1"].gross_cents, orders["X-1"].tax_cents) == (1999, 319)
    assert orders["X-2"].gross_cents == 123450
    assert as_utc(orders["X-2"].ordered_at).date() == date(2025, 12, 24)


def test_xlsx_error_names_the_row_excel_shows(engine: Engine) -> None:
    data = xlsx(
        [
            ["order_id", "date", "email", "amount"],
            ["X-1", "01.07.2025", "a@example.de", 10],
            [None, None, None, None],
            ["X-2", "02.07.2025", "b@example.de", "zehn"],
        ]
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, data, "export.xlsx", "Excel")
    assert (caught.value.row, caught.value.column) == (4, "amount")


# --- Bad files change nothing -------------------------------------------------------------------


def test_bad_amount_rejects_the_file_with_row_and_column(engine: Engine) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, sample("bad_amount_row5.csv"), "bad_amount_row5.csv", "Shop")
    error = caught.value
    assert (error.row, error.column) == (5, "amount")
    assert "12,3x" in error.reason


def test_bad_file_leaves_an_empty_database_empty(engine: Engine) -> None:
    before = counts(engine)
    with pytest.raises(ImportFileError):
        import_file(engine, sample("bad_amount_row5.csv"), "bad_amount_row5.csv", "Shop")
    assert counts(engine) == before
    assert sum(before.values()) == 0


def test_bad_file_changes_nothing_in_a_filled_database(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    before = counts(engine)
    with pytest.raises(ImportFileError):
        import_file(engine, sample("bad_amount_row5.csv"), "bad_amount_row5.csv", "Shop")
    with pytest.raises(ImportFileError):
        import_file(engine, sample("bad_amount_row5.csv"), "bad.csv", "Neue Quelle")
    assert counts(engine) == before


def test_error_message_in_german_and_english() -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(None, sample("bad_amount_row5.csv"), "bad.csv", "Shop")  # type: ignore[arg-type]
    assert caught.value.message("de") == "Zeile 5, Spalte 'amount': '12,3x' ist kein Geldbetrag"
    assert caught.value.message("en") == "Row 5, column 'amount': '12,3x' is not an amount"


def test_missing_required_columns_are_named_with_the_columns_found() -> None:
    data = csv_bytes("Bestellnummer;Datum;Kunde", "1;01.01.2025;Anna")
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "x.csv", "Shop")  # type: ignore[arg-type]
    message = caught.value.message("de")
    assert "E-Mail (email)" in message and "Betrag (amount)" in message
    assert "Bestellnummer, Datum, Kunde" in message


@pytest.mark.parametrize("data", [b"", b"   \r\n", b"\xef\xbb\xbf"])
def test_empty_file_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "leer.csv", "Shop")  # type: ignore[arg-type]
    assert caught.value.message("de") == "Die Datei ist leer."


def test_header_without_rows_is_a_clear_error() -> None:
    with pytest.raises(ImportFileError) as caught:
        import_file(None, csv_bytes("order_id;date;email;amount"), "x.csv", "Shop")  # type: ignore[arg-type]
    assert caught.value.key == "no_rows"


def test_rows_of_one_order_must_agree_on_the_email() -> None:
    data = csv_bytes(
        "order_id;date;email;amount;product",
        "7;01.01.2025;a@example.de;10,00;Kurs",
        "7;01.01.2025;b@example.de;5,00;Buch",
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "x.csv", "Shop")  # type: ignore[arg-type]
    assert (caught.value.key, caught.value.row, caught.value.column) == ("conflict", 3, "email")


def test_unknown_status_is_rejected_with_row_and_column() -> None:
    data = csv_bytes(
        "order_id;date;email;amount;Status", "7;01.01.2025;a@example.de;10,00;vielleicht"
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "x.csv", "Shop")  # type: ignore[arg-type]
    assert (caught.value.key, caught.value.row, caught.value.column) == ("bad_status", 2, "Status")


def test_refund_higher_than_the_amount_is_rejected() -> None:
    data = csv_bytes("order_id;date;email;amount;refunded", "7;01.01.2025;a@example.de;10,00;11,00")
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "x.csv", "Shop")  # type: ignore[arg-type]
    assert (caught.value.key, caught.value.row) == ("refund_exceeds", 2)


# --- Re-import ----------------------------------------------------------------------------------


def test_reimporting_the_same_file_adds_nothing(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    before = counts(engine)
    again = import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    assert (again.orders_added, again.orders_updated, again.contacts_added) == (0, 0, 0)
    assert again.refunds_added == 0
    assert counts(engine) == before


def test_a_new_source_gets_the_csv_kind_and_the_report_counts(engine: Engine) -> None:
    report = import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    with Session(engine) as session:
        source = session.exec(select(Source)).one()
    assert (source.label, source.kind) == ("Shop", "csv")
    assert (report.format_name, report.rows_read, report.orders_added) == ("generic", 6, 5)


# --- Customers only -----------------------------------------------------------------------------


def test_customer_list_imports_contacts_only(engine: Engine) -> None:
    report = import_file(engine, sample("customers.csv"), "customers.csv", "Kundenliste")
    with Session(engine) as session:
        contacts = {c.source_contact_id: c for c in session.exec(select(Contact))}
    assert report.mode == "customers"
    assert (report.contacts_added, report.orders_added) == (3, 0)
    assert counts(engine)["orders"] == 0
    assert contacts["K-2"].company == "Schäfer Söhne GmbH"
    assert contacts["K-1"].country == "DE"
    assert contacts["K-1"].created_at is not None


def test_customer_list_merges_with_known_buyers_by_email(engine: Engine) -> None:
    import_file(engine, sample("german_excel.csv"), "german_excel.csv", "Shop")
    persons_before = counts(engine)["person"]
    import_customers(engine, sample("customers.csv"), "customers.csv", "Kundenliste")
    assert counts(engine)["person"] == persons_before + 1  # only neu@example.de is new


# --- Preview ------------------------------------------------------------------------------------


def test_preview_shows_mapping_rows_and_errors_without_writing(engine: Engine) -> None:
    result = preview(sample("bad_amount_row5.csv"), "bad_amount_row5.csv")
    assert result.format_name == "generic"
    assert result.row_count == 5
    assert result.rows["order_id"].to_list() == ["B-1", "B-2", "B-3", "B-4", "B-5"]
    assert [(e.row, e.column) for e in result.errors] == [(5, "amount")]
    assert counts(engine)["orders"] == 0


def test_preview_lists_unmapped_columns() -> None:
    data = csv_bytes("order_id;date;email;amount;Gutschein", "1;01.01.2025;a@example.de;5;X")
    assert preview(data, "x.csv").unmapped == ["Gutschein"]


def test_preview_of_an_unreadable_file_reports_instead_of_raising() -> None:
    result = preview(b"", "leer.csv")
    assert [e.key for e in result.errors] == ["empty_file"]
    assert result.rows.height == 0


# --- Real-world shapes --------------------------------------------------------------------------


def test_title_lines_above_the_header_are_skipped(engine: Engine) -> None:
    data = csv_bytes(
        "Bestellungen Export;;;",
        ";;;",
        "Bestellnummer;Datum;E-Mail;Betrag",
        "1;01.01.2025;a@example.de;5,00",
        "2;02.01.2025;b@example.de;x",
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(engine, data, "x.csv", "Shop")
    assert (caught.value.row, caught.value.column) == (5, "Betrag")


def test_unit_price_times_quantity_without_a_total_and_customer_id_without_email(
    engine: Engine,
) -> None:
    # Shaped like public e-commerce transaction data (UCI Online Retail): no e-mail addresses,
    # a unit price per line, several lines per invoice.
    data = csv_bytes(
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
        "489434,85048,15CM CHRISTMAS GLASS BALL,12,2009-12-01 07:45:00,6.95,13085,United Kingdom",
        "489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom",
        "489435,22350,CAT BOWL,12,2009-12-01 07:46:00,2.55,13085,United Kingdom",
    )
    report = import_file(engine, data, "online_retail.csv", "Retail")
    found = orders_by_id(engine)
    assert report.orders_added == 2
    assert found["489434"].gross_cents == 12 * 695 + 12 * 675
    assert items_of(engine, "489434")[0] == ("15CM CHRISTMAS GLASS BALL", 12, 8340)
    with Session(engine) as session:
        contact = session.exec(select(Contact)).one()
    assert (contact.source_contact_id, contact.email, contact.country) == ("13085", None, "GB")


def test_a_row_without_email_and_customer_id_is_rejected() -> None:
    data = csv_bytes(
        "order_id;date;email;customer_id;amount", "1;01.01.2025;;;5,00", "2;01.01.2025;;K-2;5,00"
    )
    with pytest.raises(ImportFileError) as caught:
        import_file(None, data, "x.csv", "Shop")  # type: ignore[arg-type]
    assert (caught.value.key, caught.value.row, caught.value.column) == (
        "empty_required",
        2,
        "email",
    )


def test_one_column_customer_list(engine: Engine) -> None:
    report = import_file(engine, csv_bytes("E-Mail", "a@example.de", "b@example.de"), "x.csv", "N")
    assert (report.mode, report.contacts_added) == ("customers", 2)


# --- Documentation ------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "import-format.md"


def test_the_format_documentation_names_every_generic_column_and_status() -> None:
    from kundenwert.import_formats import GENERIC, ORDER_KINDS, ORDER_STATUSES

    text = DOCS.read_text(encoding="utf-8")
    documented = {name for name in GENERIC.aliases if f"| `{name}` |" in text}
    assert documented == set(GENERIC.aliases)
    assert all(f"`{value}`" in text for value in (*ORDER_STATUSES, *ORDER_KINDS))
