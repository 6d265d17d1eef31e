"""What every connector provides, and the registry the sync engine finds them in.

A connector module in ``connectors/`` defines a client for its tool's API and a connector that
turns the API's pages into :class:`Batch` es of canonical records, and registers one
:class:`ConnectorSpec` at import time::

    register(ConnectorSpec(kind="woocommerce", title="WooCommerce", ...))

:func:`specs` imports every module of the package once, so a new tool needs nothing but its
module (plus its fake server and tests): no list to extend anywhere else.

The contract the sync engine (:mod:`kundenwert.sync`) relies on:

* :meth:`Connector.batches` yields batches in the order they must be written. Each batch is
  written in one transaction together with its ``cursor``, so the cursor of a batch must be a
  value from which a later run, starting there, misses nothing that is not in this or an
  earlier batch. ``cursor=None`` leaves the stored cursor as it is.
* ``cursor`` is opaque text that only the connector that wrote it reads back (an ISO time, a
  JSON object, an id); ``batches(None)`` means "everything".
* Re-reading is always harmless (records are upserted by source id), missing is not: when in
  doubt a connector re-reads.
* Errors are :class:`connectors.http.ApiError` with a message for the owner.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import SecretStr

from connectors.http import HttpOptions
from kundenwert.records import ContactRecord, OrderRecord

_NOT_CONNECTORS = frozenset({"base", "http"})


@dataclass(slots=True)
class Batch:
    """Records from one page (or a few) of an API, written in one transaction."""

    contacts: list[ContactRecord] = field(default_factory=list)
    orders: list[OrderRecord] = field(default_factory=list)
    cursor: str | None = None  # safe to store once this batch is committed; None = keep
    done: float | None = None  # share of the whole run done after this batch (0–1), if known
    note: str = ""  # for progress output, e.g. "Bestellungen 200 von 1234"


class Connector(Protocol):
    """One account of one tool, ready to read."""

    def batches(self, cursor: str | None) -> Iterator[Batch]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ConnectorConfig:
    """Everything a connector needs to open an account: what the owner entered, decrypted."""

    base_url: str
    credentials: Mapping[str, SecretStr]
    settings: Mapping[str, Any] = field(default_factory=dict)
    http: HttpOptions = field(default_factory=HttpOptions)


@dataclass(frozen=True)
class ConnectorSpec:
    """A tool Kundenwert can sync with."""

    kind: str  # stored in Source.kind, e.g. "woocommerce"
    title: str  # shown to the owner, e.g. "WooCommerce"
    # command-line option → credential name; all of them are required, e.g.
    # {"key": "consumer_key", "secret": "consumer_secret"} or {"token": "api_token"}
    credential_fields: Mapping[str, str]
    create: Callable[[ConnectorConfig], Connector]
    default_base_url: str | None = None  # None: every account has its own (a shop's address)
    credential_labels: Mapping[str, str] = field(default_factory=dict)  # name → German label


_SPECS: dict[str, ConnectorSpec] = {}
_loaded = False


def register(spec: ConnectorSpec) -> ConnectorSpec:
    _SPECS[spec.kind] = spec
    return spec


def specs() -> dict[str, ConnectorSpec]:
    """Every registered connector by kind (imports the connector modules on first use)."""
    global _loaded
    if not _loaded:
        import connectors

        for module in pkgutil.iter_modules(connectors.__path__):
            if module.name not in _NOT_CONNECTORS and not module.name.startswith("_"):
                importlib.import_module(f"connectors.{module.name}")
        _loaded = True
    return dict(sorted(_SPECS.items()))


class UnknownConnectorError(ValueError):
    """No connector module registers this kind."""


def get_spec(kind: str) -> ConnectorSpec:
    known = specs()
    if kind not in known:
        raise UnknownConnectorError(
            f"Für „{kind}“ gibt es keine Schnittstelle; möglich: {', '.join(known) or 'keine'}"
        )
    return known[kind]
