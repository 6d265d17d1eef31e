"""RFM: quintile scores with ties never split, R reversed, FM half-up, one segment per cell."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kundenwert.rfm import (
    DEFAULT_GRID,
    NOT_SCORED,
    SEGMENT_LABELS_DE,
    SEGMENTS,
    RfmGridError,
    moved,
    movement,
    movement_counts,
    movement_crosstab,
    score,
    validate_grid,
)
from tests.factories import contact, dataset, new_db, order, put

AS_OF = date(2025, 3, 31)


@pytest.fixture
def db(tmp_path):
    return new_db(tmp_path)


def by_email(result, email: str) -> dict:
    rows = result.persons.filter(pl.col("email") == email)
    assert rows.height == 1, f"{email} scored {rows.height} times"
    return rows.row(0, named=True)


def day(offset: int) -> str:
    return (date(2025, 1, 1) + timedelta(days=offset)).isoformat()


# --- the grid -------------------------------------------------------------------------------


def test_default_grid_maps_every_cell_to_exactly_one_known_segment():
    cells = {(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert set(DEFAULT_GRID) == cells
    members = {s: {c for c, seg in DEFAULT_GRID.items() if seg == s} for s in SEGMENTS}
    assert sum(len(m) for m in members.values()) == 25  # disjoint …
    assert set().union(*members.values()) == cells  # … and covering: a partition
    assert all(members.values()), "every segment owns at least one cell"
    validate_grid(DEFAULT_GRID)


def test_default_grid_is_the_table_of_the_design():
    assert DEFAULT_GRID[(5, 1)] == "New Customers"
    assert DEFAULT_GRID[(5, 4)] == DEFAULT_GRID[(5, 5)] == DEFAULT_GRID[(4, 5)] == "Champions"
    assert DEFAULT_GRID[(4, 1)] == "Promising"
    assert DEFAULT_GRID[(3, 1)] == "About to Sleep"
    assert DEFAULT_GRID[(3, 4)] == DEFAULT_GRID[(3, 5)] == DEFAULT_GRID[(4, 4)] == "Loyal Customers"
    assert DEFAULT_GRID[(2, 5)] == DEFAULT_GRID[(1, 5)] == "Can't Lose Them"
    assert DEFAULT_GRID[(1, 3)] == DEFAULT_GRID[(2, 1)] == "Hibernating"
    assert DEFAULT_GRID[(1, 4)] == DEFAULT_GRID[(2, 3)] == "At Risk"
    assert DEFAULT_GRID[(1, 1)] == DEFAULT_GRID[(1, 2)] == "Lost"


def test_every_segment_has_a_german_label():
    assert set(SEGMENT_LABELS_DE) == set(SEGMENTS)


def test_a_grid_with_a_missing_cell_is_rejected():
    grid = dict(DEFAULT_GRID)
    del grid[(3, 3)]
    with pytest.raises(RfmGridError, match=r"missing cells.*\(3, 3\)"):
        validate_grid(grid)


def test_a_grid_with_an_unknown_segment_or_cell_is_rejected():
    with pytest.raises(RfmGridError, match="Sleepy"):
        validate_grid({**DEFAULT_GRID, (2, 2): "Sleepy"})
    with pytest.raises(RfmGridError, match="outside"):
        validate_grid({**DEFAULT_GRID, (6, 1): "Lost"})
    with pytest.raises(RfmGridError, match="exactly one"):
        validate_grid({**DEFAULT_GRID, (2, 2): ["Lost", "At Risk"]})  # type: ignore[dict-item]


def test_score_refuses_an_invalid_grid(db):
    _, url = db
    with pytest.raises(RfmGridError):
        score(dataset(url), AS_OF, grid={(1, 1): "Lost"})


# --- scores ---------------------------------------------------------------------------------


def ten_distinct(engine, money_rank=range(10)):
    """Person i has i + 1 order days (Jan 1 …), the last on Jan i + 1; M ranks by money_rank."""
    contacts = [contact(str(i), f"p{i}@x.de") for i in range(10)]
    orders = []
    for i, rank in enumerate(money_rank):
        orders.append(order(f"{i}-0", str(i), 100_000 * (rank + 1), day(0)))
        orders += [order(f"{i}-{d}", str(i), 1, day(d)) for d in range(1, i + 1)]
    put(engine, "Shop", contacts, orders)


def test_ten_distinct_values_give_each_score_twice(db):
    engine, url = db
    ten_distinct(engine)
    persons = score(dataset(url), AS_OF).persons.sort("frequency")
    assert persons["frequency"].to_list() == list(range(1, 11))
    for column in ("r", "f", "m"):
        assert persons[column].to_list() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_recency_is_reversed_the_most_recent_buyer_scores_5(db):
    engine, url = db
    ten_distinct(engine)
    persons = score(dataset(url), AS_OF).persons.sort("recency_days")
    assert persons["recency_days"][0] == (AS_OF - date(2025, 1, 10)).days
    assert persons["r"].to_list() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_fm_is_f_plus_m_over_two_rounded_half_up(db):
    engine, url = db
    ten_distinct(engine, money_rank=[0, 1, 2, 3, 6, 4, 5, 7, 8, 9])
    fifth = by_email(score(dataset(url), AS_OF), "p4@x.de")
    assert (fifth["f"], fifth["m"], fifth["fm"]) == (3, 4, 4)  # (3 + 4) / 2 = 3.5 → 4


def test_ties_never_split_across_scores(db):
    engine, url = db
    values = [100, 200, 300, 300, 300, 300, 700, 800, 900, 1000]
    put(
        engine,
        "Shop",
        [contact(str(i), f"p{i}@x.de") for i in range(10)],
        [order(str(i), str(i), cents) for i, cents in enumerate(values)],
    )
    result = score(dataset(url), AS_OF)
    persons = result.persons.sort("monetary")
    # by position the four 300s would span scores 2 and 3; tied, they all take the first
    assert persons["m"].to_list() == [1, 1, 2, 2, 2, 2, 4, 4, 5, 5]
    monetary = result.cutoffs.filter(pl.col("dimension") == "monetary")
    assert monetary.select("score", "min", "max", "persons").rows() == [
        (1, 100, 200, 2),
        (2, 300, 300, 4),
        (3, None, None, 0),
        (4, 700, 800, 2),
        (5, 900, 1000, 2),
    ]
    # everybody bought on the same day once: R and F are one tie each
    assert set(persons["r"]) == {1} and set(persons["f"]) == {1}


def test_a_tiny_business_of_three_equal_customers_is_scored(db):
    engine, url = db
    put(
        engine,
        "Shop",
        [contact(c, f"{c}@x.de") for c in "abc"],
        [order(c, c, 4900, day(n)) for n, c in enumerate("abc")],
    )
    result = score(dataset(url), AS_OF)
    assert result.persons.height == 3
    assert set(result.persons["f"]) == {1} and set(result.persons["m"]) == {1}
    assert result.persons["r"].to_list() == [1, 2, 4]  # 3 distinct recencies
    assert result.segments["persons"].sum() == 3
    assert result.persons["segment"].null_count() == 0


def test_nobody_to_score_gives_empty_frames(db):
    engine, url = db
    put(engine, "Shop", [contact("a", "a@x.de")], [order("1", "a", 100, "2025-06-01")])
    result = score(dataset(url), AS_OF)
    assert result.persons.height == 0
    assert result.segments["persons"].sum() == 0 and result.segments.height == len(SEGMENTS)
    assert result.cutoffs.height == 15 and result.cutoffs["persons"].sum() == 0


def test_value_after_refunds_is_m_and_may_be_negative(db):
    engine, url = db
    put(
        engine,
        "Shop",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [
            order("1", "a", 5000, day(0)),
            order("2", "a", -8000, day(5)),  # credit note: a refund, not an order day
            order("3", "b", 1000, day(0), status="refunded"),
        ],
    )
    result = score(dataset(url), AS_OF)
    a, b = by_email(result, "a@x.de"), by_email(result, "b@x.de")
    assert (a["monetary"], a["frequency"], a["orders"]) == (-3000, 1, 1)
    assert a["recency_days"] == (AS_OF - date(2025, 1, 1)).days
    assert b["monetary"] == 0 and (a["m"], b["m"]) == (1, 3)


def test_only_orders_up_to_as_of_count_on_the_german_day(db):
    engine, url = db
    late = replace(order("3", "a", 7000), ordered_at=datetime(2025, 3, 31, 22, 30, tzinfo=UTC))
    put(
        engine,
        "Shop",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [order("1", "a", 1000, "2025-03-01"), late, order("2", "b", 500, "2025-04-02")],
    )
    result = score(dataset(url), AS_OF)
    a = by_email(result, "a@x.de")
    assert (a["monetary"], a["frequency"], a["recency_days"]) == (1000, 1, 30)  # 00:30 on 1 April
    assert result.persons.height == 1  # b bought only later: not scored
    later = by_email(score(dataset(url), date(2025, 4, 1)), "a@x.de")
    assert (later["monetary"], later["frequency"], later["recency_days"]) == (8000, 2, 0)


def test_since_restricts_the_scored_orders_to_the_range(db):
    engine, url = db
    put(
        engine,
        "Shop",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [
            order("1", "a", 1000, "2024-06-01"),
            order("2", "a", 2000, "2025-02-01"),
            order("3", "b", 4000, "2024-12-31"),
        ],
    )
    result = score(dataset(url), AS_OF, since=date(2025, 1, 1))
    assert result.persons["email"].to_list() == ["a@x.de"]
    a = by_email(result, "a@x.de")
    assert (a["monetary"], a["frequency"], a["recency_days"]) == (2000, 1, 58)
    with pytest.raises(ValueError, match="after"):
        score(dataset(url), AS_OF, since=date(2025, 4, 1))


def test_persons_restricts_the_output_not_the_ranking(db):
    engine, url = db
    ten_distinct(engine)
    ds = dataset(url)
    everyone = score(ds, AS_OF).persons
    some = everyone["person_id"].head(3)
    restricted = score(ds, AS_OF, persons=some)
    assert restricted.persons.equals(everyone.head(3))
    assert restricted.segments["persons"].sum() == 3
    assert restricted.segments["share"].sum() == pytest.approx(1.0)


def test_segment_summary_counts_orders_and_rounds_aov_half_up(db):
    engine, url = db
    put(
        engine,
        "Shop",
        [contact("a", "a@x.de")],
        [order("1", "a", 1000, day(0)), order("2", "a", 1001, day(0))],
    )
    result = score(dataset(url), AS_OF)
    assert by_email(result, "a@x.de")["frequency"] == 1  # two orders, one order day
    lost = result.segments.filter(pl.col("segment") == "Lost").row(0, named=True)
    assert (lost["persons"], lost["share"], lost["revenue"], lost["orders"]) == (1, 1.0, 2001, 2)
    assert lost["aov"] == 1001  # 1000.5 cents, half up
    assert lost["avg_recency_days"] == (AS_OF - date(2025, 1, 1)).days
    empty = result.segments.filter(pl.col("segment") == "Champions").row(0, named=True)
    assert (empty["persons"], empty["revenue"], empty["aov"]) == (0, 0, None)


# --- movement -------------------------------------------------------------------------------


def test_movement_between_two_dates(db):
    engine, url = db
    put(
        engine,
        "Shop",
        [contact("a", "a@x.de"), contact("b", "b@x.de")],
        [order("1", "a", 1000, "2025-01-01"), order("2", "b", 5000, "2025-03-01")],
    )
    ds = dataset(url)
    moves = movement(ds, date(2025, 2, 1), date(2025, 3, 1))
    emails = dict(ds.customers.select("email", "person_id").iter_rows())
    assert moves.rows() == [
        (emails["a@x.de"], "Lost", "Lost"),  # the only buyer: every score 1
        (emails["b@x.de"], None, "Need Attention"),  # R 3, F 1, M 3 → FM 2
    ]
    assert moved(moves, None, "Need Attention").to_list() == [emails["b@x.de"]]
    assert movement_counts(moves).rows() == [(NOT_SCORED, "Need Attention", 1), ("Lost", "Lost", 1)]
    table = movement_crosstab(moves)
    assert table.columns == ["segment_before", *SEGMENTS, NOT_SCORED]
    assert table.filter(pl.col("segment_before") == NOT_SCORED)["Need Attention"].item() == 1
    assert table.select(pl.exclude("segment_before")).sum_horizontal().sum() == 2


# --- invariants -----------------------------------------------------------------------------

order_strategy = st.tuples(
    st.sampled_from(["a@x.de", "b@y.de", "c@z.ch", "d@x.de", "e@y.de", "f@z.at"]),
    st.integers(min_value=0, max_value=90),  # day offset from 1 January 2025
    st.integers(min_value=-3000, max_value=30_000),
    st.sampled_from(["paid", "paid", "refunded", "partially_refunded", "cancelled", "pending"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(order_strategy, min_size=1, max_size=20), st.integers(0, 100))
def test_every_scored_person_has_exactly_one_segment(tmp_path_factory, orders, as_of_offset):
    engine, url = new_db(tmp_path_factory.mktemp("db"))
    contacts = [contact(email, email) for email in {o[0] for o in orders}]
    records = [
        order(f"o{n}", email, gross, day(offset), status=status)
        for n, (email, offset, gross, status) in enumerate(orders)
    ]
    put(engine, "Shop", contacts, records)
    as_of = date(2025, 1, 1) + timedelta(days=as_of_offset)
    result = score(dataset(url), as_of)
    persons = result.persons
    counted = {"paid", "refunded", "partially_refunded"}
    expected = {e for e, o, g, s in orders if s in counted and g >= 0 and o <= as_of_offset}
    assert set(persons["email"]) == expected
    assert persons["person_id"].is_unique().all()
    assert persons["segment"].is_in(list(SEGMENTS)).all()
    assert result.segments["persons"].sum() == persons.height
    assert result.segments["revenue"].sum() == persons["monetary"].sum()
    for value, scored in (("recency_days", "r"), ("frequency", "f"), ("monetary", "m")):
        assert persons[scored].is_between(1, 5).all()
        ties = persons.group_by(value).agg(pl.col(scored).n_unique().alias("scores"))
        assert (ties["scores"] == 1).all(), f"a tie in {value} was split"
        ordered = persons.sort(value, descending=value == "recency_days")[scored]
        assert ordered.is_sorted(), f"{scored} does not rise with {value}"
    assert (persons["fm"] == (persons["f"] + persons["m"] + 1) // 2).all()
    for row in persons.iter_rows(named=True):
        assert row["segment"] == DEFAULT_GRID[(row["r"], row["fm"])]


def test_cell_summary_has_all_25_cells_and_adds_up_to_the_persons(db):
    from kundenwert.rfm import cell_summary

    engine, url = db
    ten_distinct(engine)
    result = score(dataset(url), AS_OF)
    cells = cell_summary(result.persons)
    assert cells.height == 25
    assert cells["persons"].sum() == 10
    assert cells["revenue"].sum() == result.persons["monetary"].sum()
    assert cells.row(0, named=True)["r"] == 5
    assert set(cells["segment"]) == set(DEFAULT_GRID.values())
