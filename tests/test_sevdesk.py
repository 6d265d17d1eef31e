"""The sevDesk connector against a fake account speaking the documented API v1 over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

import connectors.sevdesk as sd
from connectors.base import Batch, ConnectorConfig, get_spec
from connectors.http import (
    AuthenticationError,
    HttpOptions,
    InvalidResponseError,
    PermissionDeniedError,
    RequestRejectedError,
)
from kundenwert.records import ContactRecord, ItemRecord, OrderRecord, RefundRecord
from kundenwert.sources import add_source
from kundenwert.sync import sync_source
from tests.fakes.sevdesk import FakeSevDesk, SampleAccount, load_docs_examples, sample_account
from tests.sync_support import (
    contacts_of,
    fast_http,
    kill_sync_when,
    orders_of,
    runs,
    snapshot,
    uninterrupted,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def account() -> Iterator[FakeSevDesk]:
    with FakeSevDesk() as account:
        yield account


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sd, "PAGE_SIZE", 3)


@pytest.fixture
def sample(account: FakeSevDesk, small_pages: None) -> SampleAccount:
    return sample_account(account)


def connector(account: FakeSevDesk, token: str | None = None) -> sd.SevDeskConnector:
    credentials = {"api_token": SecretStr(token or account.token)}
    http = fast_http()
    created = get_spec("sevdesk").create(ConnectorConfig(account.url, credentials, http=http))
    assert isinstance(created, sd.SevDeskConnector)
    return created


def read(account: FakeSevDesk, cursor: str | None = None) -> list[Batch]:
    with closing(connector(account)) as source:
        return list(source.batches(cursor))


def requests(account: FakeSevDesk, name: str) -> list[Any]:
    return [r for r in account.server.requests if r.path == f"/api/v1/{name}"]


def noon(day: str) -> datetime:
    """A document day as stored: noon in Berlin (winter time) in UTC."""
    return datetime.fromisoformat(f"{day}T11:00:00+00:00")


# --- the documentation's own examples ------------------------------------------------------------


def test_the_documented_contact_with_its_email_and_address(account: FakeSevDesk) -> None:
    load_docs_examples(account)
    assert contacts_of(read(account))["0"] == ContactRecord(
        source_contact_id="0",
        email="john.snow@example.com",
        first_name="John",
        last_name="Snow",
        company="string",
        country="DE",  # StaticCountry 1, embedded
        city="The North",
        postcode="12345",
        created_at=datetime(2024, 4, 7, 22, 0, tzinfo=UTC),
        url=f"{account.server.url}/#/crm/detail/id/0",
    )


def test_the_documented_invoice_and_credit_note_are_drafts_not_sales(
    account: FakeSevDesk,
) -> None:
    load_docs_examples(account)
    assert orders_of(read(account)) == {}


def test_the_documented_invoice_once_paid(account: FakeSevDesk) -> None:
    load_docs_examples(account)
    account.invoices["1"]["status"] = "1000"
    batches = read(account)
    assert orders_of(batches)["1"] == OrderRecord(
        source_order_id="1",
        source_contact_id="1",
        ordered_at=datetime(2024, 4, 8, 10, 0, tzinfo=UTC),  # the 8th, not the 7th in UTC
        gross_cents=11900,
        tax_cents=1900,
        currency="EUR",
        status="paid",
        kind="invoice",
        url=f"{account.server.url}/#/fi/detail/type/RE/id/1",
        items=[ItemRecord("Dragonglass", 10000, 1, "1")],  # quantity true, priceGross 100
    )
    # contact "1" is unknown to sevDesk ("400 Contact was not found"): the order keeps its id
    assert contacts_of(batches)["1"] == ContactRecord("1")
    assert requests(account, "Contact/1")


# --- a German business over several pages --------------------------------------------------------


def test_every_list_is_read_page_by_page_as_documented(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    batches = read(account)
    sales = {"zoe_course", "soeren_chf", "ida_hours", "juergen_partial", "firma_advance"}
    sales |= {"zoe_refunded", "open", "partly_paid", "open_cancelled", "eva_usd", "kasse"}
    assert set(orders_of(batches)) == {sample.invoices[name]["id"] for name in sales}
    invoice_pages = [r for r in requests(account, "Invoice") if r.param("showAll")]
    assert [r.param("offset") for r in invoice_pages] == ["0", "3", "6", "9", "12", "15"]
    for request in invoice_pages:
        assert request.param("limit") == "3" and request.param("embed") == "contact"
        assert request.param("updateAfter") is None
        assert request.headers["authorization"] == account.token  # the bare token
        assert request.headers["user-agent"].startswith("Kundenwert")
    assert [r.param("countAll") for r in invoice_pages] == ["true"] + [None] * 5
    assert all(r.param("depth") == "1" for r in requests(account, "Contact"))
    assert [r.param("invoiceType") for r in requests(account, "Invoice") if not r.param("showAll")]
    assert [b.done for b in batches[-2:]] == [pytest.approx(0.99), 1.0]


def test_contacts_with_umlauts_email_and_first_address(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    contacts = contacts_of(read(account))
    zoe = contacts[sample.contacts["zoe"]["id"]]
    assert (zoe.first_name, zoe.last_name, zoe.email) == ("Zoë", "Weiß", "Zoe.Weiss@example.at")
    assert (zoe.city, zoe.postcode, zoe.country) == ("Wien", "1010", "AT")  # not Graz
    firma = contacts[sample.contacts["firma"]["id"]]
    assert (firma.company, firma.first_name, firma.last_name) == ("Müller & Söhne GmbH", None, None)
    assert (firma.email, firma.city) == ("buchhaltung@mueller-soehne.de", "München")
    juergen = contacts[sample.contacts["juergen"]["id"]]
    assert juergen.created_at == datetime(2024, 12, 1, 8, 0, tzinfo=UTC)
    anders = contacts[sample.contacts["anders"]["id"]]  # a prospect without invoices
    assert (anders.first_name, anders.last_name, anders.city) == ("Ånders", "Ørsted", "København")
    assert sample.contacts["telekom"]["id"] not in contacts  # a supplier


def test_missing_countries_and_emails_stay_empty(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    contacts = contacts_of(read(account))
    ida = contacts[sample.contacts["ida"]["id"]]
    assert (ida.email, ida.country, ida.city, ida.postcode) == ("ida@example.org", None, None, None)
    kasse = contacts[sample.contacts["kasse"]["id"]]
    assert (kasse.email, kasse.country) == (None, None)


def test_a_paid_invoice_field_by_field(account: FakeSevDesk, sample: SampleAccount) -> None:
    invoice = sample.invoices["zoe_course"]
    order = orders_of(read(account))[invoice["id"]]
    assert order == OrderRecord(
        source_order_id=invoice["id"],
        source_contact_id=sample.contacts["zoe"]["id"],
        ordered_at=noon("2025-01-05"),
        gross_cents=11900,
        tax_cents=1900,
        currency="EUR",
        status="paid",
        kind="invoice",
        url=f"{account.server.url}/#/fi/detail/type/RE/id/{invoice['id']}",
        items=[
            ItemRecord("Online-Kurs – Grundlagen", 11900, 1, "900"),
            ItemRecord("Workbook", 0, 2, None),
        ],
    )  # its draft credit note is not a refund


def test_non_euro_invoices_in_their_own_currency(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    chf = orders[sample.invoices["soeren_chf"]["id"]]  # sumGross is in EUR: 226.17
    assert (chf.currency, chf.gross_cents, chf.tax_cents, chf.status) == (
        "CHF",
        21540,
        1596,
        "paid",
    )
    assert chf.items == [ItemRecord("Workshop „Zürich“", 21540, 2, "900")]
    usd = orders[sample.invoices["eva_usd"]["id"]]
    assert (usd.currency, usd.gross_cents, usd.tax_cents) == ("USD", 30000, 0)


def test_cancellations_and_credit_notes_are_refunds_of_their_invoice(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    orders = orders_of(read(account))
    partial = orders[sample.invoices["juergen_partial"]["id"]]
    note = sample.reversals["partial_note"]
    assert (partial.gross_cents, partial.status) == (10000, "partially_refunded")
    assert partial.refunds == [RefundRecord(f"CreditNote/{note['id']}", noon("2025-02-01"), 3000)]
    refunded = orders[sample.invoices["zoe_refunded"]["id"]]
    storno = sample.reversals["zoe_storno"]
    assert refunded.status == "refunded"
    assert refunded.refunds == [RefundRecord(f"Invoice/{storno['id']}", noon("2025-02-03"), 5000)]
    assert storno["id"] not in orders  # the cancellation invoice itself is no sale


def test_an_unpaid_invoice_cancelled_in_full_is_cancelled_without_refund(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    order = orders_of(read(account))[sample.invoices["open_cancelled"]["id"]]
    assert (order.status, order.refunds) == ("cancelled", [])


def test_statuses_and_what_is_no_sale(account: FakeSevDesk, sample: SampleAccount) -> None:
    orders = orders_of(read(account))
    status = {n: orders[i["id"]].status for n, i in sample.invoices.items() if i["id"] in orders}
    assert status["open"] == "pending"  # 200
    assert status["partly_paid"] == "pending"  # 750
    assert status["firma_advance"] == "paid"  # an advance invoice (AR) is a sale
    for name in ("draft", "no_contact_draft", "recurring", "reminder"):
        assert name not in status
    assert all(order.kind == "invoice" and order.payment_id is None for order in orders.values())


def test_hours_are_one_item(account: FakeSevDesk, sample: SampleAccount) -> None:
    order = orders_of(read(account))[sample.invoices["ida_hours"]["id"]]
    assert order.items == [ItemRecord("Beratung (Stunden)", 17850, 1, "900")]


# --- incremental reading -------------------------------------------------------------------------


def test_the_cursor_comes_with_the_last_batch_only(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    batches = read(account)
    assert [b.cursor for b in batches[:-1]] == [None] * (len(batches) - 1)
    assert json.loads(batches[-1].cursor or "") == {
        "addresses": int(datetime.fromisoformat("2024-12-24T18:00:00+01:00").timestamp()),
        "cancellations": int(datetime.fromisoformat("2025-02-04T10:00:00+01:00").timestamp()),
        "contacts": int(datetime.fromisoformat("2024-12-24T18:00:00+01:00").timestamp()),
        "credit_notes": int(datetime.fromisoformat("2025-02-06T11:00:00+01:00").timestamp()),
        "emails": int(datetime.fromisoformat("2024-12-24T18:00:00+01:00").timestamp()),
        "invoices": int(datetime.fromisoformat("2025-02-05T11:00:00+01:00").timestamp()),
    }


def test_incremental_read_asks_for_changes_only(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    cursor = read(account)[-1].cursor
    anchors = json.loads(cursor or "")
    paid = sample.invoices["open"]
    account.modify(paid, "2025-03-01T10:00:00+01:00", status="1000", paidAmount=59.5)
    late = sample.invoices["kasse"]
    note = account.credit_note(late, "5", at="2025-03-02", touch_invoice=False)
    account.add_email(sample.contacts["ida"], "ida.neu@example.org", at="2025-03-03T10:00:00+01:00")
    new = account.add_contact("Lea", "Groß", created="2025-03-04T10:00:00+01:00")
    account.server.requests.clear()
    batches = read(account, cursor)
    assert set(orders_of(batches)) == {paid["id"], late["id"]}
    assert orders_of(batches)[paid["id"]].status == "paid"
    assert orders_of(batches)[late["id"]].refunds[0].source_refund_id == f"CreditNote/{note['id']}"
    contacts = contacts_of(batches)
    assert contacts[sample.contacts["ida"]["id"]].email == "ida@example.org"  # still the main one
    assert new["id"] in contacts
    assert [r.param("updateAfter") for r in requests(account, "Contact")] == [
        str(anchors["contacts"])
    ]
    lists = [r for r in requests(account, "Invoice") if r.param("showAll")]
    assert [r.param("updateAfter") for r in lists] == [str(anchors["invoices"])]
    assert requests(account, f"Contact/{sample.contacts['ida']['id']}")  # its e-mails changed
    assert requests(account, f"Invoice/{late['id']}")  # its credit note is new
    positions = requests(account, "InvoicePos")
    assert {r.param("invoice[id]") for r in positions} == {paid["id"], late["id"]}


def test_nothing_changed_means_no_order_and_the_same_cursor(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    cursor = read(account)[-1].cursor
    batches = read(account, cursor)
    assert orders_of(batches) == {} and contacts_of(batches) == {}
    assert batches[-1].cursor == cursor


def test_an_unreadable_cursor_reads_everything(account: FakeSevDesk, sample: SampleAccount) -> None:
    assert len(orders_of(read(account, "not json"))) == 11
    assert len(orders_of(read(account, '{"invoices": "x"}'))) == 11


def test_the_anchor_never_passes_the_server_clock_at_the_start_of_a_list() -> None:
    mark = sd.Watermark(previous=100)
    started = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    mark.see_page(sd.Page(items=[], offset=0, total=0, server_time=started))
    assert mark.see({"update": "2025-03-01T12:59:00+01:00"})  # updated while the list was read
    assert mark.anchor() == int((started - sd.CLOCK_MARGIN).timestamp())
    assert sd.Watermark(previous=100).anchor() == 100  # nothing seen: keep it


# --- mapping details -----------------------------------------------------------------------------


def test_document_dates_keep_their_day() -> None:
    assert sd.parse_day("2025-01-01T00:00:00+01:00") == datetime(2025, 1, 1, 11, tzinfo=UTC)
    assert sd.parse_day("2025-07-01T00:00:00+02:00") == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert sd.parse_day("01.07.2025") == datetime(2025, 7, 1, 10, tzinfo=UTC)
    assert sd.parse_moment("1647259198") == datetime(2022, 3, 14, 11, 59, 58, tzinfo=UTC)


def test_a_credit_note_refers_to_its_invoice_in_any_documented_shape() -> None:
    assert sd.reversal_target({"refSrcInvoice": {"id": "7", "objectName": "Invoice"}}) == "7"
    assert sd.reversal_target({"refSrcInvoice": 7}) == "7"  # "Integer" in the attribute table
    assert sd.reversal_target({"origin": {"id": "8", "objectName": "Invoice"}}) == "8"
    assert sd.reversal_target({"origin": {"id": "9", "objectName": "Order"}}) is None
    assert sd.reversal_target({"refSrcInvoice": None, "origin": None}) is None


def test_a_provision_credit_note_is_no_refund(account: FakeSevDesk) -> None:
    buyer = account.add_contact("Max", "Mustermann", created="2025-01-01T00:00:00+01:00")
    invoice = account.add_invoice(buyer, date="2025-01-02", items=[("Kurs", "1", "100", 19)])
    account.credit_note(invoice, "10", at="2025-01-03", category="PROVISION")
    assert orders_of(read(account))[invoice["id"]].refunds == []


def test_a_cancellation_without_known_invoice_is_left_out(account: FakeSevDesk) -> None:
    buyer = account.add_contact("Max", "Mustermann", created="2025-01-01T00:00:00+01:00")
    invoice = account.add_invoice(buyer, date="2025-01-02", items=[("Kurs", "1", "100", 19)])
    account.cancel(invoice, at="2025-01-03")
    del account.invoices[invoice["id"]]
    assert orders_of(read(account)) == {}


def test_without_embedding_the_same_records_arrive_by_more_requests(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    embedded = read(account)
    account.embedding = False
    account.server.requests.clear()
    plain = read(account)
    assert orders_of(plain) == orders_of(embedded)
    assert contacts_of(plain) == contacts_of(embedded)
    assert requests(account, "StaticCountry")  # the country codes
    single = [r for r in account.server.requests if r.path.startswith("/api/v1/Contact/")]
    assert single == []  # every contact came with the list
    invoice = sample.invoices["open"]
    account.modify(invoice, "2025-03-01T10:00:00+01:00", status="1000")
    account.server.requests.clear()
    changed = read(account, embedded[-1].cursor)
    assert orders_of(changed)[invoice["id"]].status == "paid"
    assert contacts_of(changed)[invoice["contact"]["id"]].email == "juergen@example.de"
    assert requests(account, f"Contact/{invoice['contact']['id']}")  # read to fill it in


def test_a_server_without_positions_or_credit_notes_still_delivers_invoices(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    account.missing = {"InvoicePos", "CreditNote", "StaticCountry"}
    orders = orders_of(read(account))
    assert len(orders) == 11 and all(order.items == [] for order in orders.values())
    assert orders[sample.invoices["juergen_partial"]["id"]].status == "paid"


# --- errors --------------------------------------------------------------------------------------


def test_a_wrong_token_is_a_clear_401_and_not_retried(account: FakeSevDesk) -> None:
    with (
        closing(connector(account, token="0" * 32)) as source,
        pytest.raises(AuthenticationError) as failure,
    ):
        list(source.batches(None))
    assert str(failure.value) == (
        "sevDesk lehnt den Zugang ab (401 – Authentication required): API-Token in "
        "Datenquellen prüfen (sevDesk → Einstellungen → Benutzer → API-Token)"
    )
    assert len(account.server.requests) == 1


def test_403_says_what_to_check(account: FakeSevDesk) -> None:
    account.server.fail(403, body={"error": {"message": "Forbidden", "exceptionUUID": "x"}})
    with closing(connector(account)) as source, pytest.raises(PermissionDeniedError) as failure:
        list(source.batches(None))
    assert "braucht Zugriff auf Rechnungen und Kontakte" in str(failure.value)


def test_a_rejected_request_is_not_retried(account: FakeSevDesk, monkeypatch: Any) -> None:
    monkeypatch.setattr(sd, "PAGE_SIZE", 5000)  # beyond the documented 1000
    with closing(connector(account)) as source, pytest.raises(RequestRejectedError) as failure:
        list(source.batches(None))
    assert "The limit must be between 1 and 1000" in str(failure.value)
    assert len(account.server.requests) == 1


def test_a_server_ignoring_offset_is_an_error_not_an_endless_loop(
    account: FakeSevDesk, sample: SampleAccount
) -> None:
    account.ignore_offset = True
    with closing(connector(account)) as source, pytest.raises(InvalidResponseError):
        list(source.batches(None))


def test_an_answer_without_objects_is_an_error(account: FakeSevDesk) -> None:
    account.server.fail(200, body={"total": "0"})
    with closing(connector(account)) as source, pytest.raises(InvalidResponseError):
        list(source.batches(None))


def test_the_token_never_shows(account: FakeSevDesk) -> None:
    with closing(connector(account)) as source:
        assert account.token not in repr(source) + repr(source.client) + repr(source.client.http)
    spec = get_spec("sevdesk")
    assert spec.default_base_url == "https://my.sevdesk.de/api/v1"
    assert dict(spec.credential_fields) == {"token": "api_token"}


# --- the sync engine over real HTTP --------------------------------------------------------------


def connect(engine: Engine, account: FakeSevDesk, token: str = "") -> None:
    credentials = {"api_token": token or account.token}
    add_source(engine, "sevdesk", "Rechnungen", base_url=account.url, credentials=credentials)


def test_a_full_sync_then_a_rerun_that_changes_nothing(
    engine: Engine, account: FakeSevDesk, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account)
    run = sync_source(engine, "Rechnungen", http=fast)
    assert (run.status, run.error) == ("ok", None)
    assert (run.orders_added, run.refunds_added, run.contacts_added) == (11, 2, 8)
    before = snapshot(engine)
    soeren = next(c for c in before["contacts"] if c[2] == "Sören")
    assert soeren[1:8] == (
        "soeren.krueger@example.com",
        "Sören",
        "Krüger",
        None,
        "CH",
        "Zürich",
        "8001",
    )
    again = sync_source(engine, "Rechnungen", http=fast)
    full = sync_source(engine, "Rechnungen", full=True, http=fast)
    for rerun in (again, full):
        assert (rerun.orders_added, rerun.orders_updated, rerun.refunds_added) == (0, 0, 0)
        assert (rerun.contacts_added, rerun.contacts_updated) == (0, 0)
    assert snapshot(engine) == before


def test_incremental_sync_writes_only_changes(
    engine: Engine, account: FakeSevDesk, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account)
    sync_source(engine, "Rechnungen", http=fast)
    account.cancel(sample.invoices["zoe_course"], at="2025-03-01")
    account.add_invoice(
        sample.contacts["juergen"], date="2025-03-02", items=[("Kurs", "1", "10", 0)]
    )
    run = sync_source(engine, "Rechnungen", http=fast)
    assert (run.orders_added, run.orders_updated, run.refunds_added) == (1, 1, 1)
    order = next(
        o for o in snapshot(engine)["orders"] if o[0] == sample.invoices["zoe_course"]["id"]
    )
    assert order[7] == "refunded"


def test_429_and_500_are_retried_and_the_sync_succeeds(
    engine: Engine,
    account: FakeSevDesk,
    sample: SampleAccount,
    fast: HttpOptions,
    delays: list[float],
) -> None:
    connect(engine, account)
    account.server.fail(429, path="/Invoice", headers={"Retry-After": "12"})
    account.server.fail(500, path="/Contact", skip=1)
    account.server.drop(path="/CreditNote")
    run = sync_source(engine, "Rechnungen", http=fast)
    assert (run.status, run.orders_added) == ("ok", 11)
    assert 12.0 in delays and len(delays) == 3


def test_401_fails_with_a_clear_message_and_changes_nothing(
    engine: Engine, account: FakeSevDesk, sample: SampleAccount, fast: HttpOptions
) -> None:
    connect(engine, account, token="f" * 32)
    empty = snapshot(engine)
    run = sync_source(engine, "Rechnungen", http=fast)
    assert run.status == "failed"
    assert run.error is not None and run.error.startswith("sevDesk lehnt den Zugang ab (401")
    assert "f" * 32 not in run.error
    assert snapshot(engine) == empty


def test_a_killed_sync_process_resumes_to_the_same_database(
    engine: Engine,
    sqlite_url: str,
    data_dir: Path,
    tmp_path: Path,
    account: FakeSevDesk,
    fast: HttpOptions,
) -> None:
    buyer = account.add_contact("Eva", "Ähnlich", created="2024-01-01T00:00:00+01:00")
    account.add_email(buyer, "eva@example.de")
    for n in range(250):  # three pages of a hundred
        day = f"2025-{1 + n // 28:02d}-{1 + n % 28:02d}"
        account.add_invoice(buyer, date=day, items=[("Abo", "1", "11.89", 19)])
    connect(engine, account)
    # the SR list, page 1, three pages of positions, page 2 pass; page 3 hangs
    account.server.slow(60, path="/api/v1/Invoice", skip=6)
    kill_sync_when(
        sqlite_url,
        data_dir,
        lambda: len([r for r in requests(account, "Invoice") if r.param("showAll")]) >= 3,
    )
    half = snapshot(engine)
    assert len(half["orders"]) == 200 and half["cursor"] == [None]
    account.server.faults.clear()
    assert sync_source(engine, "Rechnungen", http=fast).status == "ok"
    assert [r.status for r in runs(engine)] == ["failed", "ok"]
    expected = uninterrupted(tmp_path, "Rechnungen", fast, lambda e: connect(e, account))
    assert snapshot(engine) == expected
