"""Stripe API v1: customers, invoices, charges with their fees, refunds and disputes.

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
* [C-PI] Other WooCommerce Stripe gateways store the PaymentIntent id ``pi_…`` instead, e.g.
  checkout-plugins-stripe-woo and funnelkit-stripe-woo-payment-gateway (``$order->
  set_transaction_id( $intent->id )`` for intents still ``processing``, such as SEPA debits).
* [D-INVOICE] stripe-python ``_invoice.py`` (generated from the OpenAPI spec, 2025 and later):
  ``status`` draft/open/paid/uncollectible/void; ``total`` ("Total after discounts and taxes"),
  ``total_taxes[] {amount, tax_behavior, taxable_amount}``, ``currency``, ``customer``
  (expandable), ``customer_email``/``customer_name``/``customer_address`` ("Once the invoice is
  finalized, this field will no longer be updated"), ``billing_reason`` (manual,
  subscription_create, subscription_cycle, subscription_update, …), ``parent {type,
  subscription_details {subscription}}``, ``status_transitions {finalized_at, paid_at,
  voided_at, marked_uncollectible_at}``, ``effective_at``, ``livemode``; ``lines`` a list
  object (``has_more``; all lines from ``GET /v1/invoices/<id>/lines``); ``payments`` the
  InvoicePayments, "includable": only sent when expanded (``expand[]=data.payments``).
* [D-LINES] stripe-python ``_invoice_line_item.py``: ``amount``, ``currency``, ``description``,
  ``quantity``, ``discount_amounts[] {amount}``, ``taxes[] {amount, tax_behavior
  exclusive/inclusive}``, ``pricing {price_details {price, product}}``, ``parent``
  (subscription_item_details or invoice_item_details).
* [D-INVPAY] stripe-python ``_invoice_payment.py``: ``invoice_payment {invoice, status
  open/paid/canceled, amount_paid, amount_requested, is_default, payment {type
  payment_intent/charge, payment_intent, charge}}``; the charge is named only when it has no
  PaymentIntent; ``GET /v1/invoice_payments`` filters ``invoice``, ``payment[type]``,
  ``payment[payment_intent]``, ``status``. stripe-java ``ChargeListParams``: charges filter by
  ``payment_intent``.
* [D-BASIL] docs.stripe.com/changelog/basil/2025-03-31 "Adds support for multiple (partial)
  payments on invoices": ``payment_intent``, ``charge``, ``paid``, ``paid_out_of_band`` removed
  from the invoice and ``invoice`` from Charge and PaymentIntent; "Adds new parent field to
  invoicing objects": the invoice's ``subscription`` moved to ``parent.subscription_details``,
  line ``subscription`` etc. to the line's ``parent``; stripe-java 29.0.0 release notes (the
  basil SDK): ``tax_amounts`` of lines removed (now ``taxes``), invoice ``tax`` and
  ``total_tax_amounts`` replaced by ``total_taxes``, line ``price`` by ``pricing``.
* [D-SUB] stripe-python ``_subscription.py``: ``trial_start``, ``trial_end`` (Unix seconds or
  null), ``status`` trialing/active/….

Decisions:

* One order per charge (a payment attempt) that paid no invoice: ``source_order_id`` is the
  charge id, ``payment_id`` the charge id and the PaymentIntent id, space-separated
  (:func:`payment_ids`): a shop order storing either [C-WOO] [C-PI] counts once
  (:mod:`kundenwert.values` matches a payment provider's order on each of its ids; no new
  column needed). Failed attempts are orders with status ``failed`` (they count zero).
* One order per finalised invoice (``source_order_id`` the invoice id), never a second one for
  the charge that paid it: gross ``total``, tax the sum of ``total_taxes`` (before basil ``tax``
  or ``total_tax_amounts``), net = gross − tax; one item per line, gross = ``amount`` −
  discounts + exclusive taxes, with ``quantity`` and the product id; currency the invoice's.
  Status: open → pending, void → cancelled, uncollectible → failed, paid → paid / partially
  refunded / refunded / chargeback from the paying charges' refunds and lost disputes, which
  become the order's refunds; the fee is the charges' Stripe fee; ``payment_id`` the charges'
  and PaymentIntents' ids. Date: ``paid_at``, else ``effective_at``/``finalized_at``. Kind:
  ``subscription`` for an invoice of a subscription (``parent``, before basil
  ``subscription``, or a ``subscription_*`` billing reason), ``trial`` for one of 0,00 created
  while its subscription's trial ran (the subscription is read for that only, so a 100 %
  coupon stays ``subscription``), else ``one_time``. Drafts become no order (they may still be
  deleted); drafts, open and uncollectible invoices are watched and read again each run.
* Which charge paid which invoice: since basil neither names the other, so the invoices are
  read before the charges (with their InvoicePayments included) and every PaymentIntent and
  charge id they name is remembered; the charges pass skips those. A charge read again later
  (a refund, a dispute, a watched charge) is looked up by its PaymentIntent in
  ``/v1/invoice_payments`` (one request), and its invoice is read again instead. So are the
  charges of a run resumed after a kill (the cursor says ``running``: what the killed run
  learnt is gone), of a customer with a draft invoice (it may have been paid in between) and of
  the newest second of the last run (read again, while their invoice may not be).
  The paying charges of a paid invoice come from ``/v1/charges?payment_intent=…``: expanding
  ``data.payments.data.payment.payment_intent`` would be five levels deep [D-EXPAND].
* Upgrading from a version without invoices: the cursor has no ``invoices`` list, which then
  starts from the beginning; charges stored earlier for invoices stay as orders and share their
  payment ids with the new invoice orders, so they still count once (the older one counts).
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
* Sync: five lists read newest first — customers, invoices, charges, refunds, disputes — each from
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

from connectors import _stripe_invoices as inv
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
STREAMS = ("customers", "invoices", "charges", "refunds", "disputes")
INVOICE_EXPAND = ("payments",)  # includable, not sent unless asked for [D-BASIL]
HINTS = Hints(
    auth="Secret Key (sk_live_…) oder eingeschränkten Schlüssel (rk_live_…) in Datenquellen "
    "prüfen (Stripe-Dashboard → Entwickler → API-Schlüssel)",
    forbidden="der eingeschränkte Schlüssel braucht Leserechte für Customers, Charges, Refunds, "
    "Disputes, Balance transactions, Invoices und Subscriptions",
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

    def invoice(self, invoice_id: str) -> dict[str, Any] | None:
        """One invoice with its payments included; None if unknown."""
        try:
            body, _ = self.http.get_json(
                f"invoices/{invoice_id}", {"expand[]": list(INVOICE_EXPAND)}
            )
        except NotFoundError:
            return None
        if not isinstance(body, dict) or not body.get("id"):
            raise InvalidResponseError(f"{TOOL}: Rechnung {invoice_id} hat ein unerwartetes Format")
        return body

    def invoice_of_intent(self, intent: str) -> str | None:
        """The invoice a PaymentIntent pays, if any [D-INVPAY]."""
        params = {"payment[type]": "payment_intent", "payment[payment_intent]": intent}
        for payment in self.everything("invoice_payments", params):
            if payment.get("status") != "canceled" and _id(payment.get("invoice")):
                return _id(payment.get("invoice"))
        return None

    def subscription(self, subscription_id: str) -> dict[str, Any] | None:
        try:
            body, _ = self.http.get_json(f"subscriptions/{subscription_id}")
        except NotFoundError:
            return None
        return body if isinstance(body, dict) else None

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


def contact_from_invoice(invoice: Mapping[str, Any]) -> ContactRecord:
    """An invoice without a readable customer: the customer data it froze when finalised."""
    customer = _id(invoice.get("customer"))
    email = _text(invoice.get("customer_email"))
    normalised = normalise_email(email)
    fallback = f"guest:{normalised}" if normalised else f"invoice:{invoice['id']}"
    address = invoice.get("customer_address") or {}
    first, last = split_full_name(_text(invoice.get("customer_name")) or "")
    return ContactRecord(
        source_contact_id=customer or fallback,
        email=email,
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


def payment_ids(*ids: str | None) -> str | None:
    """The ids one payment is known by, space-separated: the charge id first (what WooCommerce
    stores [C-WOO]), then the PaymentIntent id (what other plugins store); see
    :func:`kundenwert.values.order_values` for how both match a shop order."""
    return " ".join(dict.fromkeys(i for i in ids if i)) or None


def refund_records(
    refunds: Sequence[Mapping[str, Any]], disputes: Sequence[Mapping[str, Any]], currency: str
) -> list[RefundRecord]:
    """Refunds (failed or cancelled ones with amount 0) and lost disputes as chargebacks."""
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
    records += [
        RefundRecord(
            source_refund_id=str(dispute["id"]),
            refunded_at=from_unix(dispute["created"]),
            amount_cents=minor_to_cents(
                int(dispute["amount"]), str(dispute.get("currency") or currency)
            ),
            reason="chargeback",
        )
        for dispute in disputes
        if dispute.get("status") == "lost"
    ]
    return records


def captured_minor(charge: Mapping[str, Any]) -> int:
    """What the charge took: ``amount_captured`` (partial captures), else ``amount``."""
    if not charge.get("captured", True):
        return int(charge["amount"])
    return int(charge.get("amount_captured") or 0) or int(charge["amount"])


def order_record(
    charge: Mapping[str, Any],
    refunds: Sequence[Mapping[str, Any]],
    disputes: Sequence[Mapping[str, Any]],
) -> OrderRecord:
    """One charge with its refunds and disputes as a canonical order."""
    currency = str(charge["currency"])
    captured = bool(charge.get("captured", True))
    gross_minor = captured_minor(charge)
    records = refund_records(refunds, disputes, currency)
    lost = any(r.reason == "chargeback" for r in records)
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
        payment_id=payment_ids(str(charge["id"]), _id(charge.get("payment_intent"))),
        is_sandbox=not charge.get("livemode", True),
        url=_dashboard(charge.get("livemode", True), "payments", str(charge["id"])),
        items=[ItemRecord(description, gross)] if description else [],
        refunds=records,
    )


@dataclass
class PaidBy:
    """A charge that paid (part of) an invoice, with its refunds and disputes."""

    charge: dict[str, Any]
    refunds: list[dict[str, Any]]
    disputes: list[dict[str, Any]]


def invoice_record(
    invoice: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    paid_by: Sequence[PaidBy],
    subscription: Mapping[str, Any] | None,
    contact: str,
) -> OrderRecord:
    """One finalised invoice as one order, the charges that paid it folded in: their fees,
    refunds and disputes, and their ids as the payment id (see module docstring)."""
    currency = str(invoice["currency"])
    refunds = [r for p in paid_by for r in refund_records(p.refunds, p.disputes, currency)]
    status = inv.invoice_status(invoice, [p.charge for p in paid_by], refunds)
    fees = [fee_cents(p.charge, captured_minor(p.charge)) for p in paid_by]
    known = [fee for fee in fees if fee is not None]
    intents, charges = inv.invoice_payment_refs(invoice)
    charged = [i for p in paid_by for i in (p.charge["id"], _id(p.charge.get("payment_intent")))]
    livemode = invoice.get("livemode", True)
    return OrderRecord(
        source_order_id=str(invoice["id"]),
        source_contact_id=contact,
        ordered_at=from_unix(inv.invoice_date(invoice)),
        gross_cents=minor_to_cents(int(invoice["total"]), currency),
        tax_cents=minor_to_cents(inv.invoice_tax(invoice), currency),
        currency=currency.upper(),
        fee_cents=sum(known) if known else None,
        status=status.value,
        kind=inv.invoice_kind(invoice, subscription).value,
        payment_id=payment_ids(*charged, *charges, *intents),
        is_sandbox=not livemode,
        url=_dashboard(livemode, "invoices", str(invoice["id"])),
        items=inv.line_items(lines, minor_to_cents, currency),
        refunds=refunds,
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
    watch: set[str] = field(default_factory=set)  # charges and invoices to read again
    running: bool = False  # a run is under way: a cursor with it set is resumed

    def dump(self) -> str:
        data = {
            "v": 1,
            **{name: state.dump() for name, state in self.passes.items()},
            "watch": sorted(self.watch),
            "running": self.running,
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
            passes = {name: _load_pass(data, name) for name in STREAMS}
            watch = {str(i) for i in data.get("watch", [])}
            return cls(passes=passes, watch=watch, running=bool(data.get("running")))
        except (ValueError, KeyError, TypeError, AttributeError):
            logger.warning("%s: cursor not understood, reading everything again", TOOL)
            return None


def _load_pass(data: dict[str, Any], name: str) -> Pass:
    """One list's state; a list the cursor does not know yet (invoices, added after cursors of
    this version were written) starts from the beginning."""
    if name == "invoices" and name not in data:
        return Pass()
    part = data[name]
    return Pass(
        since=int(part["since"]) if part["since"] is not None else None,
        tail=part["tail"],
        top=int(part["top"]) if part["top"] is not None else None,
    )


class StripeConnector:
    """Turns the account's lists into batches for :mod:`kundenwert.sync` (see module docstring)."""

    def __init__(self, client: StripeClient):
        self.client = client
        self._customers: dict[str, dict[str, Any] | None] = {}
        self._subscriptions: dict[str, dict[str, Any] | None] = {}
        self._invoice_of: dict[str, str] = {}  # PaymentIntent or charge id → invoice id
        self._not_invoiced: set[str] = set()  # PaymentIntents looked up without an invoice
        self._draft_customers: set[str] = set()  # customers with a draft invoice (see docstring)
        self._resumed = False  # this run goes on where a killed one stopped (see docstring)

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
        self._resumed, state.running = state.running, True
        yield from self._recheck(state)
        yield from self._pass(state, "customers", {}, self._customer_page)
        invoice_params = {"expand[]": [f"data.{name}" for name in INVOICE_EXPAND]}
        yield from self._pass(state, "invoices", invoice_params, self._invoice_page)
        charge_params = {"expand[]": [f"data.{name}" for name in CHARGE_EXPAND]}
        yield from self._pass(state, "charges", charge_params, self._charge_page)
        yield from self._pass(state, "refunds", {}, self._changed_charges)
        yield from self._pass(state, "disputes", {}, self._changed_charges)
        state.running = False
        yield Batch(cursor=state.dump(), note="alle Listen gelesen")

    def _recheck(self, state: SyncState) -> Iterator[Batch]:
        """Charges and invoices that could still change on their own, read again."""
        pending = sorted(state.watch, key=lambda i: (not i.startswith("in_"), i))
        for start in range(0, len(pending), PER_PAGE):
            chunk = pending[start : start + PER_PAGE]
            contacts: dict[str, ContactRecord] = {}
            orders: dict[str, OrderRecord] = {}
            for object_id in chunk:
                state.watch.discard(object_id)
                if object_id.startswith("in_"):
                    self._add(orders, self._read_invoice(object_id, contacts, state))
                else:
                    charge = self.client.charge(object_id)
                    if charge is not None:
                        self._add(orders, self._charge_or_invoice(charge, contacts, state))
            yield Batch(
                list(contacts.values()),
                list(orders.values()),
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

    def _invoice_page(self, invoices: list[dict[str, Any]], state: SyncState) -> Records:
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}
        for invoice in invoices:
            self._add(orders, self._invoice_records(invoice, contacts, state))
        return list(contacts.values()), list(orders.values())

    def _charge_page(self, charges: list[dict[str, Any]], state: SyncState) -> Records:
        """New charges; those that paid an invoice are the invoice's order, not their own."""
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}
        since = state.passes["charges"].since
        for charge in charges:
            customer = _id(charge.get("customer"))
            # a resumed run may not have read the invoices, a draft may have been paid since,
            # and the newest second of the last run is read again, its invoices not with it
            lookup = self._resumed or customer in self._draft_customers
            lookup = lookup or (since is not None and int(charge["created"]) <= since)
            if self._invoice_for(charge, lookup) is None:
                self._add(orders, self._records(charge, contacts, state))
        return list(contacts.values()), list(orders.values())

    def _changed_charges(self, items: list[dict[str, Any]], state: SyncState) -> Records:
        """Refunds or disputes: their charges (or the invoices they paid), read again whole."""
        contacts: dict[str, ContactRecord] = {}
        orders: dict[str, OrderRecord] = {}
        for charge_id in dict.fromkeys(_id(item.get("charge")) for item in items):
            charge = self.client.charge(charge_id) if charge_id else None
            if charge is not None:
                self._add(orders, self._charge_or_invoice(charge, contacts, state))
        return list(contacts.values()), list(orders.values())

    def _charge_or_invoice(
        self, charge: dict[str, Any], contacts: dict[str, ContactRecord], state: SyncState
    ) -> OrderRecord | None:
        """An older charge read again: its invoice's order if it paid one, else its own."""
        invoice_id = self._invoice_for(charge, lookup=True)
        if invoice_id is not None:
            return self._read_invoice(invoice_id, contacts, state)
        return self._records(charge, contacts, state, complete=True)

    def _invoice_for(self, charge: Mapping[str, Any], lookup: bool) -> str | None:
        """The invoice the charge paid: known from invoices read in this run, else (``lookup``)
        asked of the invoice payments by its PaymentIntent [D-INVPAY]."""
        intent = _id(charge.get("payment_intent"))
        for ref in (str(charge["id"]), intent):
            if ref in self._invoice_of:
                return self._invoice_of[ref]
        if not lookup or intent is None or intent in self._not_invoiced:
            return None
        found = self.client.invoice_of_intent(intent)
        if found is None:
            self._not_invoiced.add(intent)
        else:
            self._invoice_of[intent] = found
        return found

    def _read_invoice(
        self, invoice_id: str, contacts: dict[str, ContactRecord], state: SyncState
    ) -> OrderRecord | None:
        """An invoice read again (watched, or its charge changed): refunds read whatever the
        charge says, as one may have failed since."""
        invoice = self.client.invoice(invoice_id)
        if invoice is None:
            return None
        return self._invoice_records(invoice, contacts, state, complete=True)

    def _invoice_records(
        self,
        invoice: dict[str, Any],
        contacts: dict[str, ContactRecord],
        state: SyncState,
        complete: bool = False,
    ) -> OrderRecord | None:
        """The invoice's order and contact; None for a draft (it may still be deleted)."""
        invoice_id = str(invoice["id"])
        invoice = self._with_payments(invoice)
        status = invoice.get("status")
        intents, charge_ids = inv.invoice_payment_refs(invoice)
        for ref in (*intents, *charge_ids):
            self._invoice_of[ref] = invoice_id
        if status in inv.WATCHED:
            state.watch.add(invoice_id)
        if status in inv.UNFINISHED:
            if customer := _id(invoice.get("customer")):
                self._draft_customers.add(customer)
            return None
        paid_by = self._paid_by(intents, charge_ids, complete) if status == "paid" else []
        for part in paid_by:
            self._invoice_of[str(part.charge["id"])] = invoice_id
            if not settled(part.charge, part.refunds, part.disputes):
                state.watch.add(invoice_id)
        subscription = None
        if int(invoice.get("total") or 0) == 0 and (sub_id := inv.subscription_id(invoice)):
            if sub_id not in self._subscriptions:
                self._subscriptions[sub_id] = self.client.subscription(sub_id)
            subscription = self._subscriptions[sub_id]
        contact = self._contact(invoice, contact_from_invoice)
        contacts.pop(contact.source_contact_id, None)
        contacts[contact.source_contact_id] = contact
        lines = self._lines(invoice)
        return self._guard(
            lambda i: invoice_record(i, lines, paid_by, subscription, contact.source_contact_id),
            invoice,
            "Rechnung",
        )

    def _with_payments(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """The invoice with all its payments, read from the invoice payments list when they
        were not included whole (more than fit, or not expanded) [D-INVPAY]."""
        payments = invoice.get("payments")
        if isinstance(payments, dict) and not payments.get("has_more"):
            return invoice
        if payments is None and ("charge" in invoice or "payment_intent" in invoice):
            return invoice  # API versions before 2025-03-31.basil
        if invoice.get("status") in inv.UNFINISHED:
            return invoice
        listed = self.client.everything("invoice_payments", {"invoice": str(invoice["id"])})
        return {**invoice, "payments": {"object": "list", "data": listed, "has_more": False}}

    def _lines(self, invoice: Mapping[str, Any]) -> list[dict[str, Any]]:
        lines = invoice.get("lines")
        if isinstance(lines, dict) and not lines.get("has_more"):
            return list(lines.get("data") or [])
        return self.client.everything(f"invoices/{invoice['id']}/lines", {})

    def _paid_by(
        self, intents: Sequence[str], charge_ids: Sequence[str], complete: bool
    ) -> list[PaidBy]:
        """The successful charges behind the invoice's payments, refunds and disputes read."""
        charges: dict[str, dict[str, Any]] = {}
        expand = {"expand[]": [f"data.{name}" for name in CHARGE_EXPAND]}
        for intent in intents:
            for charge in self.client.everything("charges", {"payment_intent": intent, **expand}):
                charges[str(charge["id"])] = charge
        for charge_id in charge_ids:
            if charge_id not in charges and (single := self.client.charge(charge_id)):
                charges[charge_id] = single
        paid_by = []
        for charge in charges.values():
            if charge.get("status") != "succeeded":
                continue  # a declined attempt before the one that paid
            refunds = []
            if complete or charge.get("amount_refunded") or charge.get("refunded"):
                refunds = self.client.everything("refunds", {"charge": str(charge["id"])})
            disputes = []
            if charge.get("disputed"):
                disputes = self.client.everything("disputes", {"charge": str(charge["id"])})
            paid_by.append(PaidBy(charge, refunds, disputes))
        return paid_by

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
        contact = self._contact(charge, contact_from_billing)
        contacts.pop(contact.source_contact_id, None)
        contacts[contact.source_contact_id] = contact
        if not settled(charge, refunds, disputes):
            state.watch.add(charge_id)
        return self._guard(lambda c: order_record(c, refunds, disputes), charge, "Zahlung")

    def _contact(
        self,
        owner: Mapping[str, Any],
        fallback: Callable[[Mapping[str, Any]], ContactRecord],
    ) -> ContactRecord:
        """The customer of a charge or invoice, else what the charge or invoice itself says."""
        customer = owner.get("customer")
        if isinstance(customer, str) and customer:
            if customer not in self._customers:  # not expanded: read it once
                self._customers[customer] = self.client.customer(customer)
            customer = self._customers[customer] or {"id": customer, "deleted": True}
        if isinstance(customer, dict) and customer.get("id") and not customer.get("deleted"):
            return self._guard(contact_from_customer, customer, "Kunde")
        return fallback(owner)

    @staticmethod
    def _add(orders: dict[str, OrderRecord], order: OrderRecord | None) -> None:
        """One order per source id in a batch (two refunds of one invoice's charge)."""
        if order is not None:
            orders.pop(order.source_order_id, None)
            orders[order.source_order_id] = order

    @staticmethod
    def _guard(build: Callable[[Mapping[str, Any]], T], item: Mapping[str, Any], what: str) -> T:
        try:
            return build(item)
        except (KeyError, TypeError, ValueError, ArithmeticError, AttributeError) as error:
            raise InvalidResponseError(
                f"{TOOL}: {what} {item.get('id')} hat ein unerwartetes Format ({error!r})"
            ) from None


def _note(name: str, read: int) -> str:
    label = {
        "customers": "Kunden",
        "invoices": "Rechnungen",
        "charges": "Zahlungen",
        "refunds": "Erstattungen",
    }
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
