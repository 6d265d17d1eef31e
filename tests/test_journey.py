"""Kundenreise: steps from the source of the first purchase on, same-source repeats collapsed,
value per step, persons chosen by the day of their first purchase."""

from dataclasses import replace
from datetime import date

import pytest

from kundenwert.journey import journey, journey_summary, person_steps
from tests.factories import contact, dataset, new_db, order, put, refund

START, END = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture
def db(tmp_path):
    return new_db(tmp_path)


def flows(ds, steps: int = 3, start: date = START, end: date = END) -> list[tuple]:
    return list(journey(ds, start, end, steps).iter_rows())


def test_repeats_in_the_same_source_are_one_step(db):
    engine, url = db
    put(
        engine,
        "Digistore24",
        [contact("d", "a@x.de")],
        [
            order("d1", "d", 10000, "2025-03-01"),
            order("d2", "d", 5000, "2025-03-05"),
        ],
    )
    put(engine, "sevDesk", [contact("s", "a@x.de")], [order("s1", "s", 70000, "2025-04-01")])
    assert flows(dataset(url)) == [(1, "Digistore24", 2, "sevDesk", 1, 70000)]


def test_steps_follow_the_order_dates_not_the_import_order(db):
    engine, url = db
    put(engine, "sevDesk", [contact("s", "a@x.de")], [order("s1", "s", 70000, "2025-04-01")])
    put(
        engine,
        "Digistore24",
        [contact("d", "a@x.de")],
        [
            order("d1", "d", 10000, "2025-03-01"),
            order("d2", "d", 2000, "2025-05-01"),
        ],
    )
    assert flows(dataset(url)) == [
        (1, "Digistore24", 2, "sevDesk", 1, 70000),
        (2, "sevDesk", 3, "Digistore24", 1, 2000),
    ]


def test_value_of_a_step_sums_its_orders_after_refunds(db):
    engine, url = db
    put(engine, "Digistore24", [contact("d", "a@x.de")], [order("d1", "d", 10000, "2025-03-01")])
    put(
        engine,
        "sevDesk",
        [contact("s", "a@x.de")],
        [
            order("s1", "s", 30000, "2025-04-01", refunds=[refund("r1", 5000, "2025-04-10")]),
            order("s2", "s", 20000, "2025-04-20"),
        ],
    )
    steps = person_steps(dataset(url), START, END)
    assert steps.select("step", "source", "orders", "value").rows() == [
        (1, "Digistore24", 1, 10000),
        (2, "sevDesk", 2, 45000),
    ]


def test_persons_on_the_same_path_add_up(db):
    engine, url = db
    put(
        engine,
        "Digistore24",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [
            order("d1", "a", 10000, "2025-03-01"),
            order("d2", "b", 10000, "2025-03-02"),
        ],
    )
    put(
        engine,
        "sevDesk",
        [contact("sa", "a@x.de"), contact("sb", "b@x.de")],
        [
            order("s1", "sa", 30000, "2025-04-01"),
            order("s2", "sb", 20000, "2025-04-02"),
        ],
    )
    assert flows(dataset(url)) == [(1, "Digistore24", 2, "sevDesk", 2, 50000)]


def test_steps_beyond_the_limit_are_left_out(db):
    engine, url = db
    put(
        engine,
        "A",
        [contact("a", "a@x.de")],
        [
            order("a1", "a", 100, "2025-03-01"),
            order("a2", "a", 300, "2025-03-03"),
        ],
    )
    put(
        engine,
        "B",
        [contact("b", "a@x.de")],
        [
            order("b1", "b", 200, "2025-03-02"),
            order("b2", "b", 400, "2025-03-04"),
        ],
    )
    ds = dataset(url)
    assert [(r[0], r[1], r[3]) for r in flows(ds, steps=2)] == [(1, "A", "B")]
    assert [(r[0], r[1], r[3], r[5]) for r in flows(ds, steps=4)] == [
        (1, "A", "B", 200),
        (2, "B", "A", 300),
        (3, "A", "B", 400),
    ]


def test_only_persons_whose_first_purchase_lies_in_the_range(db):
    engine, url = db
    put(
        engine,
        "A",
        [contact("a", "early@x.de"), contact("c", "late@x.de")],
        [
            order("a1", "a", 100, "2024-12-01"),
            order("a2", "c", 100, "2025-02-01"),
        ],
    )
    put(
        engine,
        "B",
        [contact("b", "early@x.de"), contact("d", "late@x.de")],
        [
            order(
                "b1", "b", 500, "2025-02-01"
            ),  # early's second step lies in the range: not enough
            order("b2", "d", 700, "2026-03-01"),  # late's second step lies after it: still followed
        ],
    )
    assert flows(dataset(url), start=date(2025, 1, 1), end=date(2025, 3, 31)) == [
        (1, "A", 2, "B", 1, 700)
    ]


def test_the_first_purchase_is_on_its_german_day(db):
    engine, url = db
    # 23:30 UTC on 31 December 2024 is 1 January 2025 in Germany
    put(engine, "A", [contact("a", "a@x.de")], [order("a1", "a", 100, "2024-12-31")])
    put(engine, "B", [contact("b", "a@x.de")], [order("b1", "b", 200, "2025-02-01")])
    ds = dataset(url)
    late = ds.orders["ordered_at"][0].replace(hour=23, minute=30)
    ds = replace(ds, orders=ds.orders.with_columns(ds.orders["ordered_at"].scatter(0, late)))
    assert [r[4] for r in flows(ds, start=date(2025, 1, 1), end=date(2025, 1, 1))] == [1]


def test_pending_orders_and_credit_notes_are_no_purchases(db):
    engine, url = db
    put(engine, "A", [contact("a", "a@x.de")], [order("a1", "a", 100, "2025-03-01")])
    put(
        engine,
        "B",
        [contact("b", "a@x.de")],
        [
            order("b1", "b", 500, "2025-03-02", status="pending"),
            order("b2", "b", -100, "2025-03-03"),
        ],
    )
    ds = dataset(url)
    assert flows(ds) == []
    assert journey_summary(ds, START, END).rows() == [("A", 1, 1, 0, 100, 0)]


def test_summary_counts_who_stays_and_who_moves_on(db):
    engine, url = db
    put(
        engine,
        "Digistore24",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [
            order("d1", "a", 10000, "2025-03-01"),
            order("d2", "b", 10000, "2025-03-02"),
            order("d3", "b", 5000, "2025-03-09"),
        ],
    )
    put(engine, "sevDesk", [contact("s", "a@x.de")], [order("s1", "s", 70000, "2025-04-01")])
    summary = journey_summary(dataset(url), START, END)
    assert summary.rows(named=True) == [
        {
            "source": "Digistore24",
            "persons": 2,
            "stayed": 1,
            "moved": 1,
            "value": 95000,
            "value_later": 70000,
        }
    ]


def test_an_empty_range_gives_empty_frames(db):
    engine, url = db
    put(engine, "A", [contact("a", "a@x.de")], [order("a1", "a", 100, "2025-03-01")])
    ds = dataset(url)
    assert journey(ds, date(2020, 1, 1), date(2020, 12, 31)).is_empty()
    assert journey_summary(ds, date(2020, 1, 1), date(2020, 12, 31)).is_empty()


def test_fewer_than_two_steps_is_refused(db):
    _, url = db
    with pytest.raises(ValueError):
        journey(dataset(url), START, END, steps=1)
