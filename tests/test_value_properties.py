"""Invariant: the per-source values of every person add up to the person's total."""

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kundenwert.customers import customer_matrix
from tests.factories import contact, dataset, new_db, order, put, put_rates, refund

STATUSES = ["paid", "refunded", "partially_refunded", "chargeback", "cancelled", "pending"]
SOURCES = [
    ("Digistore24", "digistore24"),
    ("Shop", "woocommerce"),
    ("sevDesk", "sevdesk"),
    ("Stripe", "stripe"),
]

order_strategy = st.tuples(
    st.sampled_from(range(len(SOURCES))),
    st.sampled_from(["a@x.de", "A@X.de ", "b@y.de", "c@z.ch"]),
    st.integers(min_value=0, max_value=500_000),
    st.sampled_from(STATUSES),
    st.sampled_from(["EUR", "EUR", "CHF", "USD"]),
    st.integers(min_value=0, max_value=600_000),
    st.sampled_from([None, "pay_1", "pay_2"]),
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(order_strategy, min_size=1, max_size=25))
def test_per_source_values_add_up_to_the_total(tmp_path_factory, orders):
    engine, url = new_db(tmp_path_factory.mktemp("db"))
    put_rates(engine, {("CHF", "2025-01-01"): "0.9437", ("USD", "2025-01-01"): "1.0389"})
    for index, (label, kind) in enumerate(SOURCES):
        mine = [o for o in orders if o[0] == index]
        contacts = [contact(email, email) for email in {o[1] for o in mine}]
        records = [
            order(
                f"o{n}",
                email,
                gross,
                "2025-03-03",
                currency=currency,
                status=status,
                payment_id=payment,
                refunds=[refund(f"r{n}", refunded)] if refunded else [],
            )
            for n, (_, email, gross, status, currency, refunded, payment) in enumerate(mine)
        ]
        put(engine, label, contacts, records, kind)
    ds = dataset(url)
    per_source = ds.by_source.group_by("person_id").agg(pl.col("value").sum())
    totals = dict(ds.customers.select("person_id", "value").iter_rows())
    for person_id, summed in per_source.iter_rows():
        assert summed == totals[person_id]
    matrix = customer_matrix(ds)
    labels = [label for label, _ in SOURCES if label in matrix.columns]
    for row in matrix.iter_rows(named=True):
        assert sum(row[label] for label in labels) == row["total"] == totals[row["person_id"]]
    assert all(v >= 0 for v in totals.values())
