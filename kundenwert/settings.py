"""Settings from the environment (``KUNDENWERT_*``) and an optional ``.env`` file.

These are the settings an owner sets once when installing. Settings the owner changes in the
dashboard (test-order rules, …) live in the database (see :mod:`kundenwert.preferences`).
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class MoneyBasis(StrEnum):
    """Which amount of an order a figure counts."""

    GROSS = "gross"  # what the customer paid, VAT included
    NET = "net"  # gross minus VAT
    PAYOUT = "payout"  # gross minus VAT minus fees/commission


class Language(StrEnum):
    DE = "de"
    EN = "en"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KUNDENWERT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="Any SQLAlchemy URL; default: SQLite file in data_dir"
    )
    base_currency: str = "EUR"
    money_basis: MoneyBasis = MoneyBasis.GROSS
    language: Language = Language.DE
    inactivity_days: int = Field(default=365, ge=1)
    secret_key: SecretStr | None = None
    # Minutes without activity after which the dashboard asks for the password again.
    session_minutes: int = Field(default=60, ge=1, le=24 * 60)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'kundenwert.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
