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
  rate. Expected purchases in month k = E[X(t_k)] − E[X(t_{k−1})], t_k = k months. This is
  the convention of lifetimes (CamDavidsonPilon/lifetimes, ``utils._customer_lifetime_value``,
  used by ``GammaGammaFitter.customer_lifetime_value``): monthly steps, the month-k increment of
  the cumulative expectation times the Gamma-Gamma expected spend, divided by (1 + d)^k, with
  d = 0.01 by default. One difference: lifetimes takes a month as 4.345 weeks but as 30 days
  with ``freq="D"``; here a month is 30.415 days in every unit, so day and week fits agree.
- The models are fitted in floating point (they are estimates, not bookkeeping); predicted spend
  and CLV are rounded to whole cents at the end.

Both fits need customers who bought more than once: with fewer than
:data:`MIN_REPEAT_CUSTOMERS` of them the likelihood has no useful maximum and
:class:`NotEnoughDataError` is raised instead of returning arbitrary numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
import polars as pl
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize  # type: ignore[import-untyped]
from scipy.special import gammaln, hyp2f1  # type: ignore[import-untyped]

from kundenwert.customers import Dataset
from kundenwert.metrics import german_day

TimeUnit = Literal["day", "week", "month"]
DAYS_PER_MONTH = 30.415
UNIT_DAYS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": DAYS_PER_MONTH}
MIN_REPEAT_CUSTOMERS = 5
# Parameters stay within e^±12: on small data sets the likelihood can keep rising towards
# a, b → ∞ (a dropout rate without heterogeneity); the bound stops there with the same forecasts.
LOG_PARAM_BOUNDS = (-12.0, 12.0)

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


def _bgnbd_log_likelihood(
    log_params: Floats, x: Floats, t_x: Floats, big_t: Floats, weights: Floats
) -> float:
    """Mean log-likelihood per customer (weights count identical customers)."""
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
    per_customer = ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)
    return float(np.sum(weights * per_customer) / np.sum(weights))


def _maximise(
    log_likelihood: Callable[..., float], start: Floats, args: tuple[Floats, ...]
) -> Floats:
    """Maximise over log-parameters (keeps them positive).

    L-BFGS-B with numerical gradients needs a few hundred evaluations where Nelder-Mead needs
    over a thousand: on 200,000 persons that is the difference between about 2 and 25 seconds.
    Nelder-Mead remains the fallback when the gradient method ends on a non-finite value.
    """

    def negative(log_params: Floats) -> float:
        value = log_likelihood(log_params, *args)
        return -value if np.isfinite(value) else np.inf

    with np.errstate(all="ignore"):
        result = minimize(
            negative,
            start,
            method="L-BFGS-B",
            bounds=[LOG_PARAM_BOUNDS] * len(start),
            options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2_000},
        )
        # "Abnormal termination in line search" near the optimum is a precision limit of the
        # numerical gradient, not a failure: only a non-finite result needs the fallback.
        if not np.isfinite(result.fun) or not np.all(np.isfinite(result.x)):
            result = minimize(
                negative,
                start,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 20_000, "maxfev": 40_000},
            )
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise NotEnoughDataError("the model could not be fitted to these purchases")
    return np.asarray(result.x, dtype=np.float64)


def _distinct(summary: pl.DataFrame, *names: str) -> list[Floats]:
    """The distinct rows of ``names`` and, last, how many customers share each.

    Customers with the same (x, t_x, T) contribute the same likelihood term; fitting on the
    distinct rows with weights gives the same maximum in a fraction of the time.
    """
    # sorted: group_by's order varies between runs, and so would the last digits of the sum
    counted = summary.group_by(*names).agg(pl.len().alias("_weight")).sort(*names)
    return _columns(counted, *names, "_weight")


def _require_repeat_customers(count: int, model: str) -> None:
    if count < MIN_REPEAT_CUSTOMERS:
        raise NotEnoughDataError(
            f"{model} needs at least {MIN_REPEAT_CUSTOMERS} customers with a repeat purchase "
            f"in the calibration period; there are {count}"
        )


def fit_bgnbd(summary: pl.DataFrame) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters for an :func:`rfm_summary` frame."""
    repeat_customers = summary.filter(pl.col("frequency") > 0).height
    _require_repeat_customers(repeat_customers, "BG/NBD")
    x, t_x, big_t, weights = _distinct(summary, "frequency", "recency", "T")
    log_params = _maximise(_bgnbd_log_likelihood, np.zeros(4), (x, t_x, big_t, weights))
    r, alpha, a, b = (float(v) for v in np.exp(log_params))
    return BgNbdParams(r=r, alpha=alpha, a=a, b=b)


def bgnbd_log_likelihood(params: BgNbdParams, summary: pl.DataFrame) -> float:
    """The total BG/NBD log-likelihood of ``summary`` under ``params`` (eq. 6, summed)."""
    if summary.height == 0:
        return 0.0
    x, t_x, big_t, weights = _distinct(summary, "frequency", "recency", "T")
    log_params = np.log(np.array([params.r, params.alpha, params.a, params.b]))
    mean = _bgnbd_log_likelihood(log_params, x, t_x, big_t, weights)
    return mean * float(np.sum(weights))


def _gamma_gamma_log_likelihood(log_params: Floats, x: Floats, m: Floats) -> float:
    """Mean log-likelihood per repeat customer (the mean keeps the optimiser's tolerances
    independent of the number of customers)."""
    p, q, v = np.exp(log_params)
    # Density of the mean m of x repeat purchases (Fader, Hardie & Lee 2005, "RFM and CLV").
    px = p * x
    return float(
        np.mean(
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
    # v scales with the currency unit: fitting on m / mean(m) keeps it near 1, inside the
    # bounds and away from the flat region of the likelihood, whatever the amounts.
    scale = float(np.mean(m))
    start = np.log(np.array([1.0, 2.0, 1.0]))
    fitted = np.exp(_maximise(_gamma_gamma_log_likelihood, start, (x, m / scale)))
    p, q, v = (float(value) for value in fitted)
    return GammaGammaParams(p=p, q=q, v=v * scale)


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
    log_ratio = np.log(alpha + big_t) - np.log(alpha + big_t + t_)
    with np.errstate(all="ignore"):
        hypergeometric = np.broadcast_to(
            np.exp((a - 1) * log_ratio) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z),
            np.broadcast_shapes(np.shape(x), np.shape(z)),
        ).copy()
        # With large a and b (dropout nearly the same for everybody, as on small data sets)
        # the transformed form is 0 × ∞; the textbook form is well-behaved exactly there.
        bad = ~np.isfinite(hypergeometric)
        if np.any(bad):
            x_, z_, ratio = (np.broadcast_to(v, bad.shape)[bad] for v in (x, z, log_ratio))
            hypergeometric[bad] = np.exp((r + x_) * ratio) * hyp2f1(
                r + x_, b + x_, a + b + x_ - 1, z_
            )
    numerator = (a + b + x - 1) / (a - 1) * (1 - hypergeometric)
    result = numerator / (1 + _dropout_odds(params, x, t_x, big_t))
    return np.asarray(np.where(t_ > 0, result, 0.0), dtype=np.float64)


def expected_spend(
    params: GammaGammaParams,
    frequency: ArrayLike,
    monetary: ArrayLike,
    population_mean: float | None = None,
) -> Floats:
    """E[M | x, m] = (γ + m·x)·p / (p·x + q − 1); the population mean p·γ/(q − 1) for x = 0.

    With q ≤ 1 the fitted spend distribution has no finite mean (a heavy tail, typical when
    19-€ subscriptions and 5.000-€ coachings mix). The posterior mean of a repeat buyer stays
    finite while p·x + q > 1 (otherwise their own mean m is used); for one-time buyers
    ``population_mean`` stands in, and without it the spend cannot be predicted.
    """
    x = _floats(frequency)
    m = np.maximum(_floats(monetary), 0.0)
    if params.q > 1:
        return np.asarray(
            (params.v + m * x) * params.p / (params.p * x + params.q - 1), dtype=np.float64
        )
    if population_mean is None:
        raise NotEnoughDataError(
            f"Gamma-Gamma fit has q = {params.q:.3f} ≤ 1: the mean spend is not defined"
        )
    shape = params.p * x + params.q - 1
    with np.errstate(all="ignore"):
        posterior = (params.v + m * x) * params.p / shape
    individual = np.where(shape > 0, posterior, m)
    return np.asarray(np.where(x > 0, individual, population_mean), dtype=np.float64)


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
    population_mean: float | None = None,
) -> Floats:
    """Σₖ₌₁..months expected spend × expected purchases in month k / (1 + monthly_discount)ᵏ.

    Month k covers (k − 1, k] × 30.415 days after the calibration end, expressed in
    ``time_unit`` (the unit ``recency`` and ``T`` are in). The result is in ``monetary``'s unit.
    """
    if months < 0:
        raise ValueError(f"months must not be negative, not {months}")
    x, t_x, big_t = _floats(frequency), _floats(recency), _floats(T)
    spend = expected_spend(gamma_gamma, x, monetary, population_mean)
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
    ).select("person_id", german_day("ordered_at").alias("day"), "value")


@dataclass(frozen=True)
class ClvFit:
    """Both models fitted on the purchases up to ``calibration_end`` and the summary they saw."""

    calibration_end: date
    time_unit: TimeUnit
    bgnbd: BgNbdParams
    gamma_gamma: GammaGammaParams
    log_likelihood: float
    summary: pl.DataFrame  # rfm_summary

    @property
    def repeat_customers(self) -> int:
        return self.summary.filter(pl.col("frequency") > 0).height

    @property
    def spend_fallback(self) -> bool:
        """True when Gamma-Gamma has no finite population mean (q ≤ 1): one-time buyers
        are then valued with the plain mean of all repeat purchases."""
        return self.gamma_gamma.q <= 1

    @property
    def population_spend(self) -> float:
        """Expected spend of a purchase by a customer with no repeat purchase yet: the
        Gamma-Gamma mean p·γ/(q − 1), or (q ≤ 1) the mean of all repeat purchases."""
        gg = self.gamma_gamma
        if gg.q > 1:
            return gg.p * gg.v / (gg.q - 1)
        repeat = self.summary.filter(pl.col("frequency") > 0)
        purchases_made = float(repeat["frequency"].sum())
        total = float((repeat["monetary"].clip(lower_bound=0) * repeat["frequency"]).sum())
        return total / purchases_made if purchases_made else 0.0


def fit(transactions: pl.DataFrame, calibration_end: date, time_unit: TimeUnit = "week") -> ClvFit:
    """Fit BG/NBD and Gamma-Gamma on ``transactions`` (person_id, day, value) up to the end.

    Raises :class:`NotEnoughDataError` when there are too few repeat customers or the
    optimiser ends nowhere (see :attr:`ClvFit.spend_fallback` for a spend model without mean).
    """
    summary = rfm_summary(transactions, calibration_end, time_unit)
    bgnbd = fit_bgnbd(summary)
    gamma_gamma = fit_gamma_gamma(summary)
    return ClvFit(
        calibration_end=calibration_end,
        time_unit=time_unit,
        bgnbd=bgnbd,
        gamma_gamma=gamma_gamma,
        log_likelihood=bgnbd_log_likelihood(bgnbd, summary),
        summary=summary,
    )


def predict_persons(
    fitted: ClvFit, horizon: float, months: int = 12, monthly_discount: float = 0.01
) -> pl.DataFrame:
    """Every customer of the fit with p_alive, expected purchases and CLV.

    ``expected_purchases`` counts the next ``horizon`` time units; ``clv_cents`` is the
    discounted value of the next ``months`` months (module docstring). Columns: person_id,
    frequency, recency, T, monetary, p_alive, expected_purchases, expected_spend_cents,
    clv_cents (whole cents; spend is the Gamma-Gamma expectation, so a one-time buyer gets the
    population mean rather than nothing).
    """
    if horizon < 0:
        raise ValueError(f"horizon must not be negative, not {horizon}")
    summary = fitted.summary
    x, t_x, big_t, m = _columns(summary, "frequency", "recency", "T", "monetary")
    spend = expected_spend(fitted.gamma_gamma, x, m, fitted.population_spend)
    value = clv(
        fitted.bgnbd,
        fitted.gamma_gamma,
        x,
        t_x,
        big_t,
        m,
        months=months,
        monthly_discount=monthly_discount,
        time_unit=fitted.time_unit,
        population_mean=fitted.population_spend,
    )
    return summary.with_columns(
        pl.Series("p_alive", probability_alive(fitted.bgnbd, x, t_x, big_t)),
        pl.Series("expected_purchases", expected_purchases(fitted.bgnbd, horizon, x, t_x, big_t)),
        pl.Series("expected_spend_cents", np.round(spend)).cast(pl.Int64),
        pl.Series("clv_cents", np.round(value)).cast(pl.Int64),
    )


def predict(
    ds: Dataset,
    calibration_end: date,
    time_unit: TimeUnit = "week",
    months: int = 12,
    monthly_discount: float = 0.01,
    horizon: float | None = None,
) -> pl.DataFrame:
    """Fit both models on purchases up to ``calibration_end`` and predict every buyer.

    Columns as :func:`predict_persons`; ``expected_purchases`` covers ``horizon`` time units,
    by default ``months`` months. Raises :class:`NotEnoughDataError` when there are too few
    repeat customers to fit.
    """
    fitted = fit(purchases(ds), calibration_end, time_unit)
    if horizon is None:
        horizon = months * DAYS_PER_MONTH / _unit_days(time_unit)
    return predict_persons(fitted, horizon, months, monthly_discount)


def clv_by_person(
    ds: Dataset, as_of: date, months: int = 12, monthly_discount: float = 0.01
) -> pl.DataFrame:
    """person_id → p_alive, expected_purchases (next ``months`` months), clv_cents.

    For filters such as the segment builder's ``clv`` column. Persons without a counted
    purchase up to ``as_of`` are not in the frame. Raises :class:`NotEnoughDataError` when
    the model cannot be fitted (callers show "not computable", never zeros).
    """
    return predict(ds, as_of, "week", months, monthly_discount).select(
        "person_id", "p_alive", "expected_purchases", "clv_cents"
    )


# --- calibration / holdout check ------------------------------------------------------------


def holdout_check(
    ds: Dataset,
    calibration_end: date,
    holdout_end: date,
    time_unit: TimeUnit = "week",
    period: Literal["week", "month"] = "month",
) -> pl.DataFrame:
    """Predicted and actual repeat purchases per period after the calibration end.

    The models are fitted on purchases up to ``calibration_end``; for the customers of that
    fit, ``predicted`` is Σ E[X(t_end)] − E[X(t_start)] over the period (conditional
    expectation, FHL 2005 eq. 10) and ``actual`` the purchase days they had in it (same-day
    orders merged; new customers of the holdout are left out on both sides). Columns:
    period_start, period_end, predicted (float), actual (int). Raises
    :class:`NotEnoughDataError`; a ``holdout_end`` not after the calibration end is a
    ``ValueError``.
    """
    if holdout_end <= calibration_end:
        raise ValueError("the holdout must end after the calibration end")
    transactions = purchases(ds)
    fitted = fit(transactions, calibration_end, time_unit)
    bounds = _period_bounds(calibration_end, holdout_end, period)
    known = fitted.summary["person_id"].implode()
    holdout_days = (
        transactions.filter(
            (pl.col("day") > calibration_end)
            & (pl.col("day") <= holdout_end)
            & pl.col("person_id").is_in(known)
        )
        .select("person_id", "day")
        .unique()
    )
    x, t_x, big_t = _columns(fitted.summary, "frequency", "recency", "T")
    unit = _unit_days(time_unit)
    rows = []
    previous = 0.0
    for first, last in bounds:
        elapsed = (last - calibration_end).days / unit
        cumulative = float(np.sum(expected_purchases(fitted.bgnbd, elapsed, x, t_x, big_t)))
        actual = holdout_days.filter(pl.col("day").is_between(first, last)).height
        rows.append((first, last, cumulative - previous, actual))
        previous = cumulative
    return pl.DataFrame(
        rows,
        schema={
            "period_start": pl.Date,
            "period_end": pl.Date,
            "predicted": pl.Float64,
            "actual": pl.Int64,
        },
        orient="row",
    )


def _period_bounds(after: date, until: date, period: str) -> list[tuple[date, date]]:
    """Consecutive (first, last) days from the day after ``after`` to ``until``: calendar
    months (the first and last may be partial) or 7-day weeks."""
    bounds = []
    first = after + timedelta(days=1)
    while first <= until:
        if period == "week":
            last = first + timedelta(days=6)
        else:
            following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            last = following - timedelta(days=1)
        bounds.append((first, min(last, until)))
        first = min(last, until) + timedelta(days=1)
    return bounds


# --- warnings on thin data ------------------------------------------------------------------

THIN_PERSONS = 200
THIN_REPEAT_CUSTOMERS = 50
SHORT_HISTORY_DAYS = 180


def data_warnings(fitted: ClvFit) -> list[str]:
    """Codes of reasons to trust the fit less: ``few_persons`` (< 200 customers),
    ``few_repeat`` (< 50 with a repeat purchase), ``short_history`` (< 180 days between the
    first purchase and the calibration end). The thresholds are rules of thumb, not statistics.
    """
    summary = fitted.summary
    warnings = []
    if summary.height < THIN_PERSONS:
        warnings.append("few_persons")
    if fitted.repeat_customers < THIN_REPEAT_CUSTOMERS:
        warnings.append("few_repeat")
    longest = float(summary.select(pl.col("T").max()).item() or 0.0) * _unit_days(fitted.time_unit)
    if longest < SHORT_HISTORY_DAYS:
        warnings.append("short_history")
    return warnings
