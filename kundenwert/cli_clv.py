"""``python -m kundenwert clv``: the fitted BG/NBD and Gamma-Gamma models and every buyer's
predicted value, as one JSON document or a CSV of the persons.

The document is built whole before anything is printed: when the model cannot be fitted
(too few repeat buyers), stderr says why, the exit code is 1 and stdout stays empty.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from decimal import Decimal
from typing import Any

from kundenwert import i18n
from kundenwert.cli import CliError, _amount, _kpi_dataset, optional_day
from kundenwert.clv import (
    DAYS_PER_MONTH,
    UNIT_DAYS,
    ClvFit,
    NotEnoughDataError,
    TimeUnit,
    fit,
    predict_persons,
    purchases,
)
from kundenwert.customers import Dataset
from kundenwert.metrics import german_today
from kundenwert.settings import MoneyBasis, get_settings

PERSON_FIELDS = (
    "person_id",
    "email",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "prob_alive",
    "expected_purchases",
    "expected_avg_spend",
    "clv",
)


def _cents_amount(cents: float) -> float:
    """A float amount in cents (the models' spend) → currency units with two decimals."""
    return _amount(round(cents))


def _person_rows(ds: Dataset, fitted: ClvFit, horizon: float, args: Any) -> list[dict[str, Any]]:
    predicted = predict_persons(fitted, horizon, args.months, args.discount_rate).join(
        ds.customers.select("person_id", "email"), on="person_id", how="left"
    )
    return [
        {
            "person_id": row["person_id"],
            "email": row["email"],
            "frequency": row["frequency"],
            "recency": round(row["recency"], 6),
            "T": round(row["T"], 6),
            "monetary_value": _cents_amount(row["monetary"]),
            "prob_alive": round(row["p_alive"], 6),
            "expected_purchases": round(row["expected_purchases"], 6),
            "expected_avg_spend": _amount(row["expected_spend_cents"]),
            "clv": _amount(row["clv_cents"]),
        }
        for row in predicted.sort("person_id").iter_rows(named=True)
    ]


def clv_document(args: argparse.Namespace) -> dict[str, Any]:
    """The whole output of ``clv`` (raises :class:`CliError` on bad options or thin data)."""
    calibration_end = optional_day(args.calibration_end, "--calibration-end") or german_today()
    if args.months < 0:
        raise CliError(f"--months {args.months}: keine negative Zahl von Monaten")
    if not 0 <= args.discount_rate < 1:
        raise CliError(
            f"--discount-rate {args.discount_rate}: monatlicher Zinssatz als Anteil, "
            "z. B. 0.01 für 1 % im Monat"
        )
    unit: TimeUnit = args.time_unit
    horizon = args.horizon
    if horizon is None:
        horizon = round(12 * DAYS_PER_MONTH / UNIT_DAYS[unit], 2)
    if horizon < 0:
        raise CliError(f"--horizon {horizon}: keine negative Dauer")
    ds = _kpi_dataset(args)
    try:
        fitted = fit(purchases(ds), calibration_end, unit)
    except NotEnoughDataError as error:
        lang = i18n.normalise_language(get_settings().language.value)
        raise CliError(i18n.t("clv.cli_not_enough", lang, reason=str(error))) from error
    bg, gg = fitted.bgnbd, fitted.gamma_gamma
    return {
        "time_unit": unit,
        "calibration_end": calibration_end.isoformat(),
        "currency": ds.base_currency,
        "basis": ds.basis.value,
        "horizon": horizon,
        "months": args.months,
        "discount_rate": args.discount_rate,
        "bgnbd": {
            "r": bg.r,
            "alpha": bg.alpha,
            "a": bg.a,
            "b": bg.b,
            "log_likelihood": fitted.log_likelihood,
        },
        "gamma_gamma": {
            "p": gg.p,
            "q": gg.q,
            "gamma": float(Decimal(gg.v) / 100),  # fitted in cents, shown in currency units
            "population_mean_fallback": fitted.spend_fallback,
        },
        "persons": _person_rows(ds, fitted, float(horizon), args),
    }


def _cmd_clv(args: argparse.Namespace) -> int:
    document = clv_document(args)
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=PERSON_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(document["persons"])
        return 0
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def _discount(text: str) -> float:
    try:
        return float(Decimal(text.strip().replace(",", ".")))
    except ArithmeticError as error:
        raise argparse.ArgumentTypeError(f"„{text}“ ist keine Zahl (z. B. 0.01)") from error


def add_clv_commands(sub: Any) -> None:
    command = sub.add_parser(
        "clv", help="BG/NBD + Gamma-Gamma parameters and each buyer's predicted value"
    )
    command.add_argument("--calibration-end", default=None, help="YYYY-MM-DD, default today")
    command.add_argument("--time-unit", choices=("day", "week"), default="week")
    command.add_argument(
        "--horizon", type=float, default=None, help="time units for expected_purchases (1 year)"
    )
    command.add_argument("--months", type=int, default=12, help="months of predicted value")
    command.add_argument(
        "--discount-rate", type=_discount, default=0.01, help="monthly, e.g. 0.01 = 1 %%"
    )
    command.add_argument("--basis", choices=[b.value for b in MoneyBasis], default=None)
    command.add_argument("--format", choices=("json", "csv"), default="json")
    command.set_defaults(handler=_cmd_clv)
