"""Customer list (sort, search, paging), matrix and the customer report."""

import polars as pl

from kundenwert.customers import customer_detail, customer_matrix, customer_page, source_overview
from tests.factories import contact, dataset, new_db, order, put, put_rates, refund


def small_business(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "Digistore24",
        [
            contact("1", "anna@x.de", first_name="Anna", last_name="Alt"),
            contact("2", "ben@x.de", first_name="Ben", last_name="Bauer"),
        ],
        [order("d1", "1", 9700), order("d2", "2", 4700, status="refunded")],
        "digistore24",
    )
    put(
        engine,
        "sevDesk",
        [contact("k1", "ANNA@x.de", city="Wien", country="at")],
        [order("RE-1", "k1", 120000, kind="invoice")],
        "sevdesk",
    )
    put(
        engine,
        "Shop",
        [contact("c", "cem@y.ch", first_name="Cem", last_name="Can")],
        [order("w1", "c", 5000, currency="CHF", refunds=[refund("r", 1000)])],
        "woocommerce",
    )
    put_rates(engine, {("CHF", "2025-03-03"): "0.9500"})
    return engine, dataset(url)


def test_list_sorted_by_value_both_ways(tmp_path):
    _, ds = small_business(tmp_path)
    page, total = customer_page(ds.customers, sort_by="value", descending=True)
    assert total == 3
    assert page["email"].to_list() == ["anna@x.de", "cem@y.ch", "ben@x.de"]
    page, _ = customer_page(ds.customers, sort_by="value", descending=False)
    assert page["value"].to_list() == [0, 4210, 129700]


def test_list_sorted_by_name_and_searched(tmp_path):
    _, ds = small_business(tmp_path)
    page, _ = customer_page(ds.customers, sort_by="name", descending=False)
    assert page["name"].to_list() == ["Anna Alt", "Ben Bauer", "Cem Can"]
    page, total = customer_page(ds.customers, search="BAUER")
    assert (total, page["email"].to_list()) == (1, ["ben@x.de"])


def test_paging(tmp_path):
    _, ds = small_business(tmp_path)
    first, total = customer_page(ds.customers, page=1, page_size=2)
    second, _ = customer_page(ds.customers, page=2, page_size=2)
    assert total == 3 and first.height == 2 and second["email"].to_list() == ["ben@x.de"]


def test_matrix_has_a_column_per_source_and_the_invoice_subtotal(tmp_path):
    _, ds = small_business(tmp_path)
    matrix = customer_matrix(ds)
    assert matrix.columns == [
        "person_id",
        "name",
        "email",
        "Digistore24",
        "sevDesk",
        "Shop",
        "from_invoices",
        "total",
    ]
    anna = matrix.filter(pl.col("email") == "anna@x.de").row(0, named=True)
    assert (anna["Digistore24"], anna["sevDesk"], anna["from_invoices"], anna["total"]) == (
        9700,
        120000,
        120000,
        129700,
    )


def test_customer_report_shows_every_order_with_rate_and_products(tmp_path):
    _, ds = small_business(tmp_path)
    cem = ds.customers.filter(pl.col("email") == "cem@y.ch")["person_id"][0]
    detail = customer_detail(ds, cem)
    assert detail is not None
    assert detail.value == 5263 - 1053  # 50 CHF / 0.95 − 10 CHF / 0.95, each to the cent
    (row,) = detail.orders.iter_rows(named=True)
    assert (row["currency"], row["rate"], row["products"]) == ("CHF", "0.9500", "Kurs")
    assert detail.refunds["amount_cents"].to_list() == [1000]
    assert set(detail.timeline["event"]) == {"order", "refund"}


def test_customer_report_merges_personal_data_of_all_sources(tmp_path):
    _, ds = small_business(tmp_path)
    anna = ds.customers.filter(pl.col("email") == "anna@x.de").row(0, named=True)
    detail = customer_detail(ds, anna["person_id"])
    assert detail is not None
    assert sorted(detail.contacts["source_label"].to_list()) == ["Digistore24", "sevDesk"]
    assert (anna["city"], anna["country"], anna["name"]) == ("Wien", "AT", "Anna Alt")
    assert dict(detail.value_by_source.select("source_label", "value").iter_rows()) == {
        "Digistore24": 9700,
        "sevDesk": 120000,
    }
    assert detail.average_order == 64850


def test_source_overview_counts(tmp_path):
    _, ds = small_business(tmp_path)
    overview = source_overview(ds)
    assert overview.select("label", "contacts", "orders").rows() == [
        ("Digistore24", 2, 2),
        ("sevDesk", 1, 1),
        ("Shop", 1, 1),
    ]
