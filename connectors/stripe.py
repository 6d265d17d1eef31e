"""Stripe API v1: customers, charges with their fees, refunds and disputes (chargebacks).

Sources, read for this module (Stripe's own documentation and SDK):

* [D-AUTH] docs.stripe.com/api/authentication: secret keys ``sk_test_…``/``sk_live_…`` or
  restricted keys ``rk_…``; HTTP Basic Auth with the key as user name, or ``Authorization:
  Bearer <key>``; HTTPS only. stripe-python ``_api_requestor.py`` sends ``Bearer`` and
  ``Stripe-Version``.
* [D-VERSION] docs.stripe.com/api/versioning and stripe-python 16.1.0 ``_api_version.py``: the
  ``Stripe-Version`` header fixes the response shapes per request; we send the version that SDK
  is generated for, :data:`API_VERSION`.
* [D-PAGES] docs.stripe.com/api/pagination: every list is ``{"object": "list", "url",
  "has_more", "data": [...]}``, newest first ("reverse chronological order"); ``limit`` 1–100
  (default 10); ``starting_after``/``ending_before`` take an object id and exclude each other.
  ``created`` takes ``gt``/``gte``/``lt``/``lte`` (stripe-python ``params/_charge_list_params.py``,
  ``_refund_list_params.py`` with ``charge``, ``_dispute_list_params.py`` with ``charge``,
  ``_customer_list_params.py``). No list filters on a change time.
* [D-OBJECTS] stripe-python ``_charge.py``, ``_refund.py``, ``_dispute.py``, ``_customer.py``,
  ``_balance_transaction.py`` (generated from the OpenAPI spec): charge ``amount``,
  ``amount_captured``, ``amount_refunded``, ``currency`` (lower case), ``status`` succeeded/
  pending/failed, ``captured``, ``refunded`` ("fully refunded"), ``disputed``, ``created`` (Unix
  seconds), ``customer`` and ``balance_transaction`` (expandable), ``billing_details {email,
  name, address {city, country, postal_code}}``, ``receipt_email``, ``payment_intent``,
  ``livemode``; refund ``status`` pending/requires_action/succeeded/failed/canceled; dispute
  ``status`` warning_needs_response/warning_under_review/warning_closed/needs_response/
  under_review/appeal_needs_response/appeal_under_review/won/lost/prevented; balance transaction
  ``amount``, ``fee`` and ``currency`` of the *settlement*, not of the charge. Sample objects:
  stripe/openapi ``openapi/fixtures3.json`` (copied to ``tests/data/stripe``).
* [D-EXPAND] docs.stripe.com/api/expanding_objects: ``expand[]`` on any request; on lists the
  paths start with ``data.`` (``data.customer``); at most four levels deep.
* [D-REFUNDS] docs.stripe.com/changelog/2022-11-15/deprecates-charges-auto-expand: charges no
  longer embed their refunds, and Stripe recommends against expanding them.
* [D-MINOR] docs.stripe.com/currencies: amounts in the currency's minor unit; zero-decimal
  currencies (:data:`ZERO_DECIMAL`) and three-decimal ones (:data:`THREE_DECIMAL`, last digit
  0); support.stripe.com "Deprecation of fractional ISK charges": ISK stays two-decimal.
* [D-ERRORS] docs.stripe.com/api/errors and stripe-python ``_api_requestor.py``
  (``specific_v1_api_error``): ``{"error": {"type", "code", "message", "param"}}``; 401 "No valid
  API key provided", 403 a key without the permission (restricted keys), 404 ``resource_missing``,
  409 conflict, 429 "Too many requests … exponential backoff", 5xx rare.
* [D-RATE] docs.stripe.com/rate-limits: 100 requests/s in live mode, 25 in a sandbox, 25/s per
  endpoint unless stated; back off on 429. stripe-python ``_http_client.py`` (``_should_retry``)
  follows a ``Stripe-Should-Retry`` header and retries 409 and 5xx.
* [C-WOO] woocommerce/woocommerce-gateway-stripe ``includes/abstracts/abstract-wc-stripe-payment-
  gateway.php``: ``process_response`` calls ``payment_complete($charge->id)`` and
  ``process_refund`` sends the order's transaction id as ``charge``, i.e. WooCommerce stores the
  *charge* id ``ch_…`` as ``transaction_id``; ``get_transaction_url`` links
  ``dashboard.stripe.com/(test/)payments/<id>``.

Decisions:

* One order per charge (a payment attempt): ``source_order_id`` and ``payment_id`` are the charge
  id, the id WooCommerce stores [C-WOO], so a shop order paid by Stripe counts once. Plugins that
  store the PaymentIntent id ``pi_…`` do not match (one payment id per order is all the model
  has). Failed attempts are orders with status ``failed`` (they count zero).
* Money: minor units → Kundenwert cents (hundredths of the major unit, :mod:`kundenwert.money`):
  ×100 for zero-decimal, ÷10 for three-decimal currencies. Gross is ``amount_captured`` (partial
  captures), tax 0 (a charge knows no VAT), one item named after the ``description`` if there is
  one. The fee comes from the expanded balance transaction; when it settled in another currency
  it is scaled by charge amount / settled amount (integer arithmetic, no float rate).
* Status: failed → failed, pending → pending, authorised but not captured → pending (released:
  cancelled), a lost dispute → chargeback with a refund of reason ``chargeback`` (dispute id,
  amount, creation date), else refunded / partially refunded by ``amount_refunded``, else paid.
  Refunds that failed or were cancelled are kept with amount 0 (a refund once stored stays).
  Open disputes change nothing until they are lost; ``lost`` is taken as final (appeals are
  not followed).
* Contacts: a charge's expanded customer (only the customer object's own data, so the result
  does not depend on which charge is read last); without a customer ``guest:<e-mail>`` from
  ``billing_details.email`` or ``receipt_email``, without any e-mail ``charge:<id>``; a deleted
  customer keeps its id with the charge's billing details. A customer changed later (new
  e-mail) is seen again when one of its charges is read again, or by a full sync.
* Sync: four lists read newest first — customers, charges, refunds, disputes — each from
  ``created[gte]`` of the newest object of its previous pass (the second is read again; ties
  are harmless). A pass resumes after a kill with ``starting_after`` = last id read, so every
  page is a safe cursor. Lists cannot filter by change time: a refund or dispute of an old
  charge is found by its own creation time and its charge is read again. The first sync starts
  the refund and dispute lists at their newest object, because the charges read after that
  carry their refunds. Charges that can still change without a new refund or dispute (pending,
  authorised, open dispute, pending refund) are kept in the cursor and read again each run.
* Tolerance, where API versions or the documentation differ: ``customer``,
  ``balance_transaction`` and a refund's or dispute's ``charge`` are taken as id or as expanded
  object (a customer left as an id is read once from ``/v1/customers/<id>``); refunds embedded
  in a charge (API versions before 2022-11-15) are used when complete; a missing
  ``amount_captured`` means ``amount``; a base URL given with ``/v1`` works too.
* ``Stripe-Should-Retry`` and 409 (conflicts of writes) are not looked at: we only read, and
  reads are safe to repeat. We ask for 10 requests per second, well below the limits, as the
  shop's checkout shares them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from connectors.base import Batch, ConnectorConfig, ConnectorSpec, register
from connectors.http import (
    AuthenticationError,
    Hints,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    NotFoundError,
    normalise_base_url,
)
from kundenwert.identity import normalise_email
from kundenwert.import_formats import split_full_name
from kundenwert.models import OrderStatus
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord

logger = logging.getLogger("kundenwert.connectors")
T = TypeVar("T")
Records = tuple[list[ContactRecord], list[OrderRecord]]

TOOL = "Stripe"
DEFAULT_BASE_URL = "https://api.stripe.com"
API_PATH = "/v1"
API_VERSION = "2026-10-28.endive"  # [D-VERSION]
PER_PAGE = 100  # the API's maximum [D-PAGES]
RATE_LIMIT = 10.0  # requests per second; live 100/s, sandbox 25/s [D-RATE]
DASHBOARD = "https://dashboard.stripe.com"
# fmt: off
ZERO_DECIMAL = frozenset({  # [D-MINOR]
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})
# fmt: on
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
CHARGE_EXPAND = ("customer", "balance_transaction")
OPEN_DISPUTES = frozenset(
    {"needs_response", "under_review", "warning_needs_response", "warning_under_review"}
    | {"appeal_needs_response", "appeal_under_review"}
)
VOID_REFUNDS = frozenset({"failed", "canceled"})
STREAMS = ("customers", "charges", "refunds", "disputes")
HINTS = Hints(
    auth="Secret Key (sk_live_…) oder eingeschränkten Schlüssel (rk_live_…) in Datenquellen "
    "prüfen (Stripe-Dashboard → Entwickler → API-Schlüssel)",
    forbidden="der eingeschränkte Schlüssel braucht Leserechte für Customers, Charges, Refunds, "
    "Disputes und Balance transactions",
    not_found="Basis-URL in Datenquellen prüfen (Standard: https://api.stripe.com, ohne /v1)",
)


@dataclass(frozen=True)
class StripeCredentials:
    secret_key: SecretStr


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <secret key>`` [D-AUTH]."""

    def __init__(self, key: str):
        self._header = f"Bearer {key}"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def minor_to_cents(amount: int, currency: str) -> int:
    """Stripe's minor units → Kundenwert cents (hundredths of the major unit) [D-MINOR]."""
    code = currency.lower()
    if code in ZERO_DECIMAL:
        return int(amount) * 100
    if code in THREE_DECIMAL:
        return int((Decimal(int(amount)) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return int(amount)


def from_unix(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def _id(value: Any) -> str | None:
    """An expandable field as its id, whether expanded or not."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class StripeClient:
    """The REST API of one Stripe account; every request goes through :class:`HttpClient`."""

    def __init__(
        self, base_url: str, credentials: StripeCredentials, options: HttpOptions | None = None
    ):
        self.base_url = normalise_base_url(base_url).removesuffix(API_PATH)
        key = credentials.secret_key.get_secret_value().strip()
        self.publishable = key.startswith("pk_")
        self.http = HttpClient(
            TOOL,
            self.base_url + API_PATH,
            auth=BearerAuth(key),
            headers={"Stripe-Version": API_VERSION},
            options=options,
            rate_limit=RATE_LIMIT,
            hints=HINTS,
            secrets=(key,),
        )

    def __repr__(self) -> str:
        return f"StripeClient({self.base_url!r})"

    def close(self) -> None:
        self.http.close()

    def list_page(self, path: str, params: Mapping[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        """(data, has_more) of one page of a list [D-PAGES]."""
        body, _ = self.http.get_json(path, params)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise InvalidResponseError(f"{TOOL}: {path} liefert keine Liste: {HINTS.not_found}")
        return body["data"], bool(body.get("has_more"))

    def pages(
        self, path: str, params: Mapping[str, Any], starting_after: str | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages newest first, each continuing ``starting_after`` the last id of the one before."""
        cursor, previous = starting_after, None
        while True:
            query = {**params, "limit": PER_PAGE}
            if cursor is not None:
                query["starting_after"] = cursor
            items, more = self.list_page(path, query)
            ids = [item.get("id") for item in items]
            if previous is not None and ids and ids == previous:
                raise InvalidResponseError(
                    f"{TOOL}: {path} liefert nach {cursor} dieselbe Seite noch einmal: "
                    f"{HINTS.not_found}"
                )
            previous = ids
            yield items
            if not more or not items:
                return
            cursor = str(items[-1]["id"])

    def everything(self, path: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [item for page in self.pages(path, params) for item in page]

    def newest_created(self, path: str) -> int | None:
        items, _ = self.list_page(path, {"limit": 1})
        return int(items[0]["created"]) if items else None

    def charge(self, charge_id: str) -> dict[str, Any] | None:
        """One charge with customer and balance transaction expanded; None if unknown."""
        try:
            body, _ = self.http.get_json(f"charges/{charge_id}", {"expand[]": list(CHARGE_EXPAND)})
        except NotFoundError:
            return None
        if not isinstance(body, dict) or not body.get("id"):
            raise InvalidResponseError(f"{TOOL}: Zahlung {charge_id} hat ein unerwartetes Format")
        return body

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        try:
            body, _ = self.http.get_json(f"customers/{customer_id}")
        except NotFoundError:
            return None
        return body if isinstance(body, dict) else None


# --- mapping -------------------------------------------------------------------------------------


def _dashboard(livemode: Any, what: str, object_id: str) -> str:
    return f"{DASHBOARD}/{'' if livemode else 'test/'}{what}/{object_id}"


def contact_from_customer(customer: Mapping[str, Any]) -> ContactRecord:
    first, last = split_full_name(_text(customer.get("name")) or "")
    if first is None and last is None:
        first, last = split_full_name(_text(customer.get("individual_name")) or "")
    address = customer.get("address") or (customer.get("shipping") or {}).get("address") or {}
    created = customer.get("created")
    return ContactRecord(
        source_contact_id=str(customer["id"]),
        email=_text(customer.get("email")),
        first_name=first,
        last_name=last,
        company=_text(customer.get("business_name")),
        country=_text(address.get("country")),
        city=_text(address.get("city")),
        postcode=_text(address.get("postal_code")),
        created_at=from_unix(created) if created is not None else None,
        url=_dashboard(customer.get("livemode", True), "customers", str(customer["id"])),
    )


def _billing_email(charge: Mapping[str, Any]) -> str | None:
    billing = charge.get("billing_details") or {}
    return _text(billing.get("email")) or _text(charge.get("receipt_email"))


def contact_id(charge: Mapping[str, Any]) -> str:
    customer = _id(charge.get("customer"))
    if customer:
        return customer
    email = normalise_email(_billing_email(charge))
    return f"guest:{email}" if email else f"charge:{charge['id']}"


def contact_from_billing(charge: Mapping[str, Any]) -> ContactRecord:
    billing = charge.get("billing_details") or {}
    address = billing.get("address") or {}
    first, last = split_full_name(_text(billing.get("name")) or "")
    return ContactRecord(
        source_contact_id=contact_id(charge),
        email=_billing_email(charge),
        first_name=first,
        last_name=last,
        country=_text(address.get("country")),
        city=_text(address.get("city")),
        postcode=_text(address.get("postal_code")),
    )


def fee_cents(charge: Mapping[str, Any], gross_minor: int) -> int | None:
    """The charge's Stripe fee in the charge currency, if the balance transaction is expanded."""
    txn = charge.get("balance_transaction")
    if not isinstance(txn, dict) or txn.get("fee") is None:
        return None
    currency = str(charge["currency"])
    fee = int(txn["fee"])
    if str(txn.get("currency", currency)).lower() == currency.lower():
        return minor_to_cents(fee, currency)
    settled = int(txn.get("amount") or 0)
    if not settled:
        return None
    scaled = (Decimal(fee) * gross_minor / settled).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return minor_to_cents(int(scaled), currency)


def order_record(
    charge: Mapping[str, Any],
    refunds: Sequence[Mapping[str, Any]],
    disputes: Sequence[Mapping[str, Any]],
) -> OrderRecord:
    """One charge with its refunds and disputes as a canonical order."""
    currency = str(charge["currency"])
    captured = bool(charge.get("captured", True))
    amount = int(charge["amount"])
    gross_minor = int(charge.get("amount_captured") or 0) if captured else 0
    gross_minor = gross_minor or amount
    records = [
        RefundRecord(
            source_refund_id=str(refund["id"]),
            refunded_at=from_unix(refund["created"]),
            amount_cents=0
            if refund.get("status") in VOID_REFUNDS
            else minor_to_cents(int(refund["amount"]), str(refund.get("currency") or currency)),
        )
        for refund in refunds
    ]
    lost = [d for d in disputes if d.get("status") == "lost"]
    records += [
        RefundRecord(
            source_refund_id=str(dispute["id"]),
            refunded_at=from_unix(dispute["created"]),
            amount_cents=minor_to_cents(
                int(dispute["amount"]), str(dispute.get("currency") or currency)
            ),
            reason="chargeback",
        )
        for dispute in lost
    ]
    refunded = int(charge.get("amount_refunded") or 0)
    state = charge.get("status")
    if state == "failed":
        status = OrderStatus.FAILED
    elif state == "pending" or (state != "succeeded" and not charge.get("paid")):
        status = OrderStatus.PENDING
    elif not captured:
        status = OrderStatus.CANCELLED if charge.get("refunded") else OrderStatus.PENDING
    elif lost:
        status = OrderStatus.CHARGEBACK
    elif charge.get("refunded") or (refunded and refunded >= gross_minor):
        status = OrderStatus.REFUNDED
    elif refunded:
        status = OrderStatus.PARTIALLY_REFUNDED
    else:
        status = OrderStatus.PAID
    gross = minor_to_cents(gross_minor, currency)
    description = _text(charge.get("description"))
    return OrderRecord(
        source_order_id=str(charge["id"]),
        source_contact_id=contact_id(charge),
        ordered_at=from_unix(charge["created"]),
        gross_cents=gross,
        currency=currency.upper(),
        fee_cents=fee_cents(charge, gross_minor) if status is not OrderStatus.FAILED else None,
        status=status.value,
        payment_id=str(charge["id"]),
        is_sandbox=not charge.get("livemode", True),
        url=_dashboard(charge.get("livemode", True), "payments", str(charge["id"])),
        items=[ItemRecord(description, gross)] if description else [],
        refunds=records,
    )


def settled(
    charge: Mapping[str, Any],
    refunds: Sequence[Mapping[str, Any]],
    disputes: Sequence[Mapping[str, Any]],
) -> bool:
    """False while the charge can change without a new refund or dispute being created."""
    if charge.get("status") == "failed":
        return True
    if charge.get("status") != "succeeded":
        return False
    if not charge.get("captured", True):
        return bool(charge.get("refunded"))  # an authorisation is released or captured later
    if any(d.get("status") in OPEN_DISPUTES for d in disputes):
        return False
    return not any(r.get("status") in ("pending", "requires_action") for r in refunds)


# --- the sync ------------------------------------------------------------------------------------


@dataclass
class Pass:
    """Where one list stands: ``since`` its lower bound, ``tail`` and ``top`` a pass under way."""

    since: int | None = None  # created[gte] of the next pass (newest object of the last one)
    tail: str | None = None  # last id read by the pass under way (starting_after on resume)
    top: int | None = None  # newest ``created`` seen by the pass under way

    def dump(self) -> dict[str, Any]:
        return {"since": self.since, "tail": self.tail, "top": self.top}


@dataclass
class SyncState:
    passes: dict[str, Pass] = field(default_factory=lambda: {name: Pass() for name in STREAMS})
    watch: set[str] = field(default_factory=set)  # charges to read again (see module docstring)

    def dump(self) -> str:
        data = {
            "v": 1,
            **{name: state.dump() for name, state in self.passes.items()},
            "watch": sorted(self.watch),
        }
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def load(cls, cursor: str | None) -> SyncState | None:
        """The state a cursor stands for; None for no cursor or one this version cannot read."""
        if not cursor:
            return None
        try:
            data = json.loads(cursor)
            if data.get("v") != 1:
                raise ValueError("unknown cursor version")
            passes = {
                name: Pass(
                    since=int(data[name]["since"]) if data[name]["since"] is not None else None,
                    tail=data[name]["tail"],
                    top=int(data[name]["top"]) if data[name]["top"] is not None else None,
                )
                for name in STREAMS
            }
            return cls(passes=passes, watch={str(i) for i in data.get("watch", [])})
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("%s: cursor not understood, reading everything again", TOOL)
            return None


class StripeConnector:
    """Turns the account's lists into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: StripeClient):
        self.client = client
        self._customers: dict[str, dict[str, Any] | None] = {}

    def __repr__(self) -> str:
        return f"StripeConnector({self.client.base_url!r})"

    def close(self) -> None:
        self.client.close()

    def batches(self, cursor: str | None) -> Iterator[Batch]:
        if self.client.publishable:
            raise AuthenticationError(
                f"{TOOL}: das ist der veröffentlichbare Schlüssel (pk_…); Kundenwert braucht den "
                f"Secret Key oder einen eingeschränkten Schlüssel: {HINTS.auth}"
            )
        state = SyncState.load(cursor)
        if state is None:
            state = SyncState()
            # the charges read below carry every refund and dispute made before this moment
            for name in ("refunds", "disputes"):
                state.passes[name].since = self.client.newest_created(name)
        yield from self._recheck(state)
        yield from self._pass(state, "customers", {}, self._customer_page)
        charge_params = {"expand[]": [f"data.{name}" for name in CHARGE_EXPAND]}
        yield from self._pass(state, "charges", charge_params, self._charge_page)
        yield from self._pass(state, "refunds", {}, self._changed_charges)
        yield from self._pass(state, "disputes", {}, self._changed_charges)

    def _recheck(self, state: SyncState) -> Iterator[Batch]:
        """Charges that could still change on their own, from earlier runs, read again."""
        pending = sorted(state.watch)
        for start in range(0, len(pending), PER_PAGE):
            chunk = pending[start : start + PER_PAGE]
            contacts: dict[str, ContactRecord] = {}
            orders = []
            for charge_id in chunk:
                state.watch.discard(charge_id)
                charge = self.client.charge(charge_id)
                if charge is not None:
                    orders.append(self._records(charge, contacts, state, complete=True))
            yield Batch(
                list(contacts.values()),
                orders,
                cursor=state.dump(),
                note=f"offene Zahlungen: {start + len(chunk)} von {len(pending)} geprüft",
            )

    def _pass(
        self,
        state: SyncState,
        name: str,
        params: dict[str, Any],
        handle: Callable[[list[dict[str, Any]], SyncState], Records],
    ) -> Iterator[Batch]:
        current = state.passes[name]
        query = dict(params)
        if current.since is not None:
            query["created[gte]"] = current.since
        read = 0
        restarted = False
        while True:
            try:
                for items in self.client.pages(name, query, starting_after=current.tail):
                    if not items:
                        break
                    contacts, orders = handle(items, state)
                    read += len(items)
                    current.tail = str(items[-1]["id"])
                    newest = max(int(item["created"]) for item in items)
                    current.top = newest if current.top is None else max(current.top, newest)
                    yield Batch(contacts, orders, cursor=state.dump(), note=_note(name, read))
                break
            except NotFoundError:
                if current.tail is None or restarted:
                    raise
                # the object we stopped after is gone (a deleted customer): start the pass again
                current.tail, restarted = None, True
        if current.top is not None:
            current.since = current.top
        current.tail = current.top = None
        yield Batch(cursor=state.dump(), note=_note(name, read))

    def _customer_page(self, customers: list[dict[str, Any]], _state: SyncState) -> Records:
        contacts = []
        for customer in customers:
            self._customers[str(customer["id"])] = customer
            contacts.append(self._guard(contact_from_customer, customer, "Kunde"))
        return contacts, []

    def _charge_page(self, charges: list[dict[str, Any]], state: SyncState) -> Records:
        contacts: dict[str, ContactRecord] = {}
        orders = [self._records(charge, contacts, state) for charge in charges]
        return list(contacts.values()), orders

    def _changed_charges(self, items: list[dict[str, Any]], state: SyncState) -> Records:
        """Refunds or disputes: their charges, read again whole."""
        contacts: dict[str, ContactRecord] = {}
        orders = []
        for charge_id in dict.fromkeys(_id(item.get("charge")) for item in items):
            charge = self.client.charge(charge_id) if charge_id else None
            if charge is not None:
                orders.append(self._records(charge, contacts, state, complete=True))
        return list(contacts.values()), orders

    def _records(
        self,
        charge: dict[str, Any],
        contacts: dict[str, ContactRecord],
        state: SyncState,
        complete: bool = False,
    ) -> OrderRecord:
        """The charge's order (refunds and disputes fetched as needed) and its contact."""
        charge_id = str(charge["id"])
        refunds: list[dict[str, Any]] = []
        embedded = charge.get("refunds")
        if isinstance(embedded, dict) and not embedded.get("has_more") and not complete:
            refunds = list(embedded.get("data") or [])  # API versions before 2022-11-15
        if complete or (not refunds and (charge.get("amount_refunded") or charge.get("refunded"))):
            refunds = self.client.everything("refunds", {"charge": charge_id})
        disputes = []
        if charge.get("disputed"):
            disputes = self.client.everything("disputes", {"charge": charge_id})
        contact = self._contact(charge)
        contacts.pop(contact.source_contact_id, None)
        contacts[contact.source_contact_id] = contact
        if not settled(charge, refunds, disputes):
            state.watch.add(charge_id)
        return self._guard(lambda c: order_record(c, refunds, disputes), charge, "Zahlung")

    def _contact(self, charge: Mapping[str, Any]) -> ContactRecord:
        customer = charge.get("customer")
        if isinstance(customer, str) and customer:
            if customer not in self._customers:  # not expanded: read it once
                self._customers[customer] = self.client.customer(customer)
            customer = self._customers[customer] or {"id": customer, "deleted": True}
        if isinstance(customer, dict) and customer.get("id") and not customer.get("deleted"):
            return self._guard(contact_from_customer, customer, "Kunde")
        return contact_from_billing(charge)

    @staticmethod
    def _guard(build: Callable[[Mapping[str, Any]], T], item: Mapping[str, Any], what: str) -> T:
        try:
            return build(item)
        except (KeyError, TypeError, ValueError, ArithmeticError) as error:
            raise InvalidResponseError(
                f"{TOOL}: {what} {item.get('id')} hat ein unerwartetes Format ({error!r})"
            ) from None


def _note(name: str, read: int) -> str:
    label = {"customers": "Kunden", "charges": "Zahlungen", "refunds": "Erstattungen"}
    return f"{label.get(name, 'Rückbuchungen')}: {read} gelesen"


def create(config: ConnectorConfig) -> StripeConnector:
    credentials = StripeCredentials(secret_key=config.credentials["secret_key"])
    return StripeConnector(StripeClient(config.base_url, credentials, config.http))


SPEC = register(
    ConnectorSpec(
        kind="stripe",
        title=TOOL,
        credential_fields={"key": "secret_key"},
        credential_labels={"secret_key": "Secret Key (sk_live_…) oder eingeschränkter Schlüssel"},
        create=create,
        default_base_url=DEFAULT_BASE_URL,
    )
)
