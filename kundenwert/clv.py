"""Predictive customer value ("potenzieller Kundenwert"): BG/NBD and Gamma-Gamma.

Definitions (DESIGN.md, "Predictive CLV"):

- Purchases: counted sales (:func:`kundenwert.values.order_values`, ``counted`` and
  ``gross_cents >= 0``) of a known person whose German calendar day is on or before the
  calibration end. ``ordered_at`` is naive UTC; its day is
  ``replace_time_zone("UTC").convert_time_zone("Europe/Berlin").date()``. All orders of one
  person on one day merge into one purchase whose value is the sum of their values (base-currency
  cents on the dataset's basis, refunds and chargebacks deducted). Credit notes (negative totals)
  are no purchase and are left out.
- ``frequency`` = purchase days − 1 (repeat purchases). ``recency`` = time from the first to the
  last purchase day, ``T`` = time from the first purchase day to the calibration end, both in the
  chosen time unit (day = 1 day, week = 7 days, month = 30.415 days). ``monetary`` = mean value
  of the repeat purchase days only (the first purchase is left out); 0 without repeat purchases.
- BG/NBD (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way: An Alternative to the
  Pareto/NBD Model", Marketing Science 24(2)): purchases while alive are Poisson with a
  gamma(r, α) rate; after each purchase a customer drops out with a beta(a, b) probability. The
  parameters maximise the log-likelihood of equation (6); ``probability_alive`` is equation
  (A.2 of the technical note "Computing P(alive) using the BG/NBD model") and
  ``expected_purchases`` the conditional expectation of equation (10).
- Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for Customer Base
  Analysis", Journal of Marketing Research 42(4), with Fader & Hardie's note "The Gamma-Gamma
  Model of Monetary Value"): the value of each repeat purchase is gamma(p, ν) with ν ~ gamma(q,
  γ); fitted by maximum likelihood on customers with ``frequency > 0`` and ``monetary > 0``.
  ``expected_spend`` = (γ + m·x)·p / (p·x + q − 1), the population mean p·γ / (q − 1) for x = 0
  (a negative ``monetary``, from refunds, is taken as 0).
- CLV over H months = Σₖ₌₁..H expected spend × expected purchases in month k / (1 + d)ᵏ, with a
  month of 30.415 days (4.345 weeks) counted from the calibration end and d the monthly discount
  rate. Expected purchases in month k = E[X(t_k)] − E[X(t_{k−1})], t_k = k months.
- The models are fitted in floating point (they are estimates, not bookkeeping); predicted spend
  and CLV are rounded to whole cents at the end.

Both fits need customers who bought more than once: with fewer than
:data:`MIN_REPEAT_CUSTOMERS` of them the likelihood has no useful maximum and
:class:`NotEnoughDataError` is raised instead of returning arbitrary numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import gammaln, hyp2f1  # type: ignore[import-untyped]

from kundenwert.customers import Dataset

TimeUnit = Literal["day", "week", "month"]
DAYS_PER_MONTH = 30.415
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": DAYS_PER_MONTH}
MIN_REPEAT_CUSTOMERS = 5

Floats = NDArray[np.float64]


class NotEnoughDataError(ValueError):
    """Too few repeat customers to fit the model (the message says how many there are)."""


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rate ~ gamma(r, alpha), dropout ~ beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma parameters: spend ~ gamma(p, nu), nu ~ gamma(q, v) (v is the paper's γ)."""

    p: float
    q: float
    v: float


def _unit_days(time_unit: str) -> float:
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time_unit must be one of {sorted(UNIT_DAYS)}, not {time_unit!r}")
    return UNIT_DAYS[time_unit]


def _floats(values: ArrayLike) -> Floats:
    return np.asarray(values, dtype=np.float64)


def _german_day(column: str) -> pl.Expr:
    return (
        pl.col(column).dt.replace_time_zone("UTC").dt.convert_time_zone("Europe/Berlin").dt.date()
    )


def rfm_summary(
    transactions: pl.DataFrame, calibration_end: date, time_unit: TimeUnit = "week"
) -> pl.DataFrame:
    """Per person: frequency, recency, T and monetary as defined in the module docstring.

    ``transactions`` has columns ``person_id``, ``day`` (date) and ``value`` (any numeric unit;
    ``monetary`` is in the same unit). Rows after ``calibration_end`` are ignored.
    """
    unit = _unit_days(time_unit)
    days = (
        transactions.filter(pl.col("day") <= calibration_end)
        .group_by("person_id", "day")
        .agg(pl.col("value").sum().cast(pl.Float64))
    )
    first = pl.col("day").min()
    repeat = pl.col("value").filter(pl.col("day") != first)
    return (
        days.group_by("person_id")
        .agg(
            (pl.len() - 1).cast(pl.Int64).alias("frequency"),
            ((pl.col("day").max() - first).dt.total_days() / unit).alias("recency"),
            ((pl.lit(calibration_end) - first).dt.total_days() / unit).alias("T"),
            repeat.mean().fill_null(0.0).alias("monetary"),
        )
        .sort("person_id")
    )


def _columns(summary: pl.DataFrame, *names: str) -> list[Floats]:
    return [summary[name].cast(pl.Float64).to_numpy() for name in names]


def _bgnbd_log_likelihood(log_params: Floats, x: Floats, t_x: Floats, big_t: Floats) -> float:
    r, alpha, a, b = np.exp(log_params)
    # Fader, Hardie & Lee (2005), eq. (6), written as ln A1 + ln A2 + ln(A3 + δ(x>0) A4).
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + big_t)
    repeat = x > 0
    ln_a4 = np.full_like(x, -np.inf)
    ln_a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return float(np.sum(ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)))


def _maximise(
    log_likelihood: Callable[..., float], start: Floats, args: tuple[Floats, ...]
) -> Floats:
    def negative(log_params: Floats) -> float:
        value = log_likelihood(log_params, *args)
        return -value if np.isfinite(value) else np.inf

    result = minimize(
        negative,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-8, "fatol": 1e-10, "maxiter": 20_000, "maxfev": 40_000},
    )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise NotEnoughDataError("the model could not be fitted to these purchases")
    return np.asarray(result.x, dtype=np.float64)


def _require_repeat_customers(count: int, model: str) -> None:
    if count < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughDataError(
            f"{model} needs at least {MIN_REPEAT_CUSTOMERS} customers with a repeat purchase "
            f"in the calibration period; there are {count}"
        )


def fit_bgnbd(summary: pl.DataFrame) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters for an :func:`rfm_summary` frame."""
    x, t_x, big_t = _columns(summary, "frequency", "recency", "T")
    _require_repeat_customers(int(np.sum(x > 0)), "BG/NBD")
    log_params = _maximise(_bgnbd_log_likelihood, np.zeros(4), (x, t_x, big_t))
    r, alpha, a, b = (float(v) for v in np.exp(log_params))
    return BgNbdParams(r=r, alpha=alpha, a=a, b=b)


def _gamma_gamma_log_likelihood(log_params: Floats, x: Floats, m: Floats) -> float:
    p, q, v = np.exp(log_params)
    # Density of the mean m of x repeat purchases (Fader, Hardie & Lee 2005, "RFM and CLV").
    px = p * x
    return float(
        np.sum(
            gammaln(px + q)
            - gammaln(px)
            - gammaln(q)
            + q * np.log(v)
            + (px - 1) * np.log(m)
            + px * np.log(x)
            - (px + q) * np.log(v + m * x)
        )
    )


def fit_gamma_gamma(summary: pl.DataFrame) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters on customers with frequency > 0, monetary > 0."""
    repeat = summary.filter((pl.col("frequency") > 0) & (pl.col("monetary") > 0))
    _require_repeat_customers(repeat.height, "Gamma-Gamma")
    x, m = _columns(repeat, "frequency", "monetary")
    # Start near the data's scale so the optimiser does not wander in the flat region of v.
    start = np.log(np.array([1.0, 2.0, float(np.mean(m))]))
    p, q, v = (
        float(value) for value in np.exp(_maximise(_gamma_gamma_log_likelihood, start, (x, m)))
    )
    return GammaGammaParams(p=p, q=q, v=v)


def _dropout_odds(params: BgNbdParams, frequency: Floats, recency: Floats, big_t: Floats) -> Floats:
    """δ(x>0) · a / (b + x − 1) · ((α + T) / (α + t_x))^(r + x)."""
    x = frequency
    repeat = x > 0
    odds = np.zeros_like(x)
    odds[repeat] = (
        params.a
        / (params.b + x[repeat] - 1)
        * np.exp(
            (params.r + x[repeat])
            * (np.log(params.alpha + big_t[repeat]) - np.log(params.alpha + recency[repeat]))
        )
    )
    return odds


def probability_alive(
    params: BgNbdParams, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> Floats:
    """P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))."""
    x, t_x, big_t = _floats(frequency), _floats(recency), _floats(T)
    return np.asarray(1.0 / (1.0 + _dropout_odds(params, x, t_x, big_t)), dtype=np.float64)


def expected_purchases(
    params: BgNbdParams, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> Floats:
    """E[X(t) | x, t_x, T]: expected purchases in the next ``t`` time units (FHL 2005, eq. 10)."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    t_ = _floats(t)
    x, t_x, big_t = _floats(frequency), _floats(recency), _floats(T)
    z = t_ / (alpha + big_t + t_)
    # ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z), rewritten with Euler's transformation
    # 2F1(A, B; C; z) = (1−z)^(C−A−B) 2F1(C−A, C−B; C; z), where 1 − z = (α+T)/(α+T+t): the
    # original form overflows for frequent buyers, this one has small upper parameters.
    tail = np.exp((a - 1) * (np.log(alpha + big_t) - np.log(alpha + big_t + t_)))
    hypergeometric = tail * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    numerator = (a + b + x - 1) / (a - 1) * (1 - hypergeometric)
    result = numerator / (1 + _dropout_odds(params, x, t_x, big_t))
    return np.asarray(np.where(t_ > 0, result, 0.0), dtype=np.float64)


def expected_spend(params: GammaGammaParams, frequency: ArrayLike, monetary: ArrayLike) -> Floats:
    """E[M | x, m] = (γ + m·x)·p / (p·x + q − 1); the population mean p·γ/(q − 1) for x = 0."""
    x = _floats(frequency)
    m = np.maximum(_floats(monetary), 0.0)
    if params.q <= 1:
        raise NotEnoughDataError(
            f"Gamma-Gamma fit has q = {params.q:.3f} ≤ 1: the mean spend is not defined"
        )
    return np.asarray(
        (params.v + m * x) * params.p / (params.p * x + params.q - 1), dtype=np.float64
    )


def clv(
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary: ArrayLike,
    *,
    months: int = 12,
    monthly_discount: float = 0.01,
    time_unit: TimeUnit = "week",
) -> Floats:
    """Σₖ₌₁..months expected spend × expected purchases in month k / (1 + monthly_discount)ᵏ.

    Month k covers (k − 1, k] × 30.415 days after the calibration end, expressed in
    ``time_unit`` (the unit ``recency`` and ``T`` are in). The result is in ``monetary``'s unit.
    """
    if months < 0:
        raise ValueError(f"months must not be negative, not {months}")
    x, t_x, big_t = _floats(frequency), _floats(recency), _floats(T)
    spend = expected_spend(gamma_gamma, x, monetary)
    month = DAYS_PER_MONTH / _unit_days(time_unit)
    total = np.zeros_like(x)
    previous = np.zeros_like(x)
    for k in range(1, months + 1):
        cumulative = expected_purchases(bgnbd, k * month, x, t_x, big_t)
        total += spend * (cumulative - previous) / (1 + monthly_discount) ** k
        previous = cumulative
    return total


def purchases(ds: Dataset) -> pl.DataFrame:
    """person_id, day (German calendar day) and value (cents) of every counted sale."""
    return ds.orders.filter(
        pl.col("counted") & (pl.col("gross_cents") >= 0) & pl.col("person_id").is_not_null()
    ).select("person_id", _german_day("ordered_at").alias("day"), "value")


def predict(
    ds: Dataset,
    calibration_end: date,
    time_unit: TimeUnit = "week",
    months: int = 12,
    monthly_discount: float = 0.01,
) -> pl.DataFrame:
    """Fit both models on purchases up to ``calibration_end`` and predict every buyer.

    Columns: person_id, frequency, recency, T, monetary (cents), p_alive, expected_purchases
    (over ``months`` months), expected_spend_cents and clv_cents (whole cents). Raises
    :class:`NotEnoughDataError` when there are too few repeat customers to fit.
    """
    summary = rfm_summary(purchases(ds), calibration_end, time_unit)
    bgnbd = fit_bgnbd(summary)
    gamma_gamma = fit_gamma_gamma(summary)
    x, t_x, big_t, m = _columns(summary, "frequency", "recency", "T", "monetary")
    horizon = months * DAYS_PER_MONTH / _unit_days(time_unit)
    spend = expected_spend(gamma_gamma, x, m)
    value = clv(
        bgnbd,
        gamma_gamma,
        x,
        t_x,
        big_t,
        m,
        months=months,
        monthly_discount=monthly_discount,
        time_unit=time_unit,
    )
    return summary.with_columns(
        pl.Series("p_alive", probability_alive(bgnbd, x, t_x, big_t)),
        pl.Series("expected_purchases", expected_purchases(bgnbd, horizon, x, t_x, big_t)),
        pl.Series("expected_spend_cents", np.round(spend)).cast(pl.Int64),
        pl.Series("clv_cents", np.round(value)).cast(pl.Int64),
    )
