"""A fake Stripe account speaking the API v1 as documented (see connectors/stripe.py).

Objects are kept as the JSON the API returns (stripe-python's resource fields, the fixtures of
stripe/openapi): integer amounts in minor units, lower-case currencies, Unix ``created``
seconds, expandable ids. Lists answer ``{"object": "list", "url", "has_more", "data"}`` newest
first (ties by creation order), honour ``limit`` (1–100, default 10, else 400),
``starting_after`` or ``ending_before`` (not both; an unknown id is 404 ``resource_missing``),
``created`` and ``created[gt|gte|lt|lte]``, ``customer``/``charge``/``payment_intent``/``invoice``/
``status``/``payment[type]``/``payment[payment_intent]`` filters and ``expand[]``
(``data.customer``, ``data.balance_transaction`` on charges, the includable ``payments`` on
invoices; an unknown one is 400). Charges embed no refunds (API versions since 2022-11-15).
Invoices have the shape of 2025-03-31.basil and later: no ``charge``/``payment_intent``/``tax``/
``subscription``, but ``payments`` (InvoicePayments, only when expanded), ``total_taxes``,
``parent.subscription_details``; lines carry ``taxes``, ``pricing`` and ``parent``; an invoice
embeds at most ten lines and ``/v1/invoices/<id>/lines`` pages the rest. Auth is ``Bearer
<key>`` or Basic with the key as user, with Stripe's 401 bodies; every answer carries a
``Request-Id``. Faults come from
:class:`tests.fakes.server.FakeServer`.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.fakes.server import FakeApi, FakeRequest, FakeResponse, FakeServer

LISTS = {
    "customers": "customer",
    "charges": "charge",
    "refunds": "refund",
    "disputes": "dispute",
    "invoices": "invoice",
    "invoice_payments": "invoice_payment",
    "subscriptions": "subscription",
}
EXPANDABLE = {"charges": {"customer", "balance_transaction"}, "invoices": {"payments"}}
EMBEDDED_LINES = 10  # an invoice carries its first lines; /v1/invoices/<id>/lines has them all


@dataclass
class Line:
    """One invoice line as the fake writes it: quantity × unit price, VAT rate in percent."""

    description: str
    unit_amount: int
    quantity: int = 1
    vat_percent: int = 19
    product: str = "prod_Kurs"


DOCS_EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "stripe"


def ts(text: str) -> int:
    """``2025-01-05T10:00:00`` (UTC) as Unix seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def error(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> FakeResponse:
    body: dict[str, Any] = {"message": message, "type": "invalid_request_error"}
    if code:
        body["code"] = code
        body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        body["param"] = param
    return FakeResponse.json({"error": body}, status)


def address(
    city: str | None = "Berlin", postcode: str | None = "10115", country: str | None = "DE"
) -> dict[str, Any]:
    return {
        "city": city,
        "country": country,
        "line1": "Hauptstraße 1" if city else None,
        "line2": None,
        "postal_code": postcode,
        "state": None,
    }


def billing(
    name: str | None, email: str | None, where: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "address": where or address(None, None, None),
        "email": email,
        "name": name,
        "phone": None,
    }


class FakeStripe(FakeApi):
    def __init__(self, secret_key: str = "sk_test_51Kundenwert0fake0key4242"):
        self.secret_key = secret_key
        self.objects: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in LISTS}
        self.balance_transactions: dict[str, dict[str, Any]] = {}
        self.invoice_lines: dict[str, list[dict[str, Any]]] = {}
        self._fees: dict[str, int | None] = {}
        self.deleted_customers: set[str] = set()
        self.ignore_starting_after = False  # True: a proxy that drops the cursor parameter
        self.ignore_expand = False  # True: ids stay ids (as without expand[])
        self.forbidden: set[str] = set()  # lists a restricted key may not read (403)
        self.server = FakeServer(self.handle)
        self._seq: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._requests = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_3QfAkE{next(self._ids):010d}"

    def _store(self, name: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.objects[name][obj["id"]] = obj
        self._seq[obj["id"]] = len(self._seq)
        return obj

    # -- data --

    def add_customer(
        self,
        name: str | None,
        email: str | None,
        *,
        created: str,
        where: dict[str, Any] | None = None,
        business_name: str | None = None,
        livemode: bool = False,
    ) -> dict[str, Any]:
        customer = {
            "id": self._id("cus"),
            "object": "customer",
            "address": where,
            "balance": 0,
            "business_name": business_name,
            "created": ts(created),
            "currency": "eur",
            "default_source": None,
            "delinquent": False,
            "description": None,
            "discount": None,
            "email": email,
            "individual_name": None,
            "invoice_prefix": "4F2A9C1B",
            "invoice_settings": {
                "custom_fields": None,
                "default_payment_method": None,
                "footer": None,
                "rendering_options": None,
            },
            "livemode": livemode,
            "metadata": {},
            "name": name,
            "next_invoice_sequence": 1,
            "phone": None,
            "preferred_locales": ["de-DE"],
            "shipping": None,
            "tax_exempt": "none",
            "test_clock": None,
        }
        return self._store("customers", customer)

    def delete_customer(self, customer: dict[str, Any]) -> None:
        del self.objects["customers"][customer["id"]]
        self.deleted_customers.add(customer["id"])

    def add_charge(
        self,
        amount: int,
        currency: str = "eur",
        *,
        created: str,
        customer: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        status: str = "succeeded",
        captured: bool = True,
        fee: int | None = None,
        settled: tuple[int, str] | None = None,  # (amount, currency) of the balance transaction
        description: str | None = None,
        receipt_email: str | None = None,
        livemode: bool = False,
    ) -> dict[str, Any]:
        """A charge as a PaymentIntent creates it; a captured success books a balance entry."""
        charge_id = self._id("ch")
        if details is None:
            assert customer is not None, "a guest charge needs billing details"
            details = billing(customer["name"], customer["email"], customer["address"])
        succeeded = status == "succeeded"
        txn = None
        if succeeded and captured:
            txn = self._balance(charge_id, amount, currency, fee, settled, ts(created))
        charge = {
            "id": charge_id,
            "object": "charge",
            "amount": amount,
            "amount_captured": amount if succeeded and captured else 0,
            "amount_refunded": 0,
            "application": None,
            "application_fee": None,
            "application_fee_amount": None,
            "balance_transaction": txn,
            "billing_details": details,
            "calculated_statement_descriptor": "KUNDENWERT TEST",
            "captured": captured and status != "failed",
            "created": ts(created),
            "currency": currency,
            "customer": customer["id"] if customer else None,
            "description": description,
            "disputed": False,
            "failure_balance_transaction": None,
            "failure_code": "card_declined" if status == "failed" else None,
            "failure_message": "Your card was declined." if status == "failed" else None,
            "fraud_details": {},
            "livemode": livemode,
            "metadata": {},
            "on_behalf_of": None,
            "outcome": {
                "network_status": "declined_by_network"
                if status == "failed"
                else "approved_by_network",
                "reason": "generic_decline" if status == "failed" else None,
                "risk_level": "normal",
                "risk_score": 32,
                "seller_message": "Payment complete." if succeeded else "The bank declined.",
                "type": "issuer_declined" if status == "failed" else "authorized",
            },
            "paid": succeeded,
            "payment_intent": self._id("pi"),
            "payment_method": self._id("pm"),
            "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
            "receipt_email": receipt_email,
            "receipt_number": None,
            "receipt_url": None,
            "refunded": False,
            "review": None,
            "shipping": None,
            "source_transfer": None,
            "statement_descriptor": None,
            "statement_descriptor_suffix": None,
            "status": status,
            "transfer_data": None,
            "transfer_group": None,
        }
        return self._store("charges", charge)

    def _balance(
        self,
        source: str,
        amount: int,
        currency: str,
        fee: int | None,
        settled: tuple[int, str] | None,
        created: int,
    ) -> str:
        net_amount, net_currency = settled or (amount, currency)
        fee = fee if fee is not None else net_amount * 15 // 1000 + 25
        txn_id = self._id("txn")
        txn: dict[str, Any] = {
            "id": txn_id,
            "object": "balance_transaction",
            "amount": net_amount,
            "available_on": created + 7 * 86400,
            "created": created,
            "currency": net_currency,
            "description": None,
            "exchange_rate": round(net_amount / amount, 6) if settled else None,
            "fee": fee,
            "fee_details": [
                {
                    "amount": fee,
                    "application": None,
                    "currency": net_currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ],
            "net": net_amount - fee,
            "reporting_category": "charge",
            "source": source,
            "status": "available",
            "type": "charge",
        }
        self.balance_transactions[txn_id] = txn
        return txn_id

    def refund(
        self, charge: dict[str, Any], amount: int, *, at: str, status: str = "succeeded"
    ) -> dict[str, Any]:
        refund = {
            "id": self._id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": ts(at),
            "currency": charge["currency"],
            "destination_details": None,
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": "requested_by_customer",
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": status,
            "transfer_reversal": None,
        }
        self._store("refunds", refund)
        self._book_refunds(charge)
        return refund

    def set_refund_status(self, refund: dict[str, Any], status: str) -> None:
        refund["status"] = status
        self._book_refunds(self.objects["charges"][refund["charge"]])

    def _book_refunds(self, charge: dict[str, Any]) -> None:
        refunds = [r for r in self.objects["refunds"].values() if r["charge"] == charge["id"]]
        charge["amount_refunded"] = sum(
            r["amount"] for r in refunds if r["status"] not in ("failed", "canceled")
        )
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"] > 0

    def release(self, charge: dict[str, Any]) -> None:
        """Cancel an authorisation: the uncaptured amount counts as refunded."""
        charge["refunded"], charge["amount_refunded"] = True, charge["amount"]

    def capture(self, charge: dict[str, Any]) -> None:
        charge["captured"], charge["amount_captured"] = True, charge["amount"]
        charge["balance_transaction"] = self._balance(
            charge["id"], charge["amount"], charge["currency"], None, None, charge["created"]
        )

    def settle(self, charge: dict[str, Any], status: str = "succeeded") -> None:
        """A pending (SEPA) charge succeeds or fails days later."""
        charge["status"], charge["paid"] = status, status == "succeeded"
        if status == "succeeded":
            self.capture(charge)
        else:
            charge["captured"], charge["amount_captured"] = False, 0

    def dispute(
        self,
        charge: dict[str, Any],
        *,
        at: str,
        status: str = "needs_response",
        amount: int | None = None,
    ) -> dict[str, Any]:
        dispute = {
            "id": self._id("dp"),
            "object": "dispute",
            "amount": amount if amount is not None else charge["amount"],
            "balance_transactions": [],
            "charge": charge["id"],
            "created": ts(at),
            "currency": charge["currency"],
            "evidence": {},
            "evidence_details": {
                "due_by": ts(at) + 14 * 86400,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
            "is_charge_refundable": False,
            "livemode": charge["livemode"],
            "metadata": {},
            "payment_intent": charge["payment_intent"],
            "reason": "fraudulent",
            "status": status,
        }
        charge["disputed"] = True
        return self._store("disputes", dispute)

    def add_subscription(
        self, customer: dict[str, Any], *, created: str, trial_days: int = 0
    ) -> dict[str, Any]:
        start = ts(created)
        trial_end = start + trial_days * 86400 if trial_days else None
        subscription = {
            "id": self._id("sub"),
            "object": "subscription",
            "billing_cycle_anchor": trial_end or start,
            "cancel_at": None,
            "cancel_at_period_end": False,
            "canceled_at": None,
            "collection_method": "charge_automatically",
            "created": start,
            "currency": "eur",
            "customer": customer["id"],
            "ended_at": None,
            "livemode": False,
            "metadata": {},
            "start_date": start,
            "status": "trialing" if trial_days else "active",
            "trial_end": trial_end,
            "trial_start": start if trial_days else None,
        }
        return self._store("subscriptions", subscription)

    def add_invoice(
        self,
        customer: dict[str, Any],
        lines: list[Line],
        *,
        created: str,
        status: str = "paid",
        currency: str = "eur",
        subscription: dict[str, Any] | None = None,
        billing_reason: str | None = None,
        tax_behavior: str = "exclusive",
        fee: int | None = None,
    ) -> dict[str, Any]:
        """A finalised invoice (or a draft); a paid one with a total is paid by a charge of a
        PaymentIntent, recorded as an InvoicePayment, as Stripe Billing does."""
        invoice_id = self._id("in")
        at = ts(created)
        items = [
            self._line(invoice_id, line, currency, tax_behavior, subscription) for line in lines
        ]
        subtotal = sum(item["amount"] for item in items)
        taxes = [tax for item in items for tax in item["taxes"]]
        exclusive = sum(t["amount"] for t in taxes if t["tax_behavior"] == "exclusive")
        total = subtotal + exclusive
        invoice = {
            "id": invoice_id,
            "object": "invoice",
            "account_country": "DE",
            "account_name": "Kundenwert Coaching",
            "amount_due": total,
            "amount_overpaid": 0,
            "amount_paid": 0,
            "amount_remaining": total,
            "amount_shipping": 0,
            "attempt_count": 0,
            "attempted": False,
            "auto_advance": status == "draft",
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_reason": billing_reason
            or ("subscription_cycle" if subscription else "manual"),
            "collection_method": "charge_automatically",
            "created": at,
            "currency": currency,
            "customer": customer["id"],
            "customer_address": customer["address"],
            "customer_email": customer["email"],
            "customer_name": customer["name"],
            "customer_tax_exempt": "none",
            "description": None,
            "discounts": [],
            "due_date": None,
            "effective_at": None if status == "draft" else at,
            "ending_balance": None if status == "draft" else 0,
            "hosted_invoice_url": None,
            "invoice_pdf": None,
            "issuer": {"type": "self"},
            "lines": {
                "object": "list",
                "data": items[:EMBEDDED_LINES],
                "has_more": len(items) > EMBEDDED_LINES,
                "total_count": len(items),
                "url": f"/v1/invoices/{invoice_id}/lines",
            },
            "livemode": False,
            "metadata": {},
            "number": None
            if status == "draft"
            else f"4F2A9C1B-{len(self.objects['invoices']) + 1:04d}",
            "parent": {
                "quote_details": None,
                "subscription_details": {"metadata": {}, "subscription": subscription["id"]},
                "type": "subscription_details",
            }
            if subscription
            else None,
            "period_end": at,
            "period_start": at,
            "starting_balance": 0,
            "status": "draft" if status == "draft" else "open",
            "status_transitions": {
                "finalized_at": None if status == "draft" else at,
                "marked_uncollectible_at": None,
                "paid_at": None,
                "voided_at": None,
            },
            "subtotal": subtotal,
            "subtotal_excluding_tax": subtotal - (sum(t["amount"] for t in taxes) - exclusive),
            "total": total,
            "total_discount_amounts": [],
            "total_excluding_tax": total - sum(t["amount"] for t in taxes),
            "total_pretax_credit_amounts": [],
            "total_taxes": _total_taxes(taxes),
        }
        self.invoice_lines[invoice_id] = items
        self._store("invoices", invoice)
        self._fees[invoice_id] = fee
        if status != "draft" and total > 0:
            self._invoice_payment(invoice)
        if status in ("paid", "void", "uncollectible"):
            self.set_invoice_status(invoice, status, at=created)
        return invoice

    def _line(
        self,
        invoice_id: str,
        line: Line,
        currency: str,
        tax_behavior: str,
        subscription: dict[str, Any] | None,
    ) -> dict[str, Any]:
        amount = line.unit_amount * line.quantity
        if tax_behavior == "exclusive":
            vat, taxable = (amount * line.vat_percent + 50) // 100, amount
        else:
            vat = (amount * line.vat_percent * 2 + (100 + line.vat_percent)) // (
                2 * (100 + line.vat_percent)
            )
            taxable = amount - vat
        parent: dict[str, Any] = {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": self._id("ii"),
                "proration": False,
                "proration_details": None,
                "subscription": None,
            },
        }
        if subscription:
            parent = {
                "type": "subscription_item_details",
                "subscription_item_details": {
                    "invoice_item": None,
                    "proration": False,
                    "proration_details": None,
                    "subscription": subscription["id"],
                    "subscription_item": self._id("si"),
                },
            }
        return {
            "id": self._id("il"),
            "object": "line_item",
            "amount": amount,
            "currency": currency,
            "description": line.description,
            "discount_amounts": [],
            "discountable": True,
            "discounts": [],
            "invoice": invoice_id,
            "livemode": False,
            "metadata": {},
            "parent": parent,
            "period": {"end": 0, "start": 0},
            "pretax_credit_amounts": [],
            "pricing": {
                "price_details": {"price": self._id("price"), "product": line.product},
                "type": "price_details",
                "unit_amount_decimal": str(line.unit_amount),
            },
            "quantity": line.quantity,
            "taxes": [
                {
                    "amount": vat,
                    "tax_behavior": tax_behavior,
                    "tax_rate_details": {"tax_rate": f"txr_{line.vat_percent}"},
                    "taxability_reason": "standard_rated" if vat else "zero_rated",
                    "taxable_amount": taxable,
                    "type": "tax_rate_details",
                }
            ],
        }

    def _invoice_payment(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """The default InvoicePayment, created when the invoice is finalised (status open)."""
        payment = {
            "id": self._id("inpay"),
            "object": "invoice_payment",
            "amount_paid": None,
            "amount_requested": invoice["amount_due"],
            "created": invoice["created"],
            "currency": invoice["currency"],
            "invoice": invoice["id"],
            "is_default": True,
            "livemode": invoice["livemode"],
            "payment": {"payment_intent": self._id("pi"), "type": "payment_intent"},
            "status": "open",
            "status_transitions": {"canceled_at": None, "paid_at": None},
        }
        return self._store("invoice_payments", payment)

    def set_invoice_status(self, invoice: dict[str, Any], status: str, *, at: str) -> None:
        """Finalise, pay (by a charge of its PaymentIntent), void or write off an invoice."""
        when = ts(at)
        payments = [
            p for p in self.objects["invoice_payments"].values() if p["invoice"] == invoice["id"]
        ]
        if invoice["status"] == "draft" and status != "draft":
            invoice["status_transitions"]["finalized_at"] = invoice["effective_at"] = when
            invoice["number"] = f"4F2A9C1B-{len(self.objects['invoices']):04d}"
            invoice["ending_balance"] = 0
            if invoice["total"] > 0:
                payments = [self._invoice_payment(invoice)]
        invoice["status"] = status
        if status == "paid":
            invoice["status_transitions"]["paid_at"] = when
            invoice["amount_paid"], invoice["amount_remaining"] = invoice["total"], 0
            invoice["attempted"], invoice["attempt_count"] = True, 1
            for payment in payments:
                self._pay(invoice, payment, at)
        elif status == "void":
            invoice["status_transitions"]["voided_at"] = when
            for payment in payments:
                payment["status"] = "canceled"
                payment["status_transitions"]["canceled_at"] = when
        elif status == "uncollectible":
            invoice["status_transitions"]["marked_uncollectible_at"] = when

    def _pay(self, invoice: dict[str, Any], payment: dict[str, Any], at: str) -> None:
        customer = self.objects["customers"][invoice["customer"]]
        reason = invoice["billing_reason"]
        charge = self.add_charge(
            payment["amount_requested"],
            invoice["currency"],
            created=at,
            customer=customer,
            fee=self._fees.get(invoice["id"]),
            description="Subscription creation"
            if reason == "subscription_create"
            else "Payment for Invoice",
        )
        self.objects["charges"].pop(charge["id"])
        charge["payment_intent"] = payment["payment"]["payment_intent"]
        self._store("charges", charge)
        payment["status"], payment["amount_paid"] = "paid", payment["amount_requested"]
        payment["status_transitions"]["paid_at"] = ts(at)

    def invoice_charge(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """The successful charge that paid the invoice."""
        intents = {
            p["payment"]["payment_intent"]
            for p in self.objects["invoice_payments"].values()
            if p["invoice"] == invoice["id"]
        }
        return next(
            c
            for c in self.objects["charges"].values()
            if c["payment_intent"] in intents and c["status"] == "succeeded"
        )

    # -- HTTP --

    def handle(self, request: FakeRequest) -> FakeResponse:
        response = self._answer(request)
        response.headers["Request-Id"] = f"req_{next(self._requests):014d}"
        return response

    def _answer(self, request: FakeRequest) -> FakeResponse:
        denied = self._authenticate(request)
        if denied is not None:
            return denied
        if request.method != "GET":
            return error(404, f"Unrecognized request URL ({request.method}: {request.path}).")
        match = re.fullmatch(
            rf"/v1/({'|'.join(LISTS)})(?:/([A-Za-z0-9_]+))?(/lines)?", request.path
        )
        if not match:
            return error(
                404,
                f"Unrecognized request URL (GET: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        name, object_id, lines = match.groups()
        if name in self.forbidden:
            return error(
                403,
                f"The provided key 'rk_test_*********{self.secret_key[-4:]}' does not have the "
                f"required permissions for this endpoint on account 'acct_1Kundenwert'. Having "
                f"the 'rak_{LISTS[name]}_read' permission would allow this request to continue.",
            )
        if object_id is None:
            return self._list(request, name)
        obj = self.objects[name].get(object_id)
        if lines and name != "invoices":
            return error(404, f"Unrecognized request URL (GET: {request.path}).")
        if lines and obj is not None:
            return self._lines(request, obj)
        if obj is None:
            return error(
                404,
                f"No such {LISTS[name]}: '{object_id}'",
                code="resource_missing",
                param="id",
            )
        expand = [] if self.ignore_expand else request.query.get("expand[]", [])
        return self._bad_expand(name, obj, expand, "") or FakeResponse.json(
            self._expanded(name, obj, expand, "")
        )

    def _authenticate(self, request: FakeRequest) -> FakeResponse | None:
        header = request.headers.get("authorization", "")
        key = None
        if header.lower().startswith("bearer "):
            key = header[7:].strip()
        elif header.lower().startswith("basic "):
            key = base64.b64decode(header[6:]).decode("utf-8").partition(":")[0]
        if not key:
            return error(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
                "or we can help at https://support.stripe.com/.",
            )
        if key != self.secret_key:
            masked = key[:8] + "*" * max(0, len(key) - 12) + key[-4:]
            return error(401, f"Invalid API Key provided: {masked}")
        return None

    def _bad_expand(
        self, name: str, obj: dict[str, Any], expand: list[str], prefix: str
    ) -> FakeResponse | None:
        """A 400 for a field that cannot be expanded, else None."""
        for path in expand:
            field = path.removeprefix(prefix)
            if not path.startswith(prefix) or field not in EXPANDABLE.get(name, set()):
                return error(400, f"This property cannot be expanded ({path}).", param="expand")
        return None

    def _expanded(
        self, name: str, obj: dict[str, Any], expand: list[str], prefix: str
    ) -> dict[str, Any]:
        result = dict(obj)
        fields = {path.removeprefix(prefix) for path in expand}
        if "customer" in fields and result.get("customer"):
            cid = result["customer"]
            result["customer"] = self.objects["customers"].get(cid) or {
                "deleted": True,
                "id": cid,
                "object": "customer",
            }
        if "balance_transaction" in fields and result.get("balance_transaction"):
            result["balance_transaction"] = self.balance_transactions[result["balance_transaction"]]
        if "payments" in fields and name == "invoices":
            payments = [
                p for p in self.objects["invoice_payments"].values() if p["invoice"] == obj["id"]
            ]
            result["payments"] = {
                "object": "list",
                "data": payments[::-1][:10],
                "has_more": len(payments) > 10,
                "url": f"/v1/invoice_payments?invoice={obj['id']}",
            }
        return result

    def _lines(self, request: FakeRequest, invoice: dict[str, Any]) -> FakeResponse:
        """All lines of an invoice, in the invoice's order, paged by ``starting_after``."""
        lines = self.invoice_lines[invoice["id"]]
        limit = int(request.param("limit", "10") or "10")
        after = request.param("starting_after")
        ids = [line["id"] for line in lines]
        if after is not None and after not in ids:
            return error(404, f"No such line_item: '{after}'", code="resource_missing")
        rest = lines[ids.index(after) + 1 :] if after else lines
        return FakeResponse.json(
            {
                "object": "list",
                "data": rest[:limit],
                "has_more": len(rest) > limit,
                "url": f"/v1/invoices/{invoice['id']}/lines",
            }
        )

    def _list(self, request: FakeRequest, name: str) -> FakeResponse:
        try:
            limit = int(request.param("limit", "10") or "10")
        except ValueError:
            return error(
                400, "Invalid integer: limit", code="parameter_invalid_integer", param="limit"
            )
        if not 1 <= limit <= 100:
            return error(
                400,
                "This value must be greater than or equal to 1 and less than or equal to 100.",
                code="parameter_invalid_integer",
                param="limit",
            )
        after, before = request.param("starting_after"), request.param("ending_before")
        if after and before:
            return error(
                400, "You may only specify one of these parameters: ending_before, starting_after."
            )
        if self.ignore_starting_after:
            after = None
        ordered = sorted(
            self.objects[name].values(),
            key=lambda o: (o["created"], self._seq[o["id"]]),
            reverse=True,
        )
        position = {o["id"]: i for i, o in enumerate(ordered)}
        for cursor, param in ((after, "starting_after"), (before, "ending_before")):
            if cursor and cursor not in position:
                return error(
                    404,
                    f"No such {LISTS[name]}: '{cursor}'",
                    code="resource_missing",
                    param=param,
                )
        selected = [o for o in ordered if self._matches(o, request)]
        if after:
            selected = [o for o in selected if position[o["id"]] > position[after]]
            page, more = selected[:limit], len(selected) > limit
        elif before:
            selected = [o for o in selected if position[o["id"]] < position[before]]
            page, more = selected[-limit:], len(selected) > limit
        else:
            page, more = selected[:limit], len(selected) > limit
        expand = [] if self.ignore_expand else request.query.get("expand[]", [])
        for obj in page:
            invalid = self._bad_expand(name, obj, expand, "data.")
            if invalid is not None:
                return invalid
        return FakeResponse.json(
            {
                "object": "list",
                "data": [self._expanded(name, o, expand, "data.") for o in page],
                "has_more": more,
                "url": f"/v1/{name}",
            }
        )

    def _matches(self, obj: dict[str, Any], request: FakeRequest) -> bool:
        for field in ("customer", "charge", "payment_intent", "invoice", "status"):
            wanted = request.param(field)
            if wanted is not None and obj.get(field) != wanted:
                return False
        for field in ("type", "payment_intent"):  # invoice payments: payment[type], …
            wanted = request.param(f"payment[{field}]")
            if wanted is not None and (obj.get("payment") or {}).get(field) != wanted:
                return False
        created = obj["created"]
        exact = request.param("created")
        if exact is not None and created != int(exact):
            return False
        checks = {
            "gt": lambda bound: created > bound,
            "gte": lambda bound: created >= bound,
            "lt": lambda bound: created < bound,
            "lte": lambda bound: created <= bound,
        }
        for op, check in checks.items():
            bound = request.param(f"created[{op}]")
            if bound is not None and not check(int(bound)):
                return False
        return True


def _total_taxes(taxes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invoice's ``total_taxes``: its lines' taxes summed per tax rate and behaviour."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for tax in taxes:
        key = (tax["tax_rate_details"]["tax_rate"], tax["tax_behavior"])
        total = totals.setdefault(key, {**tax, "amount": 0, "taxable_amount": 0})
        total["amount"] += tax["amount"]
        total["taxable_amount"] += tax["taxable_amount"]
    return list(totals.values())


def load_docs_examples(account: FakeStripe) -> None:
    """Serve the fixtures of stripe/openapi unchanged (see tests/data/stripe/README.md)."""

    def read(name: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((DOCS_EXAMPLES / f"{name}.json").read_text("utf-8"))
        return data

    account._store("customers", read("customer"))
    account._store("charges", read("charge"))
    account._store("refunds", read("refund"))
    account._store("disputes", read("dispute"))
    txn = read("balance_transaction")
    account.balance_transactions[txn["id"]] = txn


@dataclass
class SampleAccount:
    """Who is who in :func:`sample_account` (API objects)."""

    zoe: dict[str, Any]
    juergen: dict[str, Any]
    anders: dict[str, Any]
    ida: dict[str, Any]
    charges: dict[str, dict[str, Any]]
    refunds: dict[str, dict[str, Any]]
    disputes: dict[str, dict[str, Any]]


def sample_account(account: FakeStripe) -> SampleAccount:
    """A German coach's Stripe account: umlauts, guests, refunds, disputes, JPY and CHF.

    Fourteen charges; two of them share one second (and, with pages of three, a page edge).
    """
    zoe = account.add_customer(
        "Zoë Weiß",
        "zoe.weiss@example.at",
        created="2024-11-02T08:00:00",
        where=address("Wien", "1010", "AT"),
    )
    juergen = account.add_customer(
        "Jürgen Müller-Lüdenscheidt",
        "juergen@example.de",
        created="2024-12-01T09:00:00",
        where=address("Köln", "50667", "DE"),
        business_name="Müller & Söhne GmbH",
    )
    anders = account.add_customer(
        "Ånders Ørsted",
        "anders@example.dk",
        created="2024-12-24T18:00:00",
        where=address("København", "1050", "DK"),
    )
    ida = account.add_customer("Ida Ödegaard", "ida@example.org", created="2025-01-02T07:00:00")
    soeren = billing(
        "Sören Krüger", " Soeren.Krueger@Example.COM ", address("Zürich", "8001", "CH")
    )
    charges = {
        "zoe_course": account.add_charge(
            11900,
            created="2025-01-05T10:00:00",
            customer=zoe,
            fee=203,
            description="Online-Kurs – Grundlagen",
        ),
        "soeren_chf": account.add_charge(
            22530,
            "chf",
            created="2025-01-06T11:30:00",
            details=soeren,
            settled=(23412, "eur"),
            fee=421,
        ),
        "ida_ebook": account.add_charge(1990, created="2025-01-07T12:00:00", customer=ida),
        "juergen_partial": account.add_charge(
            10000, created="2025-01-08T08:15:00", customer=juergen, description="Coaching"
        ),
        "soeren_again": account.add_charge(
            1990,
            created="2025-01-10T10:00:00",
            details=billing("Sören Krüger", None, address("Zürich", "8001", "CH")),
            receipt_email="soeren.krueger@example.com",
        ),
        "zoe_refunded": account.add_charge(
            5000, created="2025-01-12T10:00:00", customer=zoe, description="Mitgliedschaft"
        ),
        "yen": account.add_charge(
            5000,
            "jpy",
            created="2025-01-14T03:00:00",
            details=billing("Haruto Satō", "haruto@example.jp", address("Tōkyō", "100-0001", "JP")),
            settled=(3050, "eur"),
            fee=116,
        ),
        "declined": account.add_charge(
            5950,
            created="2025-01-20T12:00:00",
            details=billing("Lena Groß", "lena@example.de"),
            status="failed",
        ),
        "lena_retry": account.add_charge(
            5950,
            created="2025-01-20T12:00:00",
            details=billing("Lena Groß", "lena@example.de"),
        ),
        "sepa_pending": account.add_charge(
            4900, created="2025-01-22T15:45:00", customer=juergen, status="pending"
        ),
        "authorised": account.add_charge(
            15000, created="2025-01-23T09:00:00", customer=juergen, captured=False
        ),
        "no_email": account.add_charge(
            2500,
            created="2025-01-24T09:00:00",
            details=billing("Kasse Laden", None),
        ),
        "chargeback": account.add_charge(
            30000,
            "usd",
            created="2025-01-25T09:00:00",
            details=billing("Max Mustermann", "max@example.com", address("Wien", "1010", "AT")),
        ),
        "open_dispute": account.add_charge(
            7900, created="2025-01-26T09:00:00", customer=zoe, description="Workshop"
        ),
    }
    refunds = {
        "partial": account.refund(charges["juergen_partial"], 3000, at="2025-02-01T09:30:00"),
        "full": account.refund(charges["zoe_refunded"], 5000, at="2025-02-03T14:00:00"),
    }
    disputes = {
        "lost": account.dispute(charges["chargeback"], at="2025-02-05T08:00:00", status="lost"),
        "open": account.dispute(charges["open_dispute"], at="2025-02-06T08:00:00"),
    }
    return SampleAccount(zoe, juergen, anders, ida, charges, refunds, disputes)
