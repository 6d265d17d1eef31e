"""Facets, segment conditions and restricting a dataset (kundenwert.segments) on tiny data.

The shop: Anna (DE, Berlin) bought a Kurs for 100,00 € and a Buch for 20,00 € in the Shop;
Ben (DE, München) a Buch for 30,00 €; Carla (AT, Wien) was invoiced 500,00 € for Beratung in
sevDesk; Dora (CH, Zürich) has only a pending Kurs order (value 0, no counted order); Emil
(DE, no city) was invoiced 10,00 € for a Kurs in sevDesk.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from kundenwert.customers import Dataset
from kundenwert.lifecycle import lifecycle
from kundenwert.metrics import kpis
from kundenwert.segments import (
    Condition,
    Facets,
    SegmentDefinition,
    SegmentError,
    build_context,
    condition_from_text,
    condition_texts,
    facet_counts,
    make_condition,
    matching_persons,
    parse_definition,
    restrict,
)
from tests.factories import contact, dataset, new_db, order, put

D = date.fromisoformat
TODAY = D("2025-03-20")
PEOPLE = {
    "anna": {"country": "DE", "city": "Berlin"},
    "ben": {"country": "DE", "city": "München"},
    "carla": {"country": "AT", "city": "Wien"},
    "dora": {"country": "CH", "city": "Zürich"},
    "emil": {"country": "DE"},
}
SHOP_ORDERS = [
    ("s1", "anna", 10000, "2025-01-10", "Kurs", "paid"),
    ("s2", "anna", 2000, "2025-03-01", "Buch", "paid"),
    ("s3", "ben", 3000, "2025-02-01", "Buch", "paid"),
    ("s4", "dora", 5000, "2025-03-10", "Kurs", "pending"),
]
INVOICES = [
    ("i1", "carla", 50000, "2024-06-01", "Beratung", "paid"),
    ("i2", "emil", 1000, "2025-03-15", "Kurs", "paid"),
]


def fill(engine: Engine, only: set[str] | None = None) -> None:
    """The shop above (or only some of its persons, for comparisons)."""
    for label, kind, rows in (
        ("Shop", "woocommerce", SHOP_ORDERS),
        ("sevDesk", "sevdesk", INVOICES),
    ):
        rows = [r for r in rows if only is None or r[1] in only]
        names = sorted({r[1] for r in rows})
        put(
            engine,
            label,
            [contact(n, f"{n}@x.de", first_name=n.title(), **PEOPLE[n]) for n in names],
            [order(o, c, g, d, product=p, status=s) for o, c, g, d, p, s in rows],
            kind,
        )


def business(tmp_path: Path, only: set[str] | None = None) -> Dataset:
    engine, url = new_db(tmp_path)
    fill(engine, only)
    return dataset(url)


@pytest.fixture
def ds(tmp_path: Path) -> Dataset:
    return business(tmp_path)


def names(ds: Dataset, ids: pl.Series) -> list[str]:
    people = ds.customers.filter(pl.col("person_id").is_in(ids.implode()))
    return sorted(e.split("@")[0] for e in people["email"])


def select(ds: Dataset, **facets: object) -> list[str]:
    ctx = build_context(ds, TODAY)
    return names(ds, matching_persons(ctx, SegmentDefinition(facets=Facets(**facets))))


def where(ds: Dataset, *conditions: Condition, match: str = "all") -> list[str]:
    ctx = build_context(ds, TODAY)
    definition = SegmentDefinition(conditions=list(conditions), match=match)  # type: ignore[arg-type]
    return names(ds, matching_persons(ctx, definition))


# --- facets -----------------------------------------------------------------------------------


def test_no_facet_selects_everybody(ds):
    assert select(ds) == ["anna", "ben", "carla", "dora", "emil"]


def test_country_then_city_drills_down(ds):
    assert select(ds, countries=["de"]) == ["anna", "ben", "emil"]
    assert select(ds, countries=["DE", "AT"], cities=["berlin", "Wien"]) == ["anna", "carla"]


def test_product_facet_counts_only_counted_orders(ds):
    # Dora's Kurs order is pending: she did not buy it
    assert select(ds, products=["Kurs"]) == ["anna", "emil"]


def test_source_facet_and_combined_facets(ds):
    assert select(ds, sources=["sevDesk"]) == ["carla", "emil"]
    assert select(ds, sources=["sevDesk"], countries=["DE"]) == ["emil"]
    assert select(ds, sources=["Shop"], products=["Buch"], cities=["München"]) == ["ben"]


def test_value_bands_rank_customers_with_orders(ds):
    # 4 persons with counted orders: every top band holds ⌈4/100⌉ = ⌈4/10⌉ = ⌈4/5⌉ = 1
    assert select(ds, value_band="top1") == ["carla"]
    assert select(ds, value_band="top20") == ["carla"]
    assert select(ds, value_band="rest") == ["anna", "ben", "dora", "emil"]


def test_free_value_range_is_inclusive_cents(ds):
    assert select(ds, min_value=3000, max_value=12000) == ["anna", "ben"]
    assert select(ds, value_band="rest", min_value=1000) == ["anna", "ben", "emil"]


def test_customer_since_bounds_the_first_order_day(ds):
    assert select(ds, since_from=D("2025-01-10"), since_to=D("2025-02-01")) == ["anna", "ben"]
    assert select(ds, since_from=D("2025-02-02")) == ["emil"]  # Dora never ordered


# --- conditions -------------------------------------------------------------------------------


def test_text_operators(ds):
    assert where(ds, make_condition("country", "is_not", "DE")) == ["carla", "dora"]
    assert where(ds, make_condition("product", "contains", "ur")) == ["anna", "emil"]
    assert where(ds, make_condition("product", "is_not", ["Kurs"])) == ["ben", "carla", "dora"]
    assert where(ds, make_condition("city", "is_not", "Berlin")) == ["ben", "carla", "dora", "emil"]


def test_number_operators(ds):
    assert where(ds, make_condition("value", "gt", 3000)) == ["anna", "carla"]
    assert where(ds, make_condition("value", "lt", 3000)) == ["dora", "emil"]
    assert where(ds, make_condition("orders", "is", 2)) == ["anna"]
    assert where(ds, make_condition("value", "between", 1000, "3000")) == ["ben", "emil"]


def test_date_operators(ds):
    assert where(ds, make_condition("last_order", "in_last_days", 6)) == ["emil"]
    assert where(ds, make_condition("last_order", "in_last_days", 20)) == ["anna", "emil"]
    assert where(ds, make_condition("first_order", "lt", "2025-01-01")) == ["carla"]
    assert where(ds, make_condition("first_order", "is", "2025-02-01")) == ["ben"]
    between = make_condition("last_order", "between", "2025-02-01", "2025-03-01")
    assert where(ds, between) == ["anna", "ben"]


def test_all_and_any(ds):
    germany = make_condition("country", "is", ["DE"])
    big = make_condition("value", "gt", 5000)
    assert where(ds, germany, big) == ["anna"]
    assert where(ds, germany, big, match="any") == ["anna", "ben", "carla", "emil"]


def test_facets_and_conditions_together(ds):
    definition = SegmentDefinition(
        facets=Facets(countries=["DE"]),
        match="any",
        conditions=[make_condition("city", "is", ["Wien"]), make_condition("orders", "gt", 1)],
    )
    # the facet always applies; the "any" only joins the conditions
    assert names(ds, matching_persons(build_context(ds, TODAY), definition)) == ["anna"]


def test_rfm_segment_condition_accepts_key_or_german_label(ds):
    ctx = build_context(ds, TODAY)
    segments = dict(ctx.rfm.iter_rows())
    carla = int(ds.customers.filter(pl.col("email") == "carla@x.de")["person_id"][0])
    wanted = segments[carla]
    found = where(ds, make_condition("rfm_segment", "is", [wanted]))
    assert "carla" in found and "dora" not in found
    with pytest.raises(SegmentError, match="Unbekanntes RFM-Segment"):
        where(ds, make_condition("rfm_segment", "is", ["Superstars"]))


def test_predicted_value_condition_needs_a_clv_column(ds):
    with pytest.raises(SegmentError, match="CLV"):  # five persons: too thin to fit the model
        where(ds, make_condition("clv", "gt", 0))
    predicted = ds.customers.with_columns(
        pl.when(pl.col("email") == "ben@x.de").then(9000).otherwise(100).alias("clv")
    )
    with_clv = dataclasses.replace(ds, customers=predicted)
    assert where(with_clv, make_condition("clv", "gt", 1000)) == ["ben"]


@pytest.mark.parametrize(
    ("field", "op", "value", "to", "message"),
    [
        ("value", "contains", "1", None, "passt nicht"),
        ("orders", "gt", "drei", None, "keine ganze Zahl"),
        ("first_order", "gt", "31.02.2025", None, "kein Datum"),
        ("value", "between", 1, None, "Von- und einen Bis-Wert"),
        ("country", "is", " , ", None, "einen Wert"),
    ],
)
def test_bad_conditions_say_what_to_fix(field, op, value, to, message):
    with pytest.raises(SegmentError, match=message):
        make_condition(field, op, value, to)


def test_a_definition_survives_json(ds):
    definition = SegmentDefinition(
        facets=Facets(countries=["DE"], value_band="top10", since_from=D("2025-01-01")),
        match="any",
        conditions=[
            make_condition("first_order", "between", "2025-01-01", "2025-02-01"),
            make_condition("product", "is", ["Kurs", "Buch"]),
        ],
    )
    again = parse_definition(definition.model_dump_json())
    assert again == definition
    ctx = build_context(ds, TODAY)
    assert matching_persons(ctx, again).to_list() == matching_persons(ctx, definition).to_list()


def test_a_broken_definition_is_rejected_with_its_place():
    with pytest.raises(SegmentError, match="match"):
        parse_definition('{"match": "some"}')


# --- facet counts -----------------------------------------------------------------------------


def counts(frame: pl.DataFrame) -> dict[str, int]:
    return dict(frame.iter_rows())


def test_facet_counts_apply_the_other_facets_but_not_their_own(ds):
    ctx = build_context(ds, TODAY)
    result = facet_counts(ctx, Facets(countries=["DE"], products=["Kurs"]))
    # countries under "Kurs": Anna, Emil (DE); the country choice itself is left out
    assert counts(result["country"]) == {"DE": 2}
    # products of the Germans: Kurs (Anna, Emil), Buch (Anna, Ben)
    assert counts(result["product"]) == {"Buch": 2, "Kurs": 2}
    # cities follow the chosen countries (drill-down) and the product
    assert counts(result["city"]) == {"Berlin": 1}
    assert counts(result["source"]) == {"Shop": 1, "sevDesk": 1}
    assert counts(result["value"]) == {"top1": 0, "top10": 0, "top20": 0, "rest": 2}


def test_facet_counts_without_a_choice_count_everybody(ds):
    result = facet_counts(build_context(ds, TODAY), Facets())
    assert counts(result["country"]) == {"DE": 3, "AT": 1, "CH": 1}
    assert counts(result["value"])["rest"] == 4


# --- restricting a dataset --------------------------------------------------------------------


def test_a_restricted_dataset_gives_the_kpis_of_those_persons_alone(ds, tmp_path):
    ctx = build_context(ds, TODAY)
    ids = matching_persons(ctx, SegmentDefinition(facets=Facets(countries=["DE"])))
    filtered = restrict(ds, ids)
    alone = business(tmp_path / "alone", only={"anna", "ben", "emil"})
    start, end = D("2025-01-01"), D("2025-03-31")
    expected = kpis(alone, start, end, today=TODAY)
    assert kpis(filtered, start, end, today=TODAY) == expected
    assert kpis(ds, start, end, persons=ids, today=TODAY) == expected
    assert expected.revenue == 10000 + 2000 + 3000 + 1000  # by hand
    assert expected.customers == 3
    assert lifecycle(filtered, start, end, "month", today=TODAY).equals(
        lifecycle(alone, start, end, "month", today=TODAY)
    )


def test_restricting_narrows_every_frame(ds):
    anna = ds.customers.filter(pl.col("email") == "anna@x.de")["person_id"]
    only = restrict(ds, anna)
    assert only.customers["email"].to_list() == ["anna@x.de"]
    assert set(only.orders["person_id"]) == set(anna)
    assert only.frames.items["product_name"].sort().to_list() == ["Buch", "Kurs"]
    assert only.frames.contacts.height == 1
    assert set(only.by_source["source_label"]) == {"Shop"}


def test_conditions_from_form_texts_take_money_in_currency_units():
    condition = condition_from_text("value", "between", "1.234,56", "2000")
    assert (condition.value, condition.to) == (123456, 200000)
    assert condition_texts(condition) == ("1234.56", "2000")
    again = condition_from_text("value", "between", *condition_texts(condition))
    assert again == condition
    products = condition_from_text("product", "is", "Kurs, Buch")
    assert products.value == ["Kurs", "Buch"]
    assert condition_texts(products) == ("Kurs, Buch", "")
    with pytest.raises(SegmentError, match="zehn"):
        condition_from_text("value", "gt", "zehn")


def test_predicted_value_condition_fits_the_model_when_asked(tmp_path: Path) -> None:
    """Eight buyers, person i buys i mod 4 more times: the condition on the predicted value
    selects exactly the persons whose model prediction passes it."""
    from kundenwert.clv import clv_by_person

    engine, url = new_db(tmp_path)
    contacts = [contact(f"c{i}", f"k{i}@example.de") for i in range(8)]
    orders = [order(f"o{i}a", f"c{i}", 5000, "2025-01-06") for i in range(8)]
    orders += [
        order(f"o{i}b{j}", f"c{i}", 3000 + 500 * i, f"2025-0{2 + j}-1{i % 3}")
        for i in range(8)
        for j in range(i % 4)
    ]
    put(engine, "Shop", contacts, orders)
    shop = dataset(url)
    today = D("2025-06-30")
    predicted = clv_by_person(shop, today)
    threshold = int(predicted["clv_cents"].median() or 0)
    expected = predicted.filter(pl.col("clv_cents") > threshold)["person_id"].sort().to_list()
    ctx = build_context(shop, today)
    found = matching_persons(
        ctx, SegmentDefinition(conditions=[make_condition("clv", "gt", threshold)])
    )
    assert found.to_list() == expected and 0 < len(expected) < 8


def test_dates_in_conditions_may_be_german_or_iso(ds):
    german = where(ds, make_condition("first_order", "gt", "01.02.2025"))
    assert german == where(ds, make_condition("first_order", "gt", "2025-02-01"))
    assert german == ["emil"]  # the only first order after 1 February 2025
