"""Connected accounts (sources): add, list, change and remove them; credentials stay encrypted.

A source with a connector stores its credentials as one encrypted token in
``Source.settings_json["credentials"]`` (see :mod:`kundenwert.secrets`); the base URL is
``Source.base_url`` (the tool's official URL when left empty). Sources created by a file import
have neither and cannot be synced.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, func
from sqlmodel import Session, col, select

from connectors.base import ConnectorConfig, ConnectorSpec, UnknownConnectorError, get_spec
from connectors.http import HttpOptions, normalise_base_url
from kundenwert.db import session_scope
from kundenwert.models import Contact, Order, OrderItem, Person, Refund, Source, SyncRun
from kundenwert.secrets import SecretsError, decrypt_credentials, encrypt_credentials


class SourceError(ValueError):
    """The owner asked for something about a source that cannot be done; the message says why."""


@dataclass(frozen=True)
class SourceInfo:
    """A source as the owner sees it: never its credentials, only whether they are stored."""

    label: str
    kind: str
    base_url: str | None
    has_credentials: bool
    can_sync: bool
    contacts: int
    orders: int
    last_import_at: datetime | None
    last_status: str | None
    last_sync_at: datetime | None
    last_error: str | None
    counts_towards_totals: bool = True
    last_run: SyncRun | None = None  # the newest sync run (detached), for its counts and end


def _settings(source: Source) -> dict[str, Any]:
    try:
        value = json.loads(source.settings_json or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _find(session: Session, label: str) -> Source:
    source = session.exec(select(Source).where(Source.label == label)).first()
    if source is None:
        raise SourceError(f"Datenquelle „{label}“ gibt es nicht")
    return source


def _spec(kind: str) -> ConnectorSpec:
    try:
        return get_spec(kind)
    except UnknownConnectorError as error:
        raise SourceError(str(error)) from None


def _checked_credentials(
    spec: ConnectorSpec, credentials: Mapping[str, str | None]
) -> dict[str, str]:
    names = set(spec.credential_fields.values())
    unknown = sorted(set(credentials) - names)
    if unknown:
        raise SourceError(f"{spec.title} kennt diese Zugangsdaten nicht: {', '.join(unknown)}")
    values = {name: (credentials.get(name) or "").strip() for name in sorted(names)}
    missing = [
        spec.credential_labels.get(name, name) for name, value in values.items() if not value
    ]
    if missing:
        raise SourceError(f"{spec.title} braucht noch: {', '.join(missing)}")
    return values


def add_source(
    engine: Engine,
    kind: str,
    label: str,
    *,
    base_url: str | None = None,
    credentials: Mapping[str, str | None],
) -> Source:
    """A new account of a tool with a connector; credentials are stored encrypted."""
    spec = _spec(kind)
    label = label.strip()
    if not label:
        raise SourceError("Die Datenquelle braucht einen Namen (--label)")
    values = _checked_credentials(spec, credentials)
    url = _base_url(spec, base_url)
    with session_scope(engine) as session:
        if session.exec(select(Source).where(Source.label == label)).first() is not None:
            raise SourceError(f"Datenquelle „{label}“ gibt es schon")
        source = Source(
            kind=spec.kind,
            label=label,
            base_url=url,
            settings_json=json.dumps({"credentials": encrypt_credentials(values)}),
        )
        session.add(source)
    return source


def _base_url(spec: ConnectorSpec, base_url: str | None) -> str | None:
    if base_url and base_url.strip():
        try:
            return normalise_base_url(base_url)
        except ValueError as error:
            raise SourceError(str(error)) from None
    if spec.default_base_url is None:
        raise SourceError(f"{spec.title} braucht die Adresse des Kontos (--base-url)")
    return None  # the official URL, also when it changes in a later version


def update_source(
    engine: Engine,
    label: str,
    *,
    base_url: str | None = None,
    credentials: Mapping[str, str | None] | None = None,
    new_label: str | None = None,
    counts_towards_totals: bool | None = None,
) -> Source:
    """Change the label, base URL, "counts towards totals" and/or replace the credentials.

    ``None`` leaves a field as it is. ``counts_towards_totals`` and ``new_label`` work for
    import-only sources too; a base URL and credentials need a tool with a connector.
    """
    with session_scope(engine) as session:
        source = _find(session, label)
        if new_label is not None and new_label.strip() != source.label:
            new_label = new_label.strip()
            if not new_label:
                raise SourceError("Die Datenquelle braucht einen Namen")
            taken = session.exec(select(Source).where(Source.label == new_label)).first()
            if taken is not None:
                raise SourceError(f"Datenquelle „{new_label}“ gibt es schon")
            source.label = new_label
        if counts_towards_totals is not None:
            source.counts_towards_totals = counts_towards_totals
        if base_url is None and credentials is None:
            session.add(source)
            return source
        spec = _spec(source.kind)
        if base_url is not None:
            source.base_url = _base_url(spec, base_url)
        if credentials is not None:
            settings = _settings(source)
            settings["credentials"] = encrypt_credentials(_checked_credentials(spec, credentials))
            source.settings_json = json.dumps(settings)
        session.add(source)
    return source


def can_sync(source: Source) -> bool:
    """A source syncs if its tool has a connector and credentials were stored with it.

    A source of the same kind created by a file import (no credentials) stays import-only.
    """
    try:
        get_spec(source.kind)
    except UnknownConnectorError:
        return False
    return isinstance(_settings(source).get("credentials"), str)


def connector_config(source: Source, http: HttpOptions | None = None) -> ConnectorConfig:
    """What the source's connector needs, credentials decrypted (as SecretStr)."""
    spec = _spec(source.kind)
    token = _settings(source).get("credentials")
    if not isinstance(token, str):
        raise SourceError(f"Für „{source.label}“ sind keine Zugangsdaten gespeichert")
    url = source.base_url or spec.default_base_url
    if url is None:
        raise SourceError(f"Für „{source.label}“ fehlt die Basis-URL")
    settings = {k: v for k, v in _settings(source).items() if k != "credentials"}
    return ConnectorConfig(
        base_url=url,
        credentials=decrypt_credentials(token),
        settings=settings,
        http=http or HttpOptions(),
    )


def masked_key(value: str) -> str:
    """``••••1234``: the last four characters of a long key, nothing of a short one."""
    return "••••" + (value[-4:] if len(value) >= 12 else "")


def masked_credentials(engine: Engine, label: str) -> dict[str, str] | None:
    """Each stored credential of ``label`` as :func:`masked_key` shows it, by name.

    ``{}`` when none are stored, ``None`` when they cannot be decrypted (key changed or lost).
    """
    with session_scope(engine) as session:
        source = _find(session, label)
        token = _settings(source).get("credentials")
    if not isinstance(token, str):
        return {}
    try:
        values = decrypt_credentials(token)
    except SecretsError:
        return None
    return {name: masked_key(value.get_secret_value()) for name, value in values.items()}


def list_sources(engine: Engine) -> list[SourceInfo]:
    with session_scope(engine) as session:
        contacts = dict(
            session.exec(
                select(Contact.source_id, func.count()).group_by(col(Contact.source_id))
            ).all()
        )
        orders = dict(
            session.exec(select(Order.source_id, func.count()).group_by(col(Order.source_id))).all()
        )
        infos = []
        for source in session.exec(select(Source).order_by(col(Source.label))):
            run = session.exec(
                select(SyncRun)
                .where(SyncRun.source_id == source.id)
                .order_by(col(SyncRun.id).desc())
                .limit(1)
            ).first()
            infos.append(
                SourceInfo(
                    label=source.label,
                    kind=source.kind,
                    base_url=source.base_url,
                    has_credentials="credentials" in _settings(source),
                    can_sync=can_sync(source),
                    contacts=contacts.get(source.id or 0, 0),
                    orders=orders.get(source.id or 0, 0),
                    last_import_at=source.last_import_at,
                    last_status=source.last_status,
                    last_sync_at=run.started_at if run else None,
                    last_error=run.error if run else None,
                    counts_towards_totals=source.counts_towards_totals,
                    last_run=run,
                )
            )
    return infos


def remove_source(engine: Engine, label: str) -> dict[str, int]:
    """Delete a source with everything read from it; persons left without contacts go too.

    Returns how many contacts, orders and persons were removed.
    """
    with session_scope(engine) as session:
        source = _find(session, label)
        order_ids = select(Order.id).where(Order.source_id == source.id)
        contacts = session.exec(
            select(func.count()).select_from(Contact).where(Contact.source_id == source.id)
        ).one()
        session.execute(delete(OrderItem).where(col(OrderItem.order_id).in_(order_ids)))
        session.execute(delete(Refund).where(col(Refund.order_id).in_(order_ids)))
        orders = session.execute(delete(Order).where(col(Order.source_id) == source.id))
        session.execute(delete(Contact).where(col(Contact.source_id) == source.id))
        session.execute(delete(SyncRun).where(col(SyncRun.source_id) == source.id))
        session.delete(source)
        session.flush()
        # a person without any contact is nothing; merges keep a person only through contacts
        persons = session.execute(
            delete(Person).where(col(Person.id).not_in(select(Contact.person_id)))
        )
    return {
        "contacts": int(contacts),
        "orders": int(getattr(orders, "rowcount", 0) or 0),
        "persons": int(getattr(persons, "rowcount", 0) or 0),
    }
