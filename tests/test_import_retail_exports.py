"""Real retail exports: US slash dates, credit notes with negative quantities, guest sales.

Shaped after the public UCI "Online Retail" data set (InvoiceNo, StockCode, Description,
Quantity, InvoiceDate, UnitPrice, CustomerID, Country), whose dates are month-first
(``12/13/2010 8:45``), whose cancellations are invoices "C…" with negative quantities, and
whose guest sales have no CustomerID.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert import import_formats as fmts
from kundenwert.customers import load_dataset
from kundenwert.importer import ImportFileError, import_file
from kundenwert.models import Order

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"
RETAIL = "\n".join(
    [
        HEADER,
        "536365,85123A,WHITE HANGING HEART,6,12/1/2010 8:26,2.55,17850,United Kingdom",
        "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom",
        "C536379,D,Discount,-1,12/1/2010 9:41,27.5,17850,United Kingdom",
        "536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/13/2010 8:45,3.75,12583,France",
        "536371,22086,PAPER CHAIN KIT 50'S CHRISTMAS ,80,12/1/2010 9:00,2.55,,United Kingdom",
    ]
).encode()


def test_slash_date_order_is_proven_by_the_column():
    assert fmts.slash_date_order(["12/1/2010 8:26", "12/13/2010 8:45"]) == "mdy"
    assert fmts.slash_date_order(["13/01/2025", "01/02/2025"]) == "dmy"
    assert fmts.slash_date_order(["01/02/2025", "03/04/2025"]) is None
    assert fmts.slash_date_order(["13/01/2025", "01/13/2025"]) is None


def test_month_first_dates_are_read_as_such(engine: Engine, sqlite_url: str) -> None:
    import_file(engine, RETAIL, "online_retail.csv", "Retail")
    with Session(engine) as session:
        order = session.exec(select(Order).where(Order.source_order_id == "536370")).one()
    # 13 December 2010, 08:45 in Berlin (CET) is 07:45 UTC
    assert order.ordered_at.astimezone(UTC) == datetime(2010, 12, 13, 7, 45, tzinfo=UTC)


def test_a_column_of_only_ambiguous_slash_dates_is_rejected(engine: Engine) -> None:
    data = b"order_id,date,email,amount\nA,01/02/2025,a@x.de,10\nB,03/04/2025,b@x.de,20\n"
    with pytest.raises(ImportFileError) as error:
        import_file(engine, data, "x.csv", "X")
    assert (error.value.row, error.value.column) == (2, "date")
    assert "mehrdeutig" in error.value.message("de")


def test_credit_note_counts_as_a_refund_of_the_customer(engine: Engine, sqlite_url: str) -> None:
    import_file(engine, RETAIL, "online_retail.csv", "Retail")
    customers = load_dataset(sqlite_url).customers
    buyer = customers.filter(customers["person_id"] == customers["person_id"].min()).row(
        0, named=True
    )
    # 6 × 2.55 + 6 × 3.39 = 35.64 sold, 27.50 credited
    assert (buyer["orders"], buyer["value"], buyer["refunds"]) == (1, 3564 - 2750, 2750)


def test_guest_sales_without_customer_id_get_a_contact_of_their_own(
    engine: Engine, sqlite_url: str
) -> None:
    report = import_file(engine, RETAIL, "online_retail.csv", "Retail")
    assert report.orders_added == 4
    customers = load_dataset(sqlite_url).customers
    assert customers.height == 3
    assert sorted(customers["value"].to_list()) == [814, 9000, 20400]


def test_reimport_of_the_retail_file_adds_nothing(engine: Engine) -> None:
    import_file(engine, RETAIL, "online_retail.csv", "Retail")
    again = import_file(engine, RETAIL, "online_retail.csv", "Retail")
    assert (again.orders_added, again.orders_updated, again.contacts_added) == (0, 0, 0)
