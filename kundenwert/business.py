"""Business KPIs of a range and its previous period: CAC, conversion, MRR/ARR and its
movements, churn, active customers, NPS, CSAT, repurchase rate, lifetime and the CLV formula
(DESIGN.md "Metric definitions"), plus a monthly trend and a comparison of acquisition channels.

Conventions beyond those of :mod:`kundenwert.metrics` (same German days, same counted orders):

- Costs and visitors are monthly inputs (:mod:`kundenwert.inputs`). A range that covers part
  of a month gets the month's share by days (half of March's costs for 1–16 March), rounded to
  whole cents once per month. A month inside the range without any cost row (or visitors row)
  makes the figure :class:`Missing` — "costs of 0" must be entered as 0, so a forgotten month
  never shows as a cheap one.
- A figure that cannot be computed is a :class:`Missing` naming what is missing, never 0.
- Money is integer cents in the base currency; costs in other currencies are converted with
  the ECB rate of the month's first day (:mod:`kundenwert.money`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl

from kundenwert import i18n
from kundenwert.customers import Dataset
from kundenwert.inputs import Inputs
from kundenwert.metrics import (
    counted_sales,
    divide_cents,
    first_order_days,
    german_day,
    german_today,
    lost_days,
    money_lines,
    previous_period,
)
from kundenwert.money import conversion_factors, convert

INTERVALS = (1, 3, 6, 12)  # months a subscription can renew in
GRACE_DAYS = 14  # a renewal this late still continues the subscription
DAYS_PER_MONTH = 30.4375
SUBSCRIBER_WINDOW = 30
VALUE_WINDOWS = (90, 365)


@dataclass(frozen=True)
class Missing:
    """A figure whose input is missing: ``input`` names it (costs, visitors, survey, margin,
    new_customers, churn, subscribers, customers, rates), ``months`` the months concerned."""

    input: str
    months: tuple[str, ...] = ()

    def message(self, lang: str = "de") -> str:
        return i18n.t(f"business.missing.{self.input}", lang, months=month_runs(self.months))


def month_runs(months: Iterable[str]) -> str:
    """``2025-01, 2025-02, 2025-03, 2025-06`` → ``2025-01 – 2025-03, 2025-06``."""
    runs: list[list[str]] = []
    for month in sorted(months):
        year, number = int(month[:4]), int(month[5:7])
        if runs:
            last_year, last_number = int(runs[-1][-1][:4]), int(runs[-1][-1][5:7])
            if (year * 12 + number) - (last_year * 12 + last_number) == 1:
                runs[-1].append(month)
                continue
        runs.append([month])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]} – {r[-1]}" for r in runs)


Figure = int | float | Missing


def month_starts(start: date, end: date) -> list[date]:
    """First days of the months that ``[start, end]`` touches."""
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    return months


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _share(month: date, start: date, end: date) -> tuple[int, int]:
    """(days of ``month`` inside the range, days of the month)."""
    last = _next_month(month) - timedelta(days=1)
    inside = (min(last, end) - max(month, start)).days + 1
    return max(inside, 0), last.day


def _prorate(amount: int, month: date, start: date, end: date) -> Decimal:
    inside, days = _share(month, start, end)
    return Decimal(amount) * inside / days


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- inputs in the base currency --------------------------------------------------------------


def costs_in_base(costs: pl.DataFrame, rates: pl.DataFrame, base_currency: str) -> pl.DataFrame:
    """Cost rows with ``base_cents`` (null when no rate is known for the month)."""
    frame = costs.with_columns(pl.col("month").cast(pl.Datetime("us")).alias("ordered_at"))
    factors = conversion_factors(frame, rates, base_currency)
    return costs.with_columns(factors["factor"]).with_columns(
        convert(pl.col("amount_cents"), pl.col("factor")).alias("base_cents")
    )


@dataclass(frozen=True)
class CostSplit:
    marketing: int
    sales: int

    @property
    def total(self) -> int:
        return self.marketing + self.sales


def range_costs(costs: pl.DataFrame, start: date, end: date) -> CostSplit | Missing:
    """Marketing and sales costs of the range (``costs`` from :func:`costs_in_base`)."""
    months = month_starts(start, end)
    rows = costs.filter(pl.col("month").is_in(months))
    no_rate = rows.filter(pl.col("base_cents").is_null())["month"].unique().sort().to_list()
    if no_rate:
        return Missing("rates", tuple(m.strftime("%Y-%m") for m in no_rate))
    present = set(rows["month"].to_list())
    absent = tuple(m.strftime("%Y-%m") for m in months if m not in present)
    if absent:
        return Missing("costs", absent)
    split = {"marketing": Decimal(0), "sales": Decimal(0)}
    per_month = rows.group_by("month", "kind").agg(pl.col("base_cents").sum())
    for month, kind, cents in per_month.iter_rows():
        split[kind] += _round(_prorate(cents, month, start, end))
    return CostSplit(int(split["marketing"]), int(split["sales"]))


def range_visitors(visitors: pl.DataFrame, start: date, end: date) -> Decimal | Missing:
    """Visitors of the range, a partial month by its share of days."""
    months = month_starts(start, end)
    known = dict(visitors.select("month", "visitors").iter_rows())
    absent = tuple(m.strftime("%Y-%m") for m in months if m not in known)
    if absent:
        return Missing("visitors", absent)
    return sum((_prorate(known[m], m, start, end) for m in months), Decimal(0))


# --- subscriptions, derived from payments -----------------------------------------------------


def _snap(gap_days: pl.Expr) -> pl.Expr:
    """A typical gap between payments → the nearest billing interval of 1, 3, 6 or 12 months."""
    months = gap_days / DAYS_PER_MONTH
    return (
        pl.when(months.is_null() | (months < 2))
        .then(1)
        .when(months < 4.5)
        .then(3)
        .when(months < 9)
        .then(6)
        .otherwise(12)
    )


def subscription_spans(ds: Dataset) -> pl.DataFrame:
    """Derived subscriptions as spans: one row per payment and the time it pays for.

    The data model has no subscription table (the tools' exports mostly list payments), so a
    subscription is *derived*: counted, not fully refunded orders of kind ``subscription`` of the
    same person, source and product are one subscription. Its interval is the median gap
    between payments snapped to 1/3/6/12 months (one payment alone: monthly). A payment keeps
    the subscription active from its day until the next payment, when that arrives within the
    interval plus :data:`GRACE_DAYS`, else until the payment day + interval. Monthly amount =
    the payment's net (without VAT, in base-currency cents) / interval months.

    Columns: subscription (key), person_id, day, until (exclusive), interval, monthly.
    """
    orders = ds.orders.filter(
        pl.col("counted")
        & (pl.col("kind") == "subscription")
        & (pl.col("gross_cents") > 0)
        & ~pl.col("status").is_in(["refunded", "chargeback"])
    )
    if orders.is_empty():
        return pl.DataFrame(
            schema={
                "subscription": pl.String(),
                "person_id": pl.Int64(),
                "day": pl.Date(),
                "until": pl.Date(),
                "interval": pl.Int64(),
                "monthly": pl.Int64(),
            }
        )
    raw = ds.frames.orders.select(pl.col("id").alias("order_id"), "net_cents")
    products = ds.frames.items.group_by("order_id").agg(
        pl.coalesce("product_id", "product_name").sort().first().alias("product")
    )
    orders = orders.join(raw, on="order_id").join(products, on="order_id", how="left")
    factors = conversion_factors(orders, ds.frames.rates, ds.base_currency)
    key = pl.concat_str(
        [pl.col("person_id"), pl.col("source_id"), pl.col("product").fill_null("")],
        separator="|",
    )
    payments = (
        orders.with_columns(factors["factor"])
        .select(
            key.alias("subscription"),
            "person_id",
            german_day("ordered_at").alias("day"),
            convert(pl.col("net_cents"), pl.col("factor")).alias("net"),
        )
        .sort("subscription", "day")
        .with_columns(pl.col("day").shift(-1).over("subscription").alias("_next"))
        .with_columns((pl.col("_next") - pl.col("day")).dt.total_days().alias("_gap"))
    )
    intervals = payments.group_by("subscription").agg(
        _snap(pl.col("_gap").median()).alias("interval")
    )
    spans = payments.join(intervals, on="subscription").with_columns(
        pl.col("day").dt.offset_by(pl.format("{}mo", pl.col("interval"))).alias("_end")
    )
    continues = pl.col("_next").is_not_null() & (
        pl.col("_next") <= pl.col("_end") + pl.duration(days=GRACE_DAYS)
    )
    monthly = (pl.col("net") * 2 + pl.col("interval")) // (pl.col("interval") * 2)
    return spans.select(
        "subscription",
        "person_id",
        "day",
        pl.when(continues).then(pl.col("_next")).otherwise(pl.col("_end")).alias("until"),
        pl.col("interval").cast(pl.Int64),
        monthly.cast(pl.Int64).alias("monthly"),
    )


def mrr_at(spans: pl.DataFrame, day: date) -> pl.DataFrame:
    """subscription, person_id, monthly: the subscriptions running on ``day``."""
    return spans.filter((pl.col("day") <= day) & (pl.col("until") > day)).select(
        "subscription", "person_id", "monthly"
    )


def mrr_movements(spans: pl.DataFrame, before: date, after: date) -> dict[str, int]:
    """MRR on ``before`` and ``after`` and what moved it, per subscription (cents):

    new (not running before, running after), expansion / contraction (running on both days, at
    a higher / lower monthly amount), churned (running before, not after). Always
    ``mrr_end = mrr_start + new + expansion − contraction − churned``.
    """
    a = mrr_at(spans, before).select("subscription", pl.col("monthly").alias("a"))
    b = mrr_at(spans, after).select("subscription", pl.col("monthly").alias("b"))
    both = a.join(b, on="subscription", how="full", coalesce=True).fill_null(0)
    diff = pl.col("b") - pl.col("a")
    sums = both.select(
        pl.col("a").sum().alias("mrr_start"),
        pl.col("b").sum().alias("mrr_end"),
        pl.col("b").filter(pl.col("a") == 0).sum().alias("new"),
        diff.filter((pl.col("a") > 0) & (diff > 0)).sum().alias("expansion"),
        (-diff).filter((pl.col("b") > 0) & (diff < 0)).sum().alias("contraction"),
        pl.col("a").filter(pl.col("b") == 0).sum().alias("churned"),
    )
    return {k: int(v or 0) for k, v in sums.row(0, named=True).items()}


# --- customers: active, churn, repurchase -----------------------------------------------------


def active_persons(sales: pl.DataFrame, spans: pl.DataFrame, day: date, window: int) -> set[int]:
    """Persons with a counted order in the ``window`` days up to ``day`` or a running
    subscription on ``day`` (DESIGN.md "Active")."""
    recent = sales.filter((pl.col("day") <= day) & (pl.col("day") > day - timedelta(days=window)))[
        "person_id"
    ]
    return set(recent.to_list()) | set(mrr_at(spans, day)["person_id"].to_list())


def _months_back(day: date, months: int) -> date:
    shifted: date = pl.Series([day]).dt.offset_by(f"-{months}mo").item()
    return shifted


def customer_churn_12m(
    sales: pl.DataFrame, spans: pl.DataFrame, end: date, window: int, today: date
) -> float | Missing:
    """Persons lost in the 12 months up to ``end`` / the average number of active persons at
    the ends of those 12 months."""
    lost = lost_days(sales, window, today).filter(
        (pl.col("lost_day") <= end) & (pl.col("lost_day") > _months_back(end, 12))
    )
    counts = [len(active_persons(sales, spans, _months_back(end, k), window)) for k in range(12)]
    average = sum(counts) / 12
    if average == 0:
        return Missing("churn")
    return lost["person_id"].n_unique() / average


def subscriber_churn(spans: pl.DataFrame, end: date) -> float | Missing:
    """Subscribers (persons with a running subscription) 30 days before ``end`` who have none
    on ``end`` / subscribers 30 days before."""
    before = set(mrr_at(spans, end - timedelta(days=SUBSCRIBER_WINDOW))["person_id"].to_list())
    if not before:
        return Missing("subscribers")
    after = set(mrr_at(spans, end)["person_id"].to_list())
    return len(before - after) / len(before)


def repurchase_rate(sales: pl.DataFrame, start: date, end: date) -> float | Missing:
    """Customers of the range who bought on at least two different days up to ``end`` /
    customers of the range."""
    customers = sales.filter(pl.col("day").is_between(start, end))["person_id"].unique()
    if customers.is_empty():
        return Missing("customers")
    days = (
        sales.filter((pl.col("day") <= end) & pl.col("person_id").is_in(customers.implode()))
        .group_by("person_id")
        .agg(pl.col("day").n_unique().alias("n"))
    )
    return days.filter(pl.col("n") >= 2).height / customers.len()


# --- surveys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Survey:
    nps: float | Missing
    promoters: int
    passives: int
    detractors: int
    nps_answers: int
    csat: float | Missing
    csat_answers: int


def survey_figures(surveys: pl.DataFrame, start: date, end: date) -> Survey:
    """NPS = % promoters (9–10) − % detractors (0–6), in points (−100 … 100); CSAT = share of
    answers 4 or 5. Answers are counted whether or not their e-mail belongs to a customer."""
    answers = surveys.filter(pl.col("answered_on").is_between(start, end))
    nps = answers["nps"].drop_nulls()
    promoters, detractors = int((nps >= 9).sum()), int((nps <= 6).sum())
    csat = answers["csat"].drop_nulls()
    return Survey(
        nps=(promoters - detractors) * 100 / nps.len() if nps.len() else Missing("survey"),
        promoters=promoters,
        passives=nps.len() - promoters - detractors,
        detractors=detractors,
        nps_answers=nps.len(),
        csat=int((csat >= 4).sum()) / csat.len() if csat.len() else Missing("survey"),
        csat_answers=csat.len(),
    )


def survey_matching(ds: Dataset, surveys: pl.DataFrame) -> tuple[int, list[str]]:
    """(answers whose e-mail belongs to a person, the e-mails that belong to nobody)."""
    known = ds.frames.contacts["email"].drop_nulls().str.to_lowercase().unique().implode()
    matched = surveys.filter(pl.col("email").is_in(known))
    unmatched = surveys.filter(~pl.col("email").is_in(known))["email"].unique().sort()
    return matched.height, unmatched.to_list()


# --- the figures of one period -----------------------------------------------------------------


@dataclass(frozen=True)
class BusinessPeriod:
    """The business KPIs of ``[start, end]``; money in base-currency cents."""

    start: date
    end: date
    new_customers: int
    marketing_costs: Figure
    sales_costs: Figure
    cac: Figure
    visitors: Figure
    conversion_rate: Figure
    mrr: int
    arr: int
    mrr_movements: dict[str, int]
    subscriber_churn_30d: Figure
    customer_churn_12m: Figure
    active_customers: int
    survey: Survey
    repurchase_rate: Figure
    avg_lifetime_years: Figure
    clv_formula: Figure

    def missing(self) -> list[tuple[str, Missing]]:
        """(figure, what is missing) for every figure that could not be computed."""
        out = [(k, v) for k, v in vars(self).items() if isinstance(v, Missing)]
        for name in ("nps", "csat"):
            value = getattr(self.survey, name)
            if isinstance(value, Missing):
                out.append((name, value))
        return out


def _cac(costs: CostSplit | Missing, new_customers: int) -> Figure:
    if isinstance(costs, Missing):
        return costs
    if new_customers == 0:
        return Missing("new_customers")
    return divide_cents(costs.total, new_customers)


def _conversion(visitors: Decimal | Missing, new_customers: int) -> Figure:
    if isinstance(visitors, Missing):
        return visitors
    if visitors == 0:
        return Missing("visitors_zero")
    return float(Decimal(new_customers) / visitors)


def clv_formula(
    ds: Dataset,
    sales: pl.DataFrame,
    end: date,
    margin_percent: Decimal | None,
    lifetime: Figure,
    cac: Figure,
) -> Figure:
    """Average contribution margin per order × orders per customer per year × lifetime in
    years − CAC. Order value and orders per year come from the 12 months up to ``end`` on the
    dataset's basis (gross by default: set the margin relative to that basis)."""
    if margin_percent is None:
        return Missing("margin")
    if isinstance(lifetime, Missing):
        return lifetime
    if isinstance(cac, Missing):
        return cac
    year_start = _months_back(end, 12) + timedelta(days=1)
    year = sales.filter(pl.col("day").is_between(year_start, end))
    lines = money_lines(ds).filter(pl.col("day").is_between(year_start, end))
    if year.is_empty():
        return Missing("customers")
    revenue = Decimal(int(lines["amount"].sum()) - int(lines["deducted"].sum()))
    per_order = revenue / year.height * margin_percent / 100
    orders_per_year = Decimal(year.height) / year["person_id"].n_unique()
    return _round(per_order * orders_per_year * Decimal(str(lifetime))) - int(cac)


@dataclass(frozen=True)
class _Context:
    ds: Dataset
    inputs: Inputs
    costs: pl.DataFrame
    sales: pl.DataFrame
    first: pl.DataFrame
    spans: pl.DataFrame
    window: int
    today: date
    margin: Decimal | None


def _period(ctx: _Context, start: date, end: date) -> BusinessPeriod:
    new = ctx.first.filter(pl.col("first_day").is_between(start, end)).height
    costs = range_costs(ctx.costs, start, end)
    cac = _cac(costs, new)
    movements = mrr_movements(ctx.spans, start - timedelta(days=1), end)
    churn = customer_churn_12m(ctx.sales, ctx.spans, end, ctx.window, ctx.today)
    lifetime: Figure = churn
    if not isinstance(churn, Missing):
        lifetime = 1 / churn if churn > 0 else Missing("churn")
    visitors = range_visitors(ctx.inputs.visitors, start, end)
    return BusinessPeriod(
        start=start,
        end=end,
        new_customers=new,
        marketing_costs=costs if isinstance(costs, Missing) else costs.marketing,
        sales_costs=costs if isinstance(costs, Missing) else costs.sales,
        cac=cac,
        visitors=visitors if isinstance(visitors, Missing) else _round(visitors),
        conversion_rate=_conversion(visitors, new),
        mrr=movements["mrr_end"],
        arr=12 * movements["mrr_end"],
        mrr_movements=movements,
        subscriber_churn_30d=subscriber_churn(ctx.spans, end),
        customer_churn_12m=churn,
        active_customers=len(active_persons(ctx.sales, ctx.spans, end, ctx.window)),
        survey=survey_figures(ctx.inputs.surveys, start, end),
        repurchase_rate=repurchase_rate(ctx.sales, start, end),
        avg_lifetime_years=lifetime,
        clv_formula=clv_formula(ctx.ds, ctx.sales, end, ctx.margin, lifetime, cac),
    )


@dataclass(frozen=True)
class BusinessResult:
    current: BusinessPeriod
    previous: BusinessPeriod
    trend: pl.DataFrame
    channels: pl.DataFrame
    survey_matched: int
    survey_unmatched: list[str] = field(default_factory=list)


def business_kpis(
    ds: Dataset,
    inputs: Inputs,
    start: date,
    end: date,
    *,
    inactivity_days: int = 365,
    margin_percent: Decimal | None = None,
    today: date | None = None,
) -> BusinessResult:
    """Every business KPI of ``[start, end]``, its previous period, the monthly trend and the
    channel comparison. ``today`` (default: today in Germany) bounds lost customers and the
    complete 90/365-day value windows."""
    if start > end:
        raise ValueError(f"Zeitraum: Beginn {start} liegt nach dem Ende {end}")
    sales = counted_sales(ds)
    ctx = _Context(
        ds=ds,
        inputs=inputs,
        costs=costs_in_base(inputs.costs, ds.frames.rates, ds.base_currency),
        sales=sales,
        first=first_order_days(sales),
        spans=subscription_spans(ds),
        window=inactivity_days,
        today=today or german_today(),
        margin=margin_percent,
    )
    matched, unmatched = survey_matching(ds, inputs.surveys)
    return BusinessResult(
        current=_period(ctx, start, end),
        previous=_period(ctx, *previous_period(start, end)),
        trend=monthly_trend(ctx, start, end),
        channels=channel_table(ctx, start, end),
        survey_matched=matched,
        survey_unmatched=unmatched,
    )


def _value(figure: Figure) -> Any:
    return None if isinstance(figure, Missing) else figure


def monthly_trend(ctx: _Context, start: date, end: date) -> pl.DataFrame:
    """One row per month of the range (clipped to it): new customers, costs, CAC, visitors,
    conversion, MRR and its movements, active customers at the month's end, NPS, CSAT.
    Figures whose input is missing are null."""
    rows = []
    for month in month_starts(start, end):
        first = max(month, start)
        last = min(_next_month(month) - timedelta(days=1), end)
        new = ctx.first.filter(pl.col("first_day").is_between(first, last)).height
        costs = range_costs(ctx.costs, first, last)
        visitors = range_visitors(ctx.inputs.visitors, first, last)
        moves = mrr_movements(ctx.spans, first - timedelta(days=1), last)
        survey = survey_figures(ctx.inputs.surveys, first, last)
        rows.append(
            {
                "month": month,
                "new_customers": new,
                "costs": None if isinstance(costs, Missing) else costs.total,
                "cac": _value(_cac(costs, new)),
                "visitors": None if isinstance(visitors, Missing) else _round(visitors),
                "conversion_rate": _value(_conversion(visitors, new)),
                "mrr": moves["mrr_end"],
                "new_mrr": moves["new"],
                "expansion_mrr": moves["expansion"],
                "contraction_mrr": moves["contraction"],
                "churned_mrr": moves["churned"],
                "active_customers": len(active_persons(ctx.sales, ctx.spans, last, ctx.window)),
                "nps": _value(survey.nps),
                "csat": _value(survey.csat),
            }
        )
    return pl.DataFrame(rows, schema=TREND_SCHEMA)


TREND_SCHEMA = {
    "month": pl.Date(),
    "new_customers": pl.Int64(),
    "costs": pl.Int64(),
    "cac": pl.Int64(),
    "visitors": pl.Int64(),
    "conversion_rate": pl.Float64(),
    "mrr": pl.Int64(),
    "new_mrr": pl.Int64(),
    "expansion_mrr": pl.Int64(),
    "contraction_mrr": pl.Int64(),
    "churned_mrr": pl.Int64(),
    "active_customers": pl.Int64(),
    "nps": pl.Float64(),
    "csat": pl.Float64(),
}


# --- channels ----------------------------------------------------------------------------------


def acquisition_channels(ds: Dataset) -> pl.DataFrame:
    """person_id, channel, first_day: the source label of each person's first counted sale."""
    return (
        ds.orders.filter(pl.col("counted") & (pl.col("gross_cents") >= 0))
        .sort("ordered_at", "order_id")
        .group_by("person_id", maintain_order=True)
        .agg(
            pl.col("source_label").first().alias("channel"),
            german_day("ordered_at").first().alias("first_day"),
        )
    )


def _window_values(ds: Dataset, acquired: pl.DataFrame, today: date) -> pl.DataFrame:
    """channel, value_90d, value_365d: the average value per acquired person within N days of
    the first order, over persons whose N days have passed by ``today`` (else null)."""
    lines = money_lines(ds).join(acquired, on="person_id")
    exprs = []
    for days in VALUE_WINDOWS:
        inside = pl.col("day") < pl.col("first_day") + timedelta(days=days)
        mature = pl.col("first_day") + timedelta(days=days - 1) <= today
        per_person = (pl.col("amount") - pl.col("deducted")).filter(inside & mature)
        exprs.append(per_person.sum().alias(f"_sum_{days}"))
        exprs.append(pl.col("person_id").filter(mature).n_unique().alias(f"_n_{days}"))
    grouped = lines.group_by("channel").agg(exprs)
    return grouped.select(
        "channel",
        *(
            pl.when(pl.col(f"_n_{d}") > 0)
            .then((pl.col(f"_sum_{d}") * 2 + pl.col(f"_n_{d}")) // (pl.col(f"_n_{d}") * 2))
            .cast(pl.Int64)
            .alias(f"value_{d}d")
            for d in VALUE_WINDOWS
        ),
    )


def _channel_costs(costs: pl.DataFrame, start: date, end: date) -> dict[str, int | None]:
    """Channel (case-folded) → prorated costs of the range; None when a month is missing."""
    out: dict[str, int | None] = {}
    for channel in costs["channel"].str.to_lowercase().unique().to_list():
        own = costs.filter(pl.col("channel").str.to_lowercase() == channel)
        split = range_costs(own, start, end)
        out[channel] = None if isinstance(split, Missing) else split.total
    return out


def channel_table(ctx: _Context, start: date, end: date) -> pl.DataFrame:
    """Per acquisition channel (the source of the first order; cost channels match source
    labels regardless of case): persons acquired in the range, their revenue in the range,
    costs, CAC, and their average value after 90 and 365 days."""
    acquired = acquisition_channels(ctx.ds).filter(pl.col("first_day").is_between(start, end))
    lines = money_lines(ctx.ds).filter(pl.col("day").is_between(start, end))
    revenue = (
        lines.join(acquired, on="person_id")
        .group_by("channel")
        .agg((pl.col("amount") - pl.col("deducted")).sum().alias("revenue"))
    )
    table = (
        acquired.group_by("channel")
        .agg(pl.len().cast(pl.Int64).alias("customers"))
        .join(revenue, on="channel", how="left")
        .join(_window_values(ctx.ds, acquired, ctx.today), on="channel", how="left")
    )
    costs = _channel_costs(ctx.costs, start, end)
    labels = {c.lower(): c for c in table["channel"].to_list()}
    for channel in ctx.costs["channel"].to_list():
        labels.setdefault(channel.lower(), channel)
    rows = []
    by_channel = {r["channel"].lower(): r for r in table.iter_rows(named=True)}
    for key, label in sorted(labels.items()):
        row = by_channel.get(key, {})
        customers = row.get("customers") or 0
        cost = costs.get(key)
        rows.append(
            {
                "channel": label,
                "customers": customers,
                "revenue": row.get("revenue") or 0,
                "costs": cost,
                "cac": divide_cents(cost, customers) if cost is not None and customers else None,
                "value_90d": row.get("value_90d"),
                "value_365d": row.get("value_365d"),
            }
        )
    return pl.DataFrame(rows, schema=CHANNEL_SCHEMA).sort("customers", descending=True)


CHANNEL_SCHEMA = {
    "channel": pl.String(),
    "customers": pl.Int64(),
    "revenue": pl.Int64(),
    "costs": pl.Int64(),
    "cac": pl.Int64(),
    "value_90d": pl.Int64(),
    "value_365d": pl.Int64(),
}


def as_json(period: BusinessPeriod, lang: str = "de") -> dict[str, Any]:
    """The figures for ``kpis --format json``: amounts in currency units (2 decimals), missing
    figures null, and a ``missing`` list saying what is missing."""

    def money(value: Figure) -> float | None:
        return None if isinstance(value, Missing) else float(Decimal(int(value)) / 100)

    def ratio(value: Figure, digits: int = 4) -> float | None:
        return None if isinstance(value, Missing) else round(float(value), digits)

    survey = period.survey
    return {
        "marketing_costs": money(period.marketing_costs),
        "sales_costs": money(period.sales_costs),
        "cac": money(period.cac),
        "visitors": None if isinstance(period.visitors, Missing) else period.visitors,
        "conversion_rate": ratio(period.conversion_rate),
        "mrr": money(period.mrr),
        "arr": money(period.arr),
        "mrr_movements": {k: money(v) for k, v in period.mrr_movements.items()},
        "subscriber_churn_30d": ratio(period.subscriber_churn_30d),
        "customer_churn_12m": ratio(period.customer_churn_12m),
        "active_customers": period.active_customers,
        "nps": ratio(survey.nps, 1),
        "nps_promoters": survey.promoters,
        "nps_passives": survey.passives,
        "nps_detractors": survey.detractors,
        "csat": ratio(survey.csat),
        "csat_answers": survey.csat_answers,
        "repurchase_rate": ratio(period.repurchase_rate),
        "avg_lifetime_years": ratio(period.avg_lifetime_years, 2),
        "clv_formula": money(period.clv_formula),
        "missing": _missing_json(period.missing(), lang),
    }


def _missing_json(items: Iterable[tuple[str, Missing]], lang: str) -> list[dict[str, Any]]:
    return [
        {"figure": name, "input": m.input, "months": list(m.months), "message": m.message(lang)}
        for name, m in items
    ]
