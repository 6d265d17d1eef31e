"""KPI figures of a date range, and the same figures for the period of equal length before it.

Conventions every figure here shares (DESIGN.md, "Metric definitions"):

- A range ``[start, end]`` is in calendar days, both days inclusive. An order belongs to the
  German calendar day (Europe/Berlin) of its time: ``ordered_at`` is naive UTC and is converted
  with ``replace_time_zone("UTC").convert_time_zone("Europe/Berlin").date()``, so an order at
  23:30 UTC on 31 January (winter) is on 1 February. Refund dates are treated the same way.
- A *counted order* is an order that counts towards customer value
  (:func:`kundenwert.values.order_values`: paid, partially refunded, refunded or charged back,
  and not excluded). Credit notes (a negative total, see ``values.py``) are refunds, not orders:
  they never make anybody a customer, and they are not counted in ``orders``.
- Amounts are integer cents in the base currency on the dataset's basis (gross, net, payout).
  Averages of money are rounded to whole cents, half away from zero. Shares and other ratios
  that are not money are floats.
- A cancelled subscription counts as lost on its end date (DESIGN.md): the data has no
  subscription end dates yet, so lost customers come from the order-inactivity rule only.

The figures of a range are sums and counts over :mod:`kundenwert.daily`'s frame of one row per
person and German day, made once per dataset: a new range or filter is a slice of it, not a
pass over every order (20 ms instead of 0.5 s at 1,000,000 orders).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import polars as pl

from kundenwert import daily
from kundenwert.customers import Dataset

BUSINESS_ZONE = "Europe/Berlin"
RECURRING_KINDS = ("subscription", "installment")
TRIAL_KIND = "trial"
PURCHASE_TYPES = ("trial_only", "one_time", "recurring")


def german_day(column: str) -> pl.Expr:
    """The German calendar day of a naive-UTC datetime column."""
    return pl.col(column).dt.replace_time_zone("UTC").dt.convert_time_zone(BUSINESS_ZONE).dt.date()


def german_today() -> date:
    return datetime.now(ZoneInfo(BUSINESS_ZONE)).date()


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of equal length (in days) that ends the day before ``start``."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def pct_change(current: int | float | Decimal, previous: int | float | Decimal) -> float | None:
    """Relative change from ``previous`` to ``current`` (0.25 = +25 %); None when previous is 0.

    The denominator is ``|previous|``, so a rise is positive even from a negative figure.
    """
    if previous == 0:
        return None
    return float((Decimal(str(current)) - Decimal(str(previous))) / abs(Decimal(str(previous))))


def divide_cents(cents: int, count: int) -> int:
    """``cents / count`` rounded to whole cents, half away from zero; 0 when count is 0."""
    if count == 0:
        return 0
    return int((Decimal(cents) / Decimal(count)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _restrict(frame: pl.DataFrame, persons: pl.Series | None) -> pl.DataFrame:
    if persons is None:
        return frame
    return frame.filter(pl.col("person_id").is_in(persons.cast(pl.Int64).implode()))


def counted_sales(ds: Dataset, persons: pl.Series | None = None) -> pl.DataFrame:
    """Counted orders that are sales (not credit notes): order_id, person_id, day, kind, amount.

    ``day`` is the German calendar day; ``amount`` is before refunds.
    """
    return (
        _restrict(ds.orders, persons)
        .filter(pl.col("counted") & (pl.col("gross_cents") >= 0))
        .select("order_id", "person_id", german_day("ordered_at").alias("day"), "kind", "amount")
    )


def _round_div(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Integer ``numerator / denominator`` rounded half away from zero (denominator > 0)."""
    return (numerator.abs() * 2 + denominator) // (denominator * 2) * numerator.sign()


def deductions(ds: Dataset, persons: pl.Series | None, on_refund_date: bool) -> pl.DataFrame:
    """Refunds and chargebacks of counted orders as (person_id, day, cents), cents > 0 mostly.

    By default every deduction is dated on its order's day. With ``on_refund_date`` an order's
    deduction (refunded + charged back, in base cents on the basis) is spread over its refund
    records in proportion to their amounts and dated on each refund's German day; the shares
    are rounded cumulatively, so they add up to the order's deduction exactly. An order without
    refund records (refunded in full by its status, or a credit note) keeps its own day.
    """
    orders = (
        _restrict(ds.orders, persons)
        .filter(pl.col("counted"))
        .select(
            "order_id",
            "person_id",
            german_day("ordered_at").alias("day"),
            (pl.col("refunded") + pl.col("charged_back")).alias("cents"),
        )
        .filter(pl.col("cents") != 0)
    )
    if not on_refund_date:
        return orders.select("person_id", "day", "cents")
    weight = pl.col("amount_cents").clip(lower_bound=0)
    rows = (
        ds.frames.refunds.join(orders, on="order_id", how="inner")
        .sort("order_id", "refunded_at", "id")
        .with_columns(
            weight.cum_sum().over("order_id").alias("_cum"),
            weight.sum().over("order_id").alias("_total"),
        )
        .filter(pl.col("_total") > 0)
    )
    cumulative = _round_div(pl.col("cents") * pl.col("_cum"), pl.col("_total"))
    allocated = rows.with_columns(cumulative.alias("_upto")).select(
        "person_id",
        german_day("refunded_at").alias("day"),
        (pl.col("_upto") - pl.col("_upto").shift(1, fill_value=0).over("order_id")).alias("cents"),
    )
    unallocated = orders.join(rows.select("order_id").unique(), on="order_id", how="anti")
    return pl.concat([allocated, unallocated.select("person_id", "day", "cents")])


def money_lines(
    ds: Dataset, persons: pl.Series | None = None, refunds_on_refund_date: bool = False
) -> pl.DataFrame:
    """Everything that moves revenue, by day: person_id, day, amount, deducted (cents).

    One line per counted order (its amount before refunds, on its German day) and one per
    deduction (refunds and chargebacks, see :func:`deductions`). Revenue of a range = amount −
    deducted over the lines dated in the range.
    """
    sales = (
        _restrict(ds.orders, persons)
        .filter(pl.col("counted"))
        .select(
            "person_id",
            german_day("ordered_at").alias("day"),
            pl.col("amount"),
            pl.lit(0, dtype=pl.Int64).alias("deducted"),
        )
    )
    deducted = deductions(ds, persons, refunds_on_refund_date).select(
        "person_id",
        "day",
        pl.lit(0, dtype=pl.Int64).alias("amount"),
        pl.col("cents").cast(pl.Int64).alias("deducted"),
    )
    return pl.concat([sales.with_columns(pl.col("amount").cast(pl.Int64)), deducted])


def first_order_days(sales: pl.DataFrame) -> pl.DataFrame:
    """person_id, first_day: the German day of each person's first counted order ever."""
    return sales.group_by("person_id").agg(pl.col("day").min().alias("first_day"))


def lost_days(sales: pl.DataFrame, inactivity_days: int, today: date) -> pl.DataFrame:
    """person_id, lost_day: each time a person became lost.

    A person whose counted order on day L is followed by no counted order up to and including
    day L + ``inactivity_days`` is lost on day L + ``inactivity_days``. This reads "last order
    on L and nothing since" as of that day, so a past period's figure does not change when the
    person buys again later (they are then counted as returning when they do). Days after
    ``today`` are left out: nobody is lost before it has happened.
    """
    window = timedelta(days=inactivity_days)
    days = sales.select("person_id", "day").unique().sort("person_id", "day")
    # the next row's day when it is the same person's (sorted, so no window function is
    # needed: ``over("person_id")`` took five times as long at 200,000 persons)
    same_person = pl.col("person_id").shift(-1) == pl.col("person_id")
    following = pl.when(same_person).then(pl.col("day").shift(-1))
    lost = pl.col("day") + window
    return (
        days.with_columns(following.alias("_next"))
        .filter(pl.col("_next").is_null() | (pl.col("_next") > lost))
        .select("person_id", lost.alias("lost_day"))
        .filter(pl.col("lost_day") <= today)
    )


@dataclass(frozen=True)
class PeriodKpis:
    """The KPI figures of one range ``[start, end]`` (both inclusive, German days).

    Amounts are base-currency cents on the dataset's basis.
    """

    start: date
    end: date
    #: persons with at least one counted order in the range
    customers: int
    #: persons whose first counted order ever lies in the range (twice in it: still new)
    new_customers: int
    #: persons with a counted order in the range and a counted order before the range
    returning_customers: int
    #: persons who became lost in the range (last order on L, none since, L + window in range)
    lost_customers: int
    #: value of the counted orders in the range: amount − refunds − chargebacks
    revenue: int
    #: counted orders in the range, credit notes excluded
    orders: int
    #: revenue / orders
    aov: int
    #: revenue / customers
    revenue_per_customer: int
    #: orders / customers
    orders_per_customer: float
    #: new customers / days in the range
    acquired_per_day: float
    #: all-time value of all persons (with a contact) / number of those persons
    avg_ltv: int
    #: ⌈customers / 5⌉, the persons with the highest value in the range
    top20_customers: int
    #: their value in the range / revenue (0 when revenue ≤ 0)
    top20_revenue_share: float
    #: refunded + charged-back amounts in the range
    refunds: int
    #: refunds / revenue before refunds (0 when that is ≤ 0)
    refund_rate: float
    #: persons with a refund or chargeback in the range
    refunded_customers: int
    #: customers split by the kinds of their orders in the range: trial_only, one_time, recurring
    purchase_types: dict[str, int]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class KpiResult(PeriodKpis):
    """The figures of the range, with ``previous``: the period of equal length right before."""

    previous: PeriodKpis

    def change(self, name: str) -> float | None:
        """Relative change of a figure against the previous period (None if that was 0)."""
        current = getattr(self, name)
        return pct_change(current, getattr(self.previous, name))


def _purchase_types(buyers: pl.DataFrame) -> dict[str, int]:
    """Per customer: recurring if any order in the range is a subscription or installment,
    trial only if every order in it is a trial, else one-time (one-time orders, invoices).

    ``buyers``: one row per customer with their orders, recurring and trial orders in the range.
    """
    recurring = int((buyers["recurring"] > 0).sum())
    trial_only = int((buyers["trials"] == buyers["orders"]).sum())
    return {
        "trial_only": trial_only,
        "one_time": buyers.height - recurring - trial_only,
        "recurring": recurring,
    }


def _period_kpis(
    start: date,
    end: date,
    days: tuple[pl.DataFrame, pl.DataFrame],
    lost: pl.DataFrame,
    avg_ltv: int,
) -> PeriodKpis:
    """The figures of ``[start, end]`` from :func:`kundenwert.daily.person_days`, sorted by
    day and by person (``days``), and the lost days up to today (``lost``, by day)."""
    by_day, by_person = days
    rows = daily.between(by_day, "day", start, end)
    per_person = daily.person_totals(by_person, start, end)
    buyers = per_person.filter(pl.col("orders") > 0)
    customers = buyers.height
    new_customers = int((buyers["first_day"] >= start).sum())
    lost_customers = daily.between(lost, "lost_day", start, end)["person_id"].n_unique()

    gross = int(rows["amount"].sum())
    refunds = int(rows["deducted"].sum())
    revenue = gross - refunds
    orders = int(rows["orders"].sum())
    top_n = (customers + 4) // 5
    top_value = int(buyers["value"].top_k(top_n).sum()) if top_n else 0
    return PeriodKpis(
        start=start,
        end=end,
        customers=customers,
        new_customers=new_customers,
        returning_customers=customers - new_customers,
        lost_customers=lost_customers,
        revenue=revenue,
        orders=orders,
        aov=divide_cents(revenue, orders),
        revenue_per_customer=divide_cents(revenue, customers),
        orders_per_customer=_ratio(orders, customers),
        acquired_per_day=_ratio(new_customers, (end - start).days + 1),
        avg_ltv=avg_ltv,
        top20_customers=top_n,
        top20_revenue_share=_ratio(top_value, revenue) if revenue > 0 else 0.0,
        refunds=refunds,
        refund_rate=_ratio(refunds, gross) if gross > 0 else 0.0,
        refunded_customers=int((per_person["refund_lines"] > 0).sum()),
        purchase_types=_purchase_types(buyers),
    )


def average_ltv(ds: Dataset, persons: pl.Series | None = None) -> int:
    """All-time value of all persons (those with at least one contact) / number of persons.

    Not tied to a range: the previous period shows the same figure.
    """
    people = _restrict(ds.customers, persons)
    return divide_cents(int(people["value"].sum()), people.height)


def kpis(
    ds: Dataset,
    start: date,
    end: date,
    inactivity_days: int = 365,
    *,
    persons: pl.Series | None = None,
    refunds_on_refund_date: bool = False,
    today: date | None = None,
) -> KpiResult:
    """Every KPI of the range ``[start, end]`` and of the period of equal length before it.

    ``persons`` restricts every figure to those person ids (a facet or segment).
    ``refunds_on_refund_date`` dates refunds and chargebacks on the day they happened instead
    of on their order's day (the default). ``today`` (default: today in Germany) is the last
    day on which somebody can have become lost. See :class:`PeriodKpis` for the definitions.
    """
    if start > end:
        raise ValueError(f"Zeitraum: Beginn {start} liegt nach dem Ende {end}")
    today = today or german_today()
    days = (
        daily.of_persons(daily.person_days(ds, refunds_on_refund_date), persons),
        daily.of_persons(daily.person_days_by_person(ds, refunds_on_refund_date), persons),
    )
    lost = daily.of_persons(daily.lost_days(ds, inactivity_days), persons)
    lost = daily.between(lost, "lost_day", date.min, today)
    ltv = average_ltv(ds, persons)
    current = _period_kpis(start, end, days, lost, ltv)
    prev_start, prev_end = previous_period(start, end)
    previous = _period_kpis(prev_start, prev_end, days, lost, ltv)
    return KpiResult(**{**vars(current), "previous": previous})
