"""Owner-editable settings kept in the database (Setting table, JSON values)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine
from sqlmodel import Session

from kundenwert.db import session_scope
from kundenwert.models import Setting


class TestOrderRules(BaseModel):
    """Rules that mark orders as test orders. None is on by default."""

    __test__ = False  # not a pytest test class despite the name

    emails: list[str] = Field(default_factory=list)  # own e-mail addresses
    domains: list[str] = Field(default_factory=list)  # own domains, e.g. "meinefirma.de"
    zero_amount: bool = False  # orders with a gross amount of 0
    sandbox: bool = False  # orders a source flagged as sandbox/test

    @property
    def active(self) -> bool:
        return bool(self.emails or self.domains or self.zero_amount or self.sandbox)


def read_setting(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(Setting, key)
    return default if row is None else json.loads(row.value_json)


def write_setting(session: Session, key: str, value: Any) -> None:
    row = session.get(Setting, key) or Setting(key=key, value_json="null")
    row.value_json = json.dumps(value, ensure_ascii=False)
    session.add(row)


def load_test_rules(engine: Engine) -> TestOrderRules:
    with Session(engine) as session:
        return TestOrderRules.model_validate(read_setting(session, "test_rules", {}))


def save_test_rules(engine: Engine, rules: TestOrderRules) -> None:
    with session_scope(engine) as session:
        write_setting(session, "test_rules", rules.model_dump())


def is_demo(engine: Engine) -> bool:
    with Session(engine) as session:
        return bool(read_setting(session, "demo_data", False))


MARGIN_KEY = "contribution_margin_percent"


def load_margin_percent(engine: Engine) -> Decimal | None:
    """The owner's contribution margin in % of revenue for the CLV formula; None until set,
    because a guessed margin would make the CLV look exact when it is not."""
    with Session(engine) as session:
        value = read_setting(session, MARGIN_KEY)
    return None if value is None else Decimal(str(value))


def save_margin_percent(engine: Engine, percent: Decimal | None) -> None:
    """Store the margin (0 < % ≤ 100, kept as exact text); None removes it."""
    if percent is not None and not Decimal(0) < percent <= Decimal(100):
        raise ValueError(f"Marge {percent} % liegt nicht zwischen 0 und 100 %")
    with session_scope(engine) as session:
        if percent is None:
            row = session.get(Setting, MARGIN_KEY)
            if row is not None:
                session.delete(row)
            return
        write_setting(session, MARGIN_KEY, str(percent))


RFM_GRID_KEY = "rfm_grid"


def load_rfm_grid(engine: Engine) -> dict[tuple[int, int], str]:
    """The owner's R × FM grid, or DESIGN.md's default when none was saved.

    Only :func:`save_rfm_grid` writes the setting and it validates, so a stored grid that no
    longer validates (a segment renamed in a later version) falls back to the default rather
    than breaking every RFM figure.
    """
    from kundenwert.rfm import DEFAULT_GRID, RfmGridError, grid_from_table

    with Session(engine) as session:
        table = read_setting(session, RFM_GRID_KEY)
    if table is None:
        return dict(DEFAULT_GRID)
    try:
        return grid_from_table(table)
    except RfmGridError:
        return dict(DEFAULT_GRID)


def save_rfm_grid(engine: Engine, grid: Mapping[tuple[int, int], str]) -> None:
    """Store ``grid`` after :func:`kundenwert.rfm.validate_grid`; an invalid grid raises
    :class:`kundenwert.rfm.RfmGridError` and changes nothing."""
    from kundenwert.rfm import grid_to_table

    table = grid_to_table(grid)
    with session_scope(engine) as session:
        write_setting(session, RFM_GRID_KEY, table)


def reset_rfm_grid(engine: Engine) -> None:
    """Back to DESIGN.md's grid: the stored grid is removed."""
    with session_scope(engine) as session:
        row = session.get(Setting, RFM_GRID_KEY)
        if row is not None:
            session.delete(row)
