"""The Lexware Office connector against a fake account speaking the documented Public API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.lexoffice as lx
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import (
    AuthenticationError,
    HttpOptions,
    InvalidResponseError,
    PermissionDeniedError,
    RequestRejectedError,
    RetryPolicy,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes import lexoffice as fake
from tests.fakes.lexoffice import (
    DOCS_EXAMPLES,
    FakeLexoffice,
    SampleBusiness,
    load_docs_examples,
    sample_business,
)
from tests.sync_support import contacts_of, fast_http, orders_of, runs, snapshot, uninterrupted

APP = lx.APP_URL


@pytest.fixture
def account() -> Iterator[FakeLexoffice]:
    with FakeLexoffice() as account:
        yield account


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lx, "PAGE_SIZE", 3)
    monkeypatch.setattr(lx, "BATCH_VOUCHERS", 2)


def connector(
    account: FakeLexoffice, key: str | None = None, http: HttpOptions | None = None
) -> lx.LexofficeConnector:
    config = ConnectorConfig(
        base_url=account.url,
        credentials={"api_key": SecretStr(key or account.api_key)},
        http=http or fast_http(),
    )
    created = get_spec("lexoffice").create(config)
    assert isinstance(created, lx.LexofficeConnector)
    return created


def read(account: FakeLexoffice, cursor: str | None = None) -> list[Batch]:
    with closing(connector(account)) as source:
        return list(source.batches(cursor))


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def requests_to(account: FakeLexoffice, part: str) -> list[Any]:
    return [r for r in account.server.requests if part in r.path]


# --- the documentation's own examples ------------------------------------------------------------


def test_the_documented_contacts_become_contacts(account: FakeLexoffice) -> None:
    load_docs_examples(account)
    contacts = contacts_of(read(account))
    assert contacts["e9066f04-8cc7-4616-93f8-ac9ecc8479c8"] == ContactRecord(
        source_contact_id="e9066f04-8cc7-4616-93f8-ac9ecc8479c8",
        first_name="Inge",
        last_name="Musterfrau",
        url=f"{APP}/permalink/contacts/view/e9066f04-8cc7-4616-93f8-ac9ecc8479c8",
    )
    assert contacts["313ef116-a432-4823-9dfe-1b1200eb458a"].last_name == "Mustermann"  # archived
    assert contacts["be9475f4-ef80-442b-8ab9-3ab8b1a2aeb9"] == ContactRecord(
        source_contact_id="be9475f4-ef80-442b-8ab9-3ab8b1a2aeb9",
        email="business@lexware.de",
        first_name="Max",  # the primary contact person
        last_name="Mustermann",
        company="Testfirma",
        country="DE",
        city="Musterort",
        postcode="12345",
        url=f"{APP}/permalink/contacts/view/be9475f4-ef80-442b-8ab9-3ab8b1a2aeb9",
    )


def documented_invoice(account: FakeLexoffice) -> dict[str, Any]:
    """The invoice sample of the documentation, finalized and paid (the sample is a draft)."""
    invoice = json.loads((DOCS_EXAMPLES / "invoice.json").read_text(encoding="utf-8"))
    invoice["voucherStatus"] = "paid"
    account.invoices[invoice["id"]] = invoice
    return invoice


def test_the_documented_invoice_field_by_field(account: FakeLexoffice) -> None:
    invoice = documented_invoice(account)
    batches = read(account)
    assert orders_of(batches)[invoice["id"]] == OrderRecord(
        source_order_id="e9066f04-8cc7-4616-93f8-ac9ecc8479c8",
        source_contact_id="address:bike & ride gmbh & co. kg|79112|DE",
        ordered_at=day("2023-02-22"),  # the invoice's day, not 2023-02-21T23:00Z
        gross_cents=2985,
        tax_cents=313,
        currency="EUR",
        status="paid",
        kind="invoice",
        payment_id=None,
        url=f"{APP}/permalink/invoices/view/e9066f04-8cc7-4616-93f8-ac9ecc8479c8",
        items=[  # net line amounts plus their tax rate; the text item has no amount
            ItemRecord(
                "Abus Kabelschloss Primo 590", 1595, 2, "97b98491-e953-4dc9-97a9-ae437a8052b4"
            ),
            ItemRecord("Aufwändige Montage", 890, 1, "dc4c805b-7df1-4310-a548-22be4499eb04"),
            ItemRecord("Energieriegel Testpaket", 500, 1, None),
        ],
        refunds=[],
    )
    assert contacts_of(batches)["address:bike & ride gmbh & co. kg|79112|DE"] == ContactRecord(
        source_contact_id="address:bike & ride gmbh & co. kg|79112|DE",
        company="Bike & Ride GmbH & Co. KG",
        country="DE",
        city="Freiburg",
        postcode="79112",
    )


def test_the_documented_credit_note_refunds_its_invoice(account: FakeLexoffice) -> None:
    invoice = documented_invoice(account)
    note = json.loads((DOCS_EXAMPLES / "credit_note.json").read_text(encoding="utf-8"))
    note["id"] = "5a1c3c3e-0d5e-4a57-8f57-6a0b4a3c2d11"  # the sample reuses the invoice's id
    note["voucherStatus"] = "paidoff"  # pursued from the invoice and finalized
    note["relatedVouchers"] = [
        {"id": invoice["id"], "voucherNumber": "RE1019", "voucherType": "invoice"}
    ]
    invoice["relatedVouchers"] = [
        {"id": note["id"], "voucherNumber": "GS0007", "voucherType": "creditnote"}
    ]
    account.credit_notes[note["id"]] = note
    order = orders_of(read(account))[invoice["id"]]
    assert order.refunds == [RefundRecord(note["id"], day("2023-02-22"), 3689)]
    assert order.status == "refunded"  # the sample credits more than the sample invoice's total


def test_the_documented_voucherlist_is_followed_by_id(account: FakeLexoffice) -> None:
    """The voucherlist sample served unchanged; its invoices answer with the invoice sample."""
    listing = json.loads((DOCS_EXAMPLES / "voucherlist.json").read_text(encoding="utf-8"))
    for entry in listing["content"][1:]:
        invoice = documented_invoice(account)
        del account.invoices[invoice["id"]]
        invoice.update(id=entry["id"], voucherStatus="open")
        account.invoices[entry["id"]] = invoice
    account.server.fail(200, path="/voucherlist", body=listing)
    batches = read(account)
    orders = orders_of(batches)
    assert set(orders) == {
        "f3d3ae48-30d9-4b56-973a-b3159cbe743c",
        "55aa6de8-d32d-47bd-9c3c-d541ab65a8e8",
    }
    assert {o.status for o in orders.values()} == {"pending"}
    assert not requests_to(account, "57b8d457")  # a purchase invoice: not ours to read
    assert json.loads(batches[-1].cursor or "")["updatedDateFrom"] == "2023-05-14"


def test_the_documented_error_bodies_reach_the_message(account: FakeLexoffice) -> None:
    legacy = json.loads((DOCS_EXAMPLES / "error_legacy.json").read_text(encoding="utf-8"))
    account.server.fail(400, path="/contacts", body=legacy)
    with closing(connector(account)) as source, pytest.raises(RequestRejectedError) as failure:
        list(source.batches(None))
    assert (
        str(failure.value)
        == "Lexware Office lehnt die Anfrage ab (400 – missing_entity (company.name))"
    )
    regular = json.loads((DOCS_EXAMPLES / "error_regular.json").read_text(encoding="utf-8"))
    account.server.fail(406, path="/voucherlist", body=regular)
    with closing(connector(account)) as source, pytest.raises(RequestRejectedError) as failure:
        list(source.batches(None))
    assert "(406 – Validation failed for request." in str(failure.value)


# --- a German business over several pages ---------------------------------------------------------


@pytest.fixture
def sample(account: FakeLexoffice, small_pages: None) -> SampleBusiness:
    return sample_business(account)


def test_every_invoice_arrives_across_pages(account: FakeLexoffice, sample: SampleBusiness) -> None:
    orders = orders_of(read(account))
    expected = {v["id"] for name, v in sample.invoices.items() if name != "draft"}
    assert set(orders) == expected
    lists = requests_to(account, "/voucherlist")
    assert len(lists) > 4  # three vouchers per page
    for request in lists:
        assert request.param("voucherType") == "invoice,creditnote"
        assert request.param("voucherStatus") == "open,paid,paidoff,voided,transferred,sepadebit"
        assert request.param("sort") == "updatedDate,ASC" and request.param("size") == "3"
    assert request.headers["authorization"] == f"Bearer {account.api_key}"


def test_customers_with_umlauts_and_contact_persons(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    contacts = contacts_of(read(account))
    juergen = contacts[sample.contacts["juergen"]["id"]]
    assert (juergen.first_name, juergen.last_name, juergen.email) == (
        "Jürgen",
        "Müller-Lüdenscheidt",
        "juergen@example.de",
    )
    assert (juergen.city, juergen.postcode, juergen.country) == ("Köln", "50667", "DE")
    firma = contacts[sample.contacts["firma"]["id"]]
    assert (firma.company, firma.first_name, firma.last_name, firma.email) == (
        "Müller & Söhne GmbH",
        "Änne",
        "Schäfer",
        "aenne@mueller-soehne.de",
    )
    anders = contacts[sample.contacts["anders"]["id"]]  # no invoices: read from the list
    assert (anders.first_name, anders.last_name, anders.city) == ("Ånders", "Ørsted", "København")
    zoe = contacts[sample.contacts["zoe"]["id"]]
    assert (zoe.first_name, zoe.last_name, zoe.country) == ("Zoë", "Weiß", "AT")


def test_missing_countries_stay_empty(account: FakeLexoffice, sample: SampleBusiness) -> None:
    ida = contacts_of(read(account))[sample.contacts["ida"]["id"]]
    assert (ida.country, ida.city, ida.postcode) == (None, None, None)
    assert (ida.last_name, ida.email) == ("Ödegaard", "ida@example.org")


def test_one_time_addresses_are_one_contact_per_name_and_place(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    batches = read(account)
    orders = orders_of(batches)
    first = orders[sample.invoices["soeren_workshop"]["id"]]
    again = orders[sample.invoices["soeren_again"]["id"]]  # the name typed with extra spaces
    assert first.source_contact_id == again.source_contact_id == "address:sören krüger|8001|CH"
    assert contacts_of(batches)["address:sören krüger|8001|CH"] == ContactRecord(
        source_contact_id="address:sören krüger|8001|CH",
        first_name="Sören",
        last_name="Krüger",
        country="CH",
        city="Zürich",
        postcode="8001",
    )


def test_statuses_map_to_ours(account: FakeLexoffice, sample: SampleBusiness) -> None:
    orders = orders_of(read(account))
    status = {n: orders[v["id"]].status for n, v in sample.invoices.items() if n != "draft"}
    assert status == {
        "zoe_course": "paid",  # its credit note was voided
        "soeren_workshop": "paid",
        "juergen_partial": "partially_refunded",
        "soeren_again": "paid",
        "zoe_refunded": "refunded",  # the credit note settled the open invoice
        "firma_open": "pending",
        "firma_overdue": "pending",  # listed as overdue
        "ida_sepa": "pending",  # listed as sepadebit: the bank has not paid yet
        "voided": "cancelled",
        "vendor_contact": "paid",
        "deleted_contact": "paid",
    }
    assert all(o.kind == "invoice" and o.payment_id is None for o in orders.values())


def test_credit_notes_are_refunds_of_their_invoice(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    orders = orders_of(read(account))
    partial = orders[sample.invoices["juergen_partial"]["id"]]
    assert (partial.gross_cents, partial.tax_cents) == (10000, 1597)  # a gross invoice
    note = sample.credit_notes["juergen_partial"]["id"]
    assert partial.refunds == [RefundRecord(note, day("2025-02-01"), 3000)]
    full = orders[sample.invoices["zoe_refunded"]["id"]]
    assert full.refunds == [
        RefundRecord(sample.credit_notes["zoe_refunded"]["id"], day("2025-02-03"), 5000)
    ]
    voided = orders[sample.invoices["zoe_course"]["id"]]
    assert voided.refunds == [
        RefundRecord(sample.credit_notes["zoe_voided"]["id"], day("2025-02-03"), 0)
    ]
    standalone = sample.credit_notes["standalone"]["id"]
    assert standalone not in orders
    assert all(r.source_refund_id != standalone for o in orders.values() for r in o.refunds)


def test_amounts_items_and_tax_are_exact_cents(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    orders = orders_of(read(account))
    firma = orders[sample.invoices["firma_open"]["id"]]
    assert (firma.currency, firma.gross_cents, firma.tax_cents) == ("EUR", 16660, 2660)
    assert firma.ordered_at == day("2025-01-20")
    assert firma.items == [  # 1.5 hours count as one item with their whole amount
        ItemRecord("Beratung (Stunden)", 14280, 1, None),
        ItemRecord("Reisekosten", 2380, 1, None),
    ]
    soeren = orders[sample.invoices["soeren_workshop"]["id"]]  # a vat-free export service
    assert (soeren.gross_cents, soeren.tax_cents) == (20000, 0)
    assert soeren.items == [ItemRecord("Workshop Zürich", 20000, 2, None)]
    coaching = orders[sample.invoices["juergen_partial"]["id"]]
    assert coaching.items == [ItemRecord("Coaching", 10000, 1, None)]  # gross line amounts
    invoice = sample.invoices["zoe_course"]["id"]
    assert orders[invoice].url == f"{APP}/permalink/invoices/view/{invoice}"


def test_contacts_outside_the_customer_list_are_fetched_or_rebuilt(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    batches = read(account)
    contacts = contacts_of(batches)
    lutz = sample.contacts["lutz"]["id"]  # a vendor now: not in ?customer=true
    assert contacts[lutz].email == "lutz@example.de"
    assert len(requests_to(account, f"/contacts/{lutz}")) == 1
    gone = sample.contacts["gone"]["id"]  # deleted: 404, the invoice address stands in
    assert contacts[gone] == ContactRecord(
        source_contact_id=gone,
        first_name="Gerd",
        last_name="Gelöscht",
        country="DE",
        city="Bonn",
        postcode="53111",
        url=f"{APP}/permalink/contacts/view/{gone}",
    )
    assert orders_of(batches)[sample.invoices["deleted_contact"]["id"]].source_contact_id == gone
    assert all(
        r.param("customer") == "true"
        for r in requests_to(account, "/contacts")
        if r.path.endswith("contacts")
    )


def test_customers_beyond_the_search_window_are_fetched_when_invoiced(
    account: FakeLexoffice, small_pages: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake, "WINDOW", 6)
    monkeypatch.setattr(lx, "SEARCH_WINDOW", 6)
    people = [
        account.add_contact("Eva", f"Ähnlich {n}", email=f"eva{n}@example.de") for n in range(8)
    ]
    last = people[-1]  # sorted by name, beyond the first six
    invoice = account.add_invoice(contact=last, day="2025-01-05", items=[("Kurs", 1, "10.00", 19)])
    batches = read(account)
    assert orders_of(batches)[invoice["id"]].source_contact_id == last["id"]
    assert contacts_of(batches)[last["id"]].email == "eva7@example.de"
    assert [r.param("page") for r in requests_to(account, "/contacts") if r.path.endswith("s")] == [
        "0",
        "1",
    ]


def test_a_currency_other_than_eur_is_taken_from_the_total_price(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    """Only EUR is documented; the connector still reads the currency instead of assuming it."""
    sample.invoices["soeren_workshop"]["totalPrice"]["currency"] = "CHF"
    order = orders_of(read(account))[sample.invoices["soeren_workshop"]["id"]]
    assert (order.currency, order.gross_cents) == ("CHF", 20000)


# --- cursor and incremental sync ------------------------------------------------------------------


def test_every_cursor_covers_what_was_read_before_it(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    batches = read(account)
    entries = [
        account.entry(v) for v in [*account.invoices.values(), *account.credit_notes.values()]
    ]
    read_so_far: set[str] = set()
    for batch in batches:
        read_so_far |= {o.source_order_id for o in batch.orders}
        read_so_far |= {r.source_refund_id for o in batch.orders for r in o.refunds}
        if batch.cursor is None:
            continue
        cursor = lx.VoucherCursor.parse(batch.cursor)
        assert cursor.day is not None
        before = {
            e["id"]
            for e in entries
            if e["updatedDate"][:10] < cursor.day.isoformat() and e["voucherStatus"] != "draft"
        }
        standalone = sample.credit_notes["standalone"]["id"]
        assert before - {standalone} <= read_so_far
        assert set(cursor.seen) - {standalone} <= read_so_far


def test_the_list_re_anchors_at_each_new_day(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    read(account)
    asked = [
        (r.param("updatedDateFrom"), r.param("page")) for r in requests_to(account, "/voucherlist")
    ]
    assert asked[0] == (None, "0")
    assert asked[1] == ("2025-01-20", "0")  # the newest day of the first page
    froms = [d for d, _ in asked[1:]]
    assert froms == sorted(froms)
    for (before, _), (after, page) in pairwise(asked[1:]):
        assert page == "0" or after == before  # a next page number only within one day


def test_incremental_read_fetches_only_what_changed(
    account: FakeLexoffice, sample: SampleBusiness
) -> None:
    cursor = read(account)[-1].cursor
    assert cursor is not None
    assert json.loads(cursor) == {
        "updatedDateFrom": "2025-02-03",
        "seen": {
            v["id"]: v["updatedDate"]
            for v in [*account.invoices.values(), *account.credit_notes.values()]
            if v["updatedDate"].startswith("2025-02-03")
        },
    }
    paid = sample.invoices["firma_open"]
    account.modify(paid, "2025-03-02T09:00:00", voucherStatus="paid")
    new = account.add_invoice(
        contact=sample.contacts["anders"], day="2025-03-02", items=[("Kurs", 1, "10.00", 19)]
    )
    account.server.requests.clear()
    batches = read(account, cursor)
    assert set(orders_of(batches)) == {paid["id"], new["id"]}
    assert orders_of(batches)[paid["id"]].status == "paid"
    assert requests_to(account, "/voucherlist")[0].param("updatedDateFrom") == "2025-02-03"
    details = [r.path for r in account.server.requests if r.path.count("/") == 3]
    assert sorted(details) == sorted([f"/v1/invoices/{paid['id']}", f"/v1/invoices/{new['id']}"])
    assert json.loads(batches[-1].cursor or "")["updatedDateFrom"] == "2025-03-02"


def test_an_unreadable_cursor_means_everything() -> None:
    assert lx.VoucherCursor.parse("kaputt") == lx.VoucherCursor()
    assert lx.VoucherCursor.parse("2025-02-03").day == date(2025, 2, 3)
    assert lx.VoucherCursor.parse('{"updatedDateFrom": "2025-02-03", "seen": 5}').seen == {}


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2023-02-22T00:00:00.000+01:00", "2023-02-22"),
        ("2023-02-21T23:00:00.000Z", "2023-02-22"),  # the same instant in UTC
        ("2025-03-30T00:59:00Z", "2025-03-30"),  # CET until 01:00 UTC
        ("2025-10-25T22:30:00Z", "2025-10-26"),  # still CEST
        ("2025-12-31T23:30:00Z", "2026-01-01"),  # New Year's invoices stay in their year
    ],
)
def test_dates_are_german_calendar_days(moment: str, expected: str) -> None:
    assert lx.calendar_day(moment) == day(expected)


# --- errors, limits and settings ------------------------------------------------------------------


def test_a_wrong_key_is_a_clear_401(account: FakeLexoffice) -> None:
    with (
        closing(connector(account, key="falsch")) as source,
        pytest.raises(AuthenticationError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value) == (
        "Lexware Office lehnt den Zugang ab (401 – Unauthorized): API-Schlüssel in Datenquellen "
        "prüfen (gelöscht oder abgelaufen? Einen neuen gibt es unter "
        "app.lexware.de/addons/public-api)"
    )
    assert len(account.server.requests) == 1  # not retried


def test_402_and_403_say_what_to_do(account: FakeLexoffice) -> None:
    account.server.fail(402, body={"message": "Payment Required"})
    with closing(connector(account)) as source, pytest.raises(RequestRejectedError, match="Tarif"):
        list(source.batches(None))
    account.server.fail(403, body={"message": "Forbidden"})
    with (
        closing(connector(account)) as source,
        pytest.raises(PermissionDeniedError, match="„Belegliste filtern und abrufen“"),
    ):
        list(source.batches(None))


def test_a_key_echoed_in_an_error_never_reaches_the_message(account: FakeLexoffice) -> None:
    """The documented 403 for a malformed header quotes the header, key included."""
    echo = f"'{account.api_key}' not a valid key=value pair (missing equal-sign) in Authorization"
    account.server.fail(403, body={"message": f"{echo} header: 'Bearer {account.api_key}'."})
    with closing(connector(account)) as source, pytest.raises(PermissionDeniedError) as failure:
        list(source.batches(None))
    assert account.api_key not in str(failure.value) and "'***' not a valid" in str(failure.value)


def test_the_official_base_url_is_the_default_and_v1_is_optional() -> None:
    assert get_spec("lexoffice").default_base_url == "https://api.lexware.io"
    assert get_spec("lexoffice").credential_fields == {"token": "api_key"}
    credentials = lx.LexofficeCredentials(SecretStr("key"))
    for url in ("https://api.lexoffice.io/v1/", "https://api.lexoffice.io"):
        client = lx.LexofficeClient(url, credentials)
        assert client.http.base_url == "https://api.lexoffice.io/v1"
        client.close()


def test_the_client_stays_below_two_requests_per_second(account: FakeLexoffice) -> None:
    load_docs_examples(account)
    sleeps: list[float] = []
    options = HttpOptions(timeout=5, retry=RetryPolicy(sleep=sleeps.append))
    with closing(connector(account, http=options)) as source:
        assert source.client.http.limiter.interval == pytest.approx(1 / 1.8)
        list(source.batches(None))
    assert len(sleeps) == len(account.server.requests) - 1
    assert min(sleeps) > 0.5  # never two requests within half a second


def test_no_credentials_in_repr_or_config(account: FakeLexoffice) -> None:
    with closing(connector(account)) as source:
        text = repr(source) + repr(source.client) + repr(source.client.http)
        text += repr(source.client.http._client.auth)
    assert account.api_key not in text
    assert account.api_key not in repr(
        ConnectorConfig(account.url, {"api_key": SecretStr(account.api_key)})
    )


def test_a_server_ignoring_page_numbers_is_an_error_not_an_endless_loop(
    account: FakeLexoffice, small_pages: None
) -> None:
    for n in range(7):
        account.add_contact("Eva", f"Ähnlich {n}", email=f"eva{n}@example.de")
    account.broken_paging = True
    with (
        closing(connector(account)) as source,
        pytest.raises(InvalidResponseError, match="dieselben Einträge"),
    ):
        list(source.batches(None))


# --- into the database ---------------------------------------------------------------------------


def connect(engine: Engine, account: FakeLexoffice, key: str = "") -> None:
    add_source(
        engine,
        "lexoffice",
        "Lexware",
        base_url=account.url,
        credentials={"api_key": key or account.api_key},
    )


def test_a_full_sync_writes_the_account(
    engine: Engine, account: FakeLexoffice, sample: SampleBusiness, fast: HttpOptions
) -> None:
    connect(engine, account)
    run = sync_source(engine, "Lexware", http=fast)
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added, run.contacts_added) == (11, 3, 8)
    data = snapshot(engine)
    assert json.loads(data["cursor"][0])["updatedDateFrom"] == "2025-02-03"
    partial = next(o for o in data["orders"] if o[0] == sample.invoices["juergen_partial"]["id"])
    assert partial[2:8] == (
        "2025-01-08 00:00:00+00:00",
        "EUR",
        10000,
        8403,
        1597,
        "partially_refunded",
    )


def test_a_rerun_adds_and_changes_nothing(
    engine: Engine, account: FakeLexoffice, sample: SampleBusiness, fast: HttpOptions
) -> None:
    connect(engine, account)
    sync_source(engine, "Lexware", http=fast)
    before = snapshot(engine)
    for full in (False, True):
        run = sync_source(engine, "Lexware", full=full, http=fast)
        assert run.status == "ok"
        assert (run.orders_added, run.orders_updated, run.refunds_added) == (0, 0, 0)
        assert (run.contacts_added, run.contacts_updated) == (0, 0)
    assert snapshot(engine) == before


def test_incremental_sync_writes_only_changes(
    engine: Engine, account: FakeLexoffice, sample: SampleBusiness, fast: HttpOptions
) -> None:
    connect(engine, account)
    sync_source(engine, "Lexware", http=fast)
    account.add_credit_note(
        invoice=sample.invoices["soeren_again"], day="2025-03-02", items=[("Rabatt", 1, "4.90", 0)]
    )
    account.add_invoice(
        one_time={"name": "Neu Kunde", "city": "Graz", "zip": "8010", "countryCode": "AT"},
        day="2025-03-02",
        items=[("Kurs", 1, "10.00", 20)],
    )
    run = sync_source(engine, "Lexware", http=fast)
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    assert run.contacts_added == 1
    order = next(
        o for o in snapshot(engine)["orders"] if o[0] == sample.invoices["soeren_again"]["id"]
    )
    assert order[7] == "partially_refunded"


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine,
    account: FakeLexoffice,
    sample: SampleBusiness,
    fast: HttpOptions,
    delays: list[float],
) -> None:
    connect(engine, account)
    account.server.fail(429, path="/voucherlist", headers={"Retry-After": "7"})
    account.server.fail(500, path="/invoices/", skip=2)
    account.server.drop(path="/contacts")
    run = sync_source(engine, "Lexware", http=fast)
    assert run.status == "ok" and run.orders_added == 11
    assert 7.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, account: FakeLexoffice, sample: SampleBusiness, fast: HttpOptions
) -> None:
    connect(engine, account, key="abgelaufen")
    empty = snapshot(engine)
    run = sync_source(engine, "Lexware", http=fast)
    assert run.status == "failed"
    assert run.error is not None
    assert run.error.startswith("Lexware Office lehnt den Zugang ab (401 – Unauthorized)")
    assert snapshot(engine) == empty
    assert [(r.status, r.error) for r in runs(engine)] == [("failed", run.error)]


def test_a_sync_failing_halfway_resumes_to_the_same_database(
    engine: Engine,
    tmp_path: Path,
    account: FakeLexoffice,
    sample: SampleBusiness,
    fast: HttpOptions,
) -> None:
    connect(engine, account)
    calls = []

    def break_after_some_batches(fraction: float, message: str) -> None:
        calls.append(message)
        if len(calls) == 6:  # start, two contact pages and three voucher batches committed
            account.server.drop(times=1000)

    failed = sync_source(engine, "Lexware", progress=break_after_some_batches, http=fast)
    assert failed.status == "failed"
    assert failed.error is not None and "Lexware Office ist nicht erreichbar" in failed.error
    half = snapshot(engine)
    assert 0 < len(half["orders"]) < 11 and half["cursor"] != [None]
    account.server.faults.clear()
    account.server.requests.clear()
    assert sync_source(engine, "Lexware", http=fast).status == "ok"
    first = requests_to(account, "/voucherlist")[0]
    assert first.param("updatedDateFrom") == json.loads(half["cursor"][0])["updatedDateFrom"]
    assert snapshot(engine) == uninterrupted(
        tmp_path, "Lexware", fast, lambda e: connect(e, account)
    )


def test_a_sync_interrupted_at_any_batch_resumes_to_the_same_database(
    engine: Engine,
    tmp_path: Path,
    account: FakeLexoffice,
    sample: SampleBusiness,
    fast: HttpOptions,
) -> None:
    expected = uninterrupted(tmp_path, "Lexware", fast, lambda e: connect(e, account))
    connect(engine, account)
    for stop in (5, 7, 9):
        seen: list[str] = []

        def interrupt(
            fraction: float, message: str, stop: int = stop, seen: list[str] = seen
        ) -> None:
            seen.append(message)
            if len(seen) == stop:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            sync_source(engine, "Lexware", full=stop == 5, progress=interrupt, http=fast)
    assert sync_source(engine, "Lexware", http=fast).status == "ok"
    assert snapshot(engine) == expected
