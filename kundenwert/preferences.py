"""Owner-editable settings kept in the database (Setting table, JSON values)."""

from __future__ import annotations

import json
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
