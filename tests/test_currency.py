"""Foreign currencies are converted at the ECB rate of the order date, and the rate is kept."""

from tests.factories import contact, dataset, new_db, order, put, put_rates, value_of


def test_order_converted_with_the_rate_of_its_day(tmp_path):
    engine, url = new_db(tmp_path)
    put_rates(engine, {("CHF", "2025-03-03"): "0.9512", ("CHF", "2025-03-04"): "0.9000"})
    put(
        engine,
        "Shop",
        [contact("1", "a@x.ch")],
        [order("o1", "1", 10000, "2025-03-03", currency="CHF")],
    )
    ds = dataset(url)
    assert value_of(ds, "a@x.ch") == 10513  # 100 CHF / 0.9512 = 105.1304 EUR
    row = ds.orders.row(0, named=True)
    assert (row["rate"], str(row["rate_day"])) == ("0.9512", "2025-03-03")


def test_weekend_order_uses_the_last_earlier_rate(tmp_path):
    engine, url = new_db(tmp_path)
    put_rates(engine, {("USD", "2025-03-07"): "1.0833", ("USD", "2025-03-10"): "2.0000"})
    put(
        engine,
        "DS",
        [contact("1", "a@x.com")],
        [order("o1", "1", 5000, "2025-03-09", currency="USD")],
    )
    ds = dataset(url)
    assert value_of(ds, "a@x.com") == 4616  # 50 USD / 1.0833 (Friday's rate) = 46.155 EUR
    assert str(ds.orders["rate_day"][0]) == "2025-03-07"


def test_refund_in_foreign_currency_converted_with_the_order_rate(tmp_path):
    from tests.factories import refund

    engine, url = new_db(tmp_path)
    put_rates(engine, {("USD", "2025-03-03"): "1.2500"})
    o = order("o1", "1", 10000, currency="USD", refunds=[refund("r1", 2500)])
    put(engine, "DS", [contact("1", "a@x.com")], [o])
    ds = dataset(url)
    assert value_of(ds, "a@x.com") == 6000  # 80 EUR gross − 20 EUR refund
    assert ds.customers["refunds"][0] == 2000


def test_order_without_any_rate_is_excluded_and_listed(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "DS",
        [contact("1", "a@x.com")],
        [order("o1", "1", 5000, currency="USD"), order("o2", "1", 700)],
    )
    ds = dataset(url)
    assert value_of(ds, "a@x.com") == 700
    assert ds.orders.filter(ds.orders["excluded_reason"] == "no_rate").height == 1


def test_rate_published_after_the_order_is_not_used(tmp_path):
    engine, url = new_db(tmp_path)
    put_rates(engine, {("USD", "2025-03-04"): "1.1000"})
    put(
        engine,
        "DS",
        [contact("1", "a@x.com")],
        [order("o1", "1", 5000, "2025-03-03", currency="USD")],
    )
    assert dataset(url).orders["excluded_reason"][0] == "no_rate"


def test_base_currency_other_than_euro_uses_the_cross_rate(tmp_path):
    from kundenwert.customers import build_dataset
    from kundenwert.frames import load_frames

    engine, url = new_db(tmp_path)
    put_rates(engine, {("CHF", "2025-03-03"): "0.9500", ("USD", "2025-03-03"): "1.0500"})
    put(
        engine,
        "DS",
        [contact("1", "a@x.com")],
        [order("o1", "1", 10500, currency="USD"), order("o2", "1", 1000, currency="EUR")],
    )
    ds = build_dataset(load_frames(url), base_currency="CHF")
    # 105 USD = 100 EUR = 95 CHF; 10 EUR = 9.50 CHF
    assert ds.customers["value"][0] == 9500 + 950
