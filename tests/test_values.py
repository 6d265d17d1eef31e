"""Customer value: which orders count, refunds, chargebacks, bases, duplicates, test orders."""

from kundenwert.preferences import TestOrderRules
from kundenwert.settings import MoneyBasis
from tests.factories import contact, dataset, new_db, order, put, refund, value_of


def test_paid_orders_add_up(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "Shop", [contact("1", "a@x.de")], [order("o1", "1", 1190), order("o2", "1", 4999)])
    assert value_of(dataset(url), "a@x.de") == 6189


def test_cancelled_pending_and_failed_orders_count_zero(tmp_path):
    engine, url = new_db(tmp_path)
    orders = [
        order("o1", "1", 1000),
        order("o2", "1", 2000, status="cancelled"),
        order("o3", "1", 3000, status="pending"),
        order("o4", "1", 4000, status="failed"),
    ]
    put(engine, "Shop", [contact("1", "a@x.de")], orders)
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 1000
    assert ds.customers["orders"][0] == 1


def test_partial_refund_subtracts(tmp_path):
    engine, url = new_db(tmp_path)
    o = order("o1", "1", 10000, status="partially_refunded", refunds=[refund("r1", 2500)])
    put(engine, "Shop", [contact("1", "a@x.de")], [o])
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 7500
    assert ds.customers["refunds"][0] == 2500


def test_refunded_order_is_worth_nothing_even_without_refund_rows(tmp_path):
    engine, url = new_db(tmp_path)
    put(engine, "Shop", [contact("1", "a@x.de")], [order("o1", "1", 5000, status="refunded")])
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 0
    assert ds.customers["refunds"][0] == 5000


def test_chargeback_subtracts_the_whole_order_and_is_reported_apart(tmp_path):
    engine, url = new_db(tmp_path)
    orders = [order("o1", "1", 5000, status="chargeback"), order("o2", "1", 3000)]
    put(engine, "DS", [contact("1", "a@x.de")], orders)
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 3000
    assert ds.customers["chargebacks"][0] == 5000
    assert ds.customers["refunds"][0] == 0


def test_refund_larger_than_order_never_makes_value_negative(tmp_path):
    engine, url = new_db(tmp_path)
    o = order("o1", "1", 1000, refunds=[refund("r1", 800), refund("r2", 800)])
    put(engine, "Shop", [contact("1", "a@x.de")], [o])
    assert value_of(dataset(url), "a@x.de") == 0


def test_net_and_payout_basis(tmp_path):
    engine, url = new_db(tmp_path)
    o = order("o1", "1", 11900, tax=1900, fee=500, refunds=[refund("r1", 5950)])
    put(engine, "DS", [contact("1", "a@x.de")], [o])
    assert value_of(dataset(url, MoneyBasis.GROSS), "a@x.de") == 5950
    # half of the gross was refunded, so half of the net and of the payout remain
    assert value_of(dataset(url, MoneyBasis.NET), "a@x.de") == 5000
    assert value_of(dataset(url, MoneyBasis.PAYOUT), "a@x.de") == 4750


def test_same_payment_in_shop_and_payment_provider_counts_once(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("1", "a@x.de")],
        [order("w1", "1", 4900, payment_id="pi_1")],
        kind="woocommerce",
    )
    put(
        engine,
        "Stripe",
        [contact("cus_1", "a@x.de")],
        [order("ch_1", "cus_1", 4900, payment_id="pi_1", product=None)],
        kind="stripe",
    )
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 4900
    excluded = ds.orders.filter(ds.orders["excluded_reason"] == "duplicate_payment")
    assert excluded["source_label"].to_list() == ["Stripe"]  # the shop order with items counts


def test_a_provider_order_matches_the_shop_on_either_of_its_payment_ids(tmp_path):
    engine, url = new_db(tmp_path)
    shop = [
        order("w1", "1", 4900, payment_id="pi_A"),  # a plugin that stores the PaymentIntent
        order("w2", "1", 2900, payment_id="ch_B"),  # WooCommerce's Stripe gateway: the charge
    ]
    put(engine, "Shop", [contact("1", "a@x.de")], shop, kind="woocommerce")
    stripe = [
        order("ch_A", "cus_1", 4900, payment_id="ch_A pi_A", product=None),
        order("ch_B", "cus_1", 2900, payment_id="ch_B pi_B", product=None),
        order("ch_C", "cus_1", 1000, payment_id="ch_C pi_C", product=None),  # no shop order
    ]
    put(engine, "Stripe", [contact("cus_1", "a@x.de")], stripe, kind="stripe")
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 4900 + 2900 + 1000
    excluded = ds.orders.filter(ds.orders["excluded_reason"] == "duplicate_payment")
    assert sorted(excluded["source_order_id"].to_list()) == ["ch_A", "ch_B"]


def test_a_shop_payment_reference_with_spaces_is_one_id(tmp_path):
    engine, url = new_db(tmp_path)
    put(
        engine,
        "Shop",
        [contact("1", "a@x.de")],
        [order("o1", "1", 1000, payment_id="RE 2025"), order("o2", "1", 2000, payment_id="RE 7")],
    )
    # the two references share the word "RE" but are different payments
    assert value_of(dataset(url), "a@x.de") == 3000


def test_source_marked_not_counting_is_excluded_and_listed(tmp_path):
    from sqlmodel import Session, select

    from kundenwert.models import Source

    engine, url = new_db(tmp_path)
    put(engine, "Shop", [contact("1", "a@x.de")], [order("o1", "1", 1000)])
    put(engine, "Kopie", [contact("1", "a@x.de")], [order("o1", "1", 1000)])
    with Session(engine) as session:
        copy = session.exec(select(Source).where(Source.label == "Kopie")).one()
        copy.counts_towards_totals = False
        session.add(copy)
        session.commit()
    ds = dataset(url)
    assert value_of(ds, "a@x.de") == 1000
    assert ds.orders.filter(ds.orders["excluded_reason"] == "source_not_counted").height == 1


def test_test_order_rules_are_off_by_default_and_exclude_when_set(tmp_path):
    engine, url = new_db(tmp_path)
    contacts = [contact("1", "ich@meinefirma.de"), contact("2", "kunde@web.de")]
    orders = [order("o1", "1", 1000), order("o2", "2", 0), order("o3", "2", 2000)]
    put(engine, "Shop", contacts, orders)
    assert value_of(dataset(url), "ich@meinefirma.de") == 1000
    rules = TestOrderRules(domains=["meinefirma.de"], zero_amount=True)
    ds = dataset(url, rules=rules)
    assert value_of(ds, "ich@meinefirma.de") == 0
    reasons = ds.orders.filter(ds.orders["excluded_reason"] == "test_order")
    assert sorted(reasons["source_order_id"].to_list()) == ["o1", "o2"]
