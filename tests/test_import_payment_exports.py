"""CSV exports of tools that have APIs but whose downloads owners still keep: Stripe payments,
PayPal activity, Shopify orders and WooCommerce orders (Advanced Order Export), recognised by
their real headers and mapped field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from kundenwert.frames import load_frames
from kundenwert.import_formats import (
    FORMATS,
    KNOWN_FORMATS,
    detect_format,
    map_columns,
    read_table,
)
from kundenwert.importer import ImportFileError, ImportReport, import_file, preview
from kundenwert.models import Contact, Order, OrderItem, Refund, Source
from kundenwert.values import order_values

DATA = Path(__file__).parent / "data" / "import"

STRIPE = "stripe_unified_payments.csv"
PAYPAL = "paypal_aktivitaeten.csv"
PAYPAL_EN = "paypal_activity_en.csv"
SHOPIFY = "shopify_orders_export.csv"
WOOCOMMERCE = "woocommerce_orders.csv"


def header_of(name: str) -> list[str]:
    return read_table((DATA / name).read_bytes(), name).columns


def import_sample(engine: Engine, name: str, label: str = "Tool") -> ImportReport:
    return import_file(engine, (DATA / name).read_bytes(), name, label)


def import_text(engine: Engine, text: str, label: str = "Tool") -> ImportReport:
    return import_file(engine, text.encode(), "export.csv", label)


def orders(engine: Engine) -> dict[str, Order]:
    with Session(engine) as session:
        return {o.source_order_id: o for o in session.exec(select(Order))}


def refunds(engine: Engine) -> dict[str, list[tuple[str, int, str]]]:
    with Session(engine) as session:
        found: dict[str, list[tuple[str, int, str]]] = {}
        for refund, order in session.exec(select(Refund, Order).join(Order)):
            found.setdefault(order.source_order_id, []).append(
                (refund.source_refund_id, refund.amount_cents, refund.reason)
            )
        return found


def refund_dates(engine: Engine) -> dict[str, datetime]:
    with Session(engine) as session:
        return {
            r.source_refund_id: r.refunded_at.replace(tzinfo=UTC)
            for r in session.exec(select(Refund))
        }


def contact_of(engine: Engine, order_id: str) -> Contact:
    with Session(engine) as session:
        order = session.exec(select(Order).where(Order.source_order_id == order_id)).one()
        return session.exec(select(Contact).where(Contact.id == order.contact_id)).one()


def items_of(engine: Engine, order_id: str) -> list[tuple[str, int, int, str | None]]:
    with Session(engine) as session:
        order = session.exec(select(Order).where(Order.source_order_id == order_id)).one()
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id))
        return sorted((i.product_name, i.quantity, i.amount_cents, i.product_id) for i in items)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def at(order: Order) -> datetime:
    return order.ordered_at.replace(tzinfo=UTC)


# --- Recognising the exports --------------------------------------------------------------------

# The header of Stripe's older payments export, as gratipay's scripts list it.
STRIPE_LEGACY_HEADER = (
    "id,Description,Created (UTC),Amount,Amount Refunded,Currency,Converted Amount,"
    "Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,Statement Descriptor,"
    "Customer ID,Customer Description,Customer Email,Captured,Card ID,Card Last4,Card Brand,"
    "Card Funding,Card Exp Month,Card Exp Year,Card Name,Card Address Line1,Card Address Line2,"
    "Card Address City,Card Address State,Card Address Country,Card Address Zip,"
    "Card Issue Country,Card Fingerprint,Card CVC Status,Card AVS Zip Status,"
    "Card AVS Line1 Status,Card Tokenization Method,Disputed Amount,Dispute Status,"
    "Dispute Reason,Dispute Date (UTC),Dispute Evidence Due (UTC),Invoice ID,"
    "Payment Source Type,Destination,Transfer"
)
# PayPal's monthly statement names the type "Beschreibung" and the fee "Entgelt".
PAYPAL_STATEMENT_HEADER = (
    "Datum,Uhrzeit,Zeitzone,Beschreibung,Währung,Brutto,Entgelt,Netto,Guthaben,"
    "Transaktionscode,Absender E-Mail-Adresse,Name,Name der Bank,Bankkonto,"
    "Versand- und Bearbeitungsgebühr,Umsatzsteuer,Rechnungsnummer,Zugehöriger Transaktionscode"
)
# Shopify's current header spells a few columns differently.
SHOPIFY_NEW_HEADER = (
    "Name,Phone,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,"
    "Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,"
    "Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,"
    "Lineitem compare-at price,Lineitem SKU,Lineitem requires shipping,Lineitem taxable,"
    "Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,"
    "Billing Company,Billing City,Billing Zip,Billing Province,Billing Province Name,"
    "Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,"
    "Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"
    "Shipping Province Name,Shipping Country,Shipping Phone,Notes,Note Attributes,Canceled at,"
    "Payment Method,Payment Reference (deprecated),Payment References,Refunded Amount,Vendor,"
    "Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"
    "Lineitem discount,Tax 1 Name,Tax 1 Value,Payment ID,Payment terms,Next payment due at"
)


@pytest.mark.parametrize(
    ("header", "name"),
    [
        (header_of(STRIPE), "stripe"),
        (STRIPE_LEGACY_HEADER.split(","), "stripe"),
        (header_of(PAYPAL), "paypal"),
        (header_of(PAYPAL_EN), "paypal"),
        (PAYPAL_STATEMENT_HEADER.split(","), "paypal"),
        (header_of(SHOPIFY), "shopify"),
        (SHOPIFY_NEW_HEADER.split(","), "shopify"),
        (header_of(WOOCOMMERCE), "woocommerce"),
    ],
    ids=[
        "stripe",
        "stripe-legacy",
        "paypal-de",
        "paypal-en",
        "paypal-statement",
        "shopify",
        "shopify-new",
        "woocommerce",
    ],
)
def test_payment_and_shop_exports_are_recognised_by_their_header(
    header: list[str], name: str
) -> None:
    assert detect_format(header).name == name


def test_a_stripe_balance_history_export_is_not_taken_for_payments() -> None:
    # The balance history has no "Amount Refunded": its rows are balance transactions.
    header = ["id", "Type", "Source", "Amount", "Fee", "Net", "Currency", "Created (UTC)"]
    assert detect_format(header).name == "generic"


def test_stripe_columns_are_mapped() -> None:
    mapping = map_columns(header_of(STRIPE), FORMATS["stripe"])
    assert mapping["order_id"] == "id"
    assert mapping["date"] == "Created date (UTC)"
    assert (mapping["fee"], mapping["fee_tax"]) == ("Fee", "Taxes On Fee")
    assert (mapping["refunded"], mapping["refund_date"]) == (
        "Amount Refunded",
        "Refunded date (UTC)",
    )
    assert (mapping["customer_id"], mapping["email"]) == ("Customer ID", "Customer Email")
    assert mapping["country"] == "Card Address Country"


def test_paypal_columns_are_mapped_and_netto_is_not_net_of_vat() -> None:
    mapping = map_columns(header_of(PAYPAL), FORMATS["paypal"])
    assert (mapping["date"], mapping["time"], mapping["time_zone"]) == (
        "Datum",
        "Uhrzeit",
        "Zeitzone",
    )
    assert (mapping["amount"], mapping["fee"], mapping["tax"]) == (
        "Brutto",
        "Gebühr",
        "Umsatzsteuer",
    )
    assert mapping["email"] == "Absender E-Mail-Adresse"
    assert mapping["refund_of"] == "Zugehöriger Transaktionscode"
    assert mapping["row_type"] == "Typ"
    assert "net" not in mapping


def test_shopify_new_header_is_mapped() -> None:
    mapping = map_columns(SHOPIFY_NEW_HEADER.split(","), FORMATS["shopify"])
    assert (mapping["order_id"], mapping["amount"], mapping["tax"]) == ("Name", "Total", "Taxes")
    assert mapping["product_id"] == "Lineitem SKU"
    assert mapping["payment_id"] == "Payment ID"


# --- Stripe -------------------------------------------------------------------------------------


def test_stripe_payment_field_by_field(engine: Engine) -> None:
    import_sample(engine, STRIPE, "Stripe-Export")
    order = orders(engine)["ch_3Qa1"]
    assert at(order) == utc(2025, 3, 3, 8, 15, 2)  # the column says UTC
    assert (order.gross_cents, order.tax_cents, order.fee_cents) == (19700, 0, 320)
    assert (order.currency, order.status, order.kind) == ("EUR", "paid", "one_time")
    assert order.payment_id == "ch_3Qa1"  # the charge id, as the connector and shops store it
    assert items_of(engine, "ch_3Qa1") == [("Online-Kurs Grundlagen", 1, 19700, None)]
    contact = contact_of(engine, "ch_3Qa1")
    assert contact.source_contact_id == "cus_Anna"
    assert (contact.email, contact.first_name, contact.last_name) == (
        "anna.mueller@example.de",
        "Anna",
        "Müller",
    )
    assert (contact.country, contact.city, contact.postcode) == ("DE", "München", "80331")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "stripe"


def test_stripe_partial_and_full_refunds(engine: Engine) -> None:
    import_sample(engine, STRIPE)
    found = orders(engine)
    assert (found["ch_3Qb2"].status, found["ch_3Qc3"].status) == ("partially_refunded", "refunded")
    assert refunds(engine)["ch_3Qb2"] == [("ch_3Qb2-refund", 3000, "refund")]
    assert refunds(engine)["ch_3Qc3"] == [("ch_3Qc3-refund", 4900, "refund")]
    assert refund_dates(engine)["ch_3Qb2-refund"] == utc(2025, 3, 20, 9, 0)


def test_stripe_lost_dispute_is_a_chargeback(engine: Engine) -> None:
    import_sample(engine, STRIPE)
    assert orders(engine)["ch_3Qf6"].status == "chargeback"
    assert refunds(engine)["ch_3Qf6"] == [("ch_3Qf6-dispute", 2900, "chargeback")]
    assert refund_dates(engine)["ch_3Qf6-dispute"] == utc(2025, 5, 30, 11, 11, 11)


def test_stripe_fee_in_the_balance_currency_is_scaled_to_the_payment(engine: Engine) -> None:
    # 50.00 USD settled as 45.00 EUR with a fee of 1.60 EUR: 1.60 × 50 / 45 = 1.78 USD.
    import_sample(engine, STRIPE)
    order = orders(engine)["ch_3Qe5"]
    assert (order.currency, order.gross_cents, order.fee_cents) == ("USD", 5000, 178)


def test_stripe_failed_incomplete_and_test_payments(engine: Engine) -> None:
    import_sample(engine, STRIPE)
    found = orders(engine)
    assert found["ch_3Qd4"].status == "failed"
    # No charge yet: the PaymentIntent is the key, and nobody is named.
    assert found["pi_3Qg7"].status == "pending"
    assert contact_of(engine, "pi_3Qg7").source_contact_id == "order:pi_3Qg7"
    assert found["ch_3Qh8"].is_sandbox
    assert not found["ch_3Qa1"].is_sandbox


def test_stripe_export_from_a_german_dashboard_with_decimal_commas(engine: Engine) -> None:
    import_text(
        engine,
        "id,Created date (UTC),Amount,Amount Refunded,Currency,Fee,Status,Customer Email\n"
        'ch_1,2025-03-01 10:00:00,"1.399,00","399,00",eur,"20,31",Paid,a@example.de\n',
    )
    order = orders(engine)["ch_1"]
    assert (order.gross_cents, order.fee_cents, order.status) == (
        139900,
        2031,
        "partially_refunded",
    )


def test_stripe_legacy_export_adds_the_tax_on_the_fee(engine: Engine) -> None:
    import_text(
        engine,
        "id,Description,Created (UTC),Amount,Amount Refunded,Currency,Fee,Tax,Status,"
        "Customer ID,Customer Email\n"
        "ch_old,Kurs,2016-05-01 10:00,99.00,0.00,eur,1.69,0.32,Paid,cus_1,b@example.de\n",
    )
    order = orders(engine)["ch_old"]
    assert (order.fee_cents, at(order)) == (201, utc(2016, 5, 1, 10, 0))


def test_a_shop_order_paid_with_stripe_counts_once(engine: Engine, sqlite_url: str) -> None:
    import_sample(engine, STRIPE, "Stripe")
    import_text(
        engine,
        "Order Number,Order Status,Order Date,Email (Billing),Order Total Amount,Transaction ID\n"
        "9001,Completed,2025-03-03 09:15,anna.mueller@example.de,197.00,ch_3Qa1\n",
        "Shop",
    )
    values = order_values(load_frames(sqlite_url))
    same = values.filter(values["payment_id"] == "ch_3Qa1")
    assert same.height == 2
    assert same["counted"].sum() == 1


# --- PayPal -------------------------------------------------------------------------------------


def test_paypal_payment_field_by_field(engine: Engine) -> None:
    import_sample(engine, PAYPAL, "PayPal")
    order = orders(engine)["5TY05013RG002845M"]
    assert at(order) == utc(2025, 1, 15, 13, 32, 15)  # 14:32:15 CET
    assert (order.gross_cents, order.tax_cents, order.fee_cents) == (11900, 1900, 450)
    assert (order.currency, order.payment_id) == ("EUR", "5TY05013RG002845M")
    assert items_of(engine, "5TY05013RG002845M") == [("Online-Kurs Grundlagen", 1, 11900, "KURS-1")]
    contact = contact_of(engine, "5TY05013RG002845M")
    assert contact.email == "anna.mueller@example.de"
    assert (contact.first_name, contact.last_name, contact.country) == ("Anna", "Müller", "DE")
    assert (contact.city, contact.postcode) == ("München", "80331")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "paypal"


def test_paypal_rows_that_are_no_sale_are_skipped_not_rejected(engine: Engine) -> None:
    report = import_sample(engine, PAYPAL)
    # Sales only: not the owner's purchase, bank top-up, currency conversion, money request
    # (Memo), withdrawal or chargeback fee.
    assert sorted(orders(engine)) == [
        "2AB00000SU000000B",
        "5TY05013RG002845M",
        "7PD00000PD000000G",
        "9US00000WP000000C",
    ]
    # 14 rows: 4 sales, 2 refunds of them, 7 rows that are no sale and 1 refund of a payment
    # from before the export's period.
    assert (report.rows_read, report.rows_skipped) == (14, 8)
    with Session(engine) as session:
        emails = set(session.exec(select(Contact.email)))
    assert "kontakt@kurswerk.example" not in emails  # the owner's own address


def test_paypal_refund_rows_refund_the_payment_they_name(engine: Engine) -> None:
    import_sample(engine, PAYPAL)
    found = orders(engine)
    assert found["5TY05013RG002845M"].status == "partially_refunded"
    assert refunds(engine)["5TY05013RG002845M"] == [("8RF00000RF000000R", 2000, "refund")]
    assert refund_dates(engine)["8RF00000RF000000R"] == utc(2025, 2, 3, 17, 45, 10)
    assert found["9US00000WP000000C"].status == "chargeback"
    assert refunds(engine)["9US00000WP000000C"] == [("3CB00000CB000000J", 12000, "chargeback")]


def test_paypal_subscription_pending_and_summer_time(engine: Engine) -> None:
    import_sample(engine, PAYPAL)
    found = orders(engine)
    subscription = found["2AB00000SU000000B"]
    assert (subscription.kind, at(subscription)) == ("subscription", utc(2025, 7, 1, 5, 30))
    assert found["7PD00000PD000000G"].status == "pending"


def test_paypal_english_export_with_day_first_dates_and_pacific_time(engine: Engine) -> None:
    import_sample(engine, PAYPAL_EN)
    found = orders(engine)
    assert sorted(found) == ["3SB00000SB000000C", "61E67681CH3238416"]
    payment = found["61E67681CH3238416"]
    assert at(payment) == utc(2024, 12, 29, 15, 45, 51)  # 29/12/2024 07:45:51 PST
    assert (payment.gross_cents, payment.fee_cents, payment.currency) == (120000, 4110, "GBP")
    assert payment.status == "refunded"
    assert refunds(engine)["61E67681CH3238416"] == [("2RF00000RF000000B", 120000, "refund")]
    assert found["3SB00000SB000000C"].kind == "subscription"


def test_paypal_export_without_balance_impact_uses_the_sign(engine: Engine) -> None:
    import_text(
        engine,
        "Datum,Uhrzeit,Zeitzone,Name,Typ,Status,Währung,Brutto,Gebühr,Netto,"
        "Absender E-Mail-Adresse,Transaktionscode,Zugehöriger Transaktionscode\n"
        '15.03.2025,10:00:00,MEZ,Eva Kunde,Zahlung erhalten,Abgeschlossen,EUR,"50,00","-1,10",'
        '"48,90",eva@example.de,T1,\n'
        '16.03.2025,10:00:00,MEZ,Shop GmbH,Website-Zahlung,Abgeschlossen,EUR,"-20,00","0,00",'
        '"-20,00",ich@example.de,T2,\n'
        '17.03.2025,10:00:00,MEZ,Eva Kunde,Rückzahlung,Abgeschlossen,EUR,"-50,00","1,10",'
        '"-48,90",ich@example.de,T3,T1\n',
    )
    found = orders(engine)
    assert sorted(found) == ["T1"]
    assert found["T1"].status == "refunded"


PAYPAL_HEADER = (
    "Datum,Uhrzeit,Zeitzone,Name,Typ,Status,Währung,Brutto,Gebühr,Absender E-Mail-Adresse,"
    "Transaktionscode,Zugehöriger Transaktionscode,Auswirkung auf Guthaben\n"
)


def test_paypal_payment_marked_refunded_without_its_refund_row(engine: Engine) -> None:
    # The refund lies after the export's period: refunded in full; a partial refund without its
    # row cannot be told and the payment counts as paid.
    import_text(
        engine,
        PAYPAL_HEADER + '01.03.2025,10:00:00,MEZ,Eva,Website-Zahlung,Erstattet,EUR,"50,00","-1,10",'
        "eva@example.de,T1,,Haben\n"
        '02.03.2025,10:00:00,MEZ,Ole,Website-Zahlung,Teilweise erstattet,EUR,"80,00","-1,50",'
        "ole@example.de,T2,,Haben\n",
    )
    found = orders(engine)
    assert (found["T1"].status, found["T2"].status) == ("refunded", "paid")
    assert refunds(engine) == {"T1": [("T1-refund", 5000, "refund")]}


def test_paypal_refund_larger_than_the_payment_is_an_error(engine: Engine) -> None:
    with pytest.raises(ImportFileError) as caught:
        import_text(
            engine,
            PAYPAL_HEADER
            + '01.03.2025,10:00:00,MEZ,Eva,Website-Zahlung,Abgeschlossen,EUR,"50,00","-1,10",'
            "eva@example.de,T1,,Haben\n"
            '02.03.2025,10:00:00,MEZ,Eva,Rückzahlung,Abgeschlossen,EUR,"-60,00","0,00",'
            "ich@example.de,T2,T1,Soll\n",
        )
    assert (caught.value.key, caught.value.row) == ("refund_exceeds", 3)


def test_paypal_refund_of_a_payment_from_an_earlier_export(engine: Engine) -> None:
    # Exported month by month: February's file refunds a payment from January's.
    january = PAYPAL_HEADER + (
        '20.01.2025,10:00:00,MEZ,Eva,Website-Zahlung,Abgeschlossen,EUR,"50,00","-1,10",'
        "eva@example.de,T1,,Haben\n"
    )
    february = PAYPAL_HEADER + (
        '03.02.2025,09:00:00,MEZ,Eva,Rückzahlung,Abgeschlossen,EUR,"-20,00","0,44",'
        "ich@example.de,T9,T1,Soll\n"
    )
    import_text(engine, january, "PayPal")
    report = import_text(engine, february, "PayPal")
    assert (report.orders_updated, report.refunds_added, report.rows_skipped) == (1, 1, 0)
    assert orders(engine)["T1"].status == "partially_refunded"
    assert refunds(engine) == {"T1": [("T9", 2000, "refund")]}
    again = import_text(engine, february, "PayPal")
    assert (again.orders_updated, again.refunds_added) == (0, 0)
    # In another source the payment is unknown: the refund is skipped, not guessed.
    elsewhere = import_text(engine, february, "Anderes PayPal-Konto")
    assert (elsewhere.orders_added, elsewhere.rows_skipped) == (0, 1)


def test_paypal_unknown_time_zone_is_an_error_with_row_and_column(engine: Engine) -> None:
    text = (
        "Datum,Uhrzeit,Zeitzone,Name,Typ,Status,Währung,Brutto,Gebühr,Absender E-Mail-Adresse,"
        "Transaktionscode\n"
        '15.03.2025,10:00:00,XYZ,Eva,Website-Zahlung,Abgeschlossen,EUR,"5,00","0,00",e@example.de,T1\n'
    )
    with pytest.raises(ImportFileError) as caught:
        import_text(engine, text)
    assert (caught.value.key, caught.value.row, caught.value.column) == (
        "bad_time_zone",
        2,
        "Zeitzone",
    )
    assert orders(engine) == {}


def test_paypal_overlapping_exports_pasted_together_count_once(engine: Engine) -> None:
    lines = (DATA / PAYPAL).read_bytes().decode("utf-8-sig").splitlines()
    data = "\n".join([*lines, *lines[1:]]).encode()
    import_file(engine, data, "doppelt.csv", "PayPal")
    assert orders(engine)["5TY05013RG002845M"].gross_cents == 11900
    assert refunds(engine)["5TY05013RG002845M"] == [("8RF00000RF000000R", 2000, "refund")]


def test_paypal_preview_shows_refunds_and_skipped_rows() -> None:
    result = preview((DATA / PAYPAL).read_bytes(), PAYPAL)
    assert (result.format_name, result.rows_skipped, result.errors) == ("paypal", 8, [])
    refund = result.rows.filter(result.rows["order_id"] == "8RF00000RF000000R").row(0, named=True)
    assert (refund["status"], refund["refunded_cents"]) == ("refunded", -2000)


# --- Shopify ------------------------------------------------------------------------------------


def test_shopify_order_of_two_line_items_field_by_field(engine: Engine) -> None:
    import_sample(engine, SHOPIFY, "Shopify")
    order = orders(engine)["#1001"]
    assert at(order) == utc(2025, 3, 1, 9, 15, 32)  # 10:15:32 +0100
    # The order's total and taxes are on its first row only and count once.
    assert (order.gross_cents, order.tax_cents, order.fee_cents) == (6480, 1035, None)
    assert (order.currency, order.status, order.payment_id) == ("EUR", "paid", "rPq1AbCdEf")
    assert items_of(engine, "#1001") == [
        ("Füller", 1, 2000, "FUE-1"),
        ("Notizbuch A5", 2, 3990, "NB-A5"),
    ]
    contact = contact_of(engine, "#1001")
    assert (contact.email, contact.first_name, contact.last_name) == (
        "anna.mueller@example.de",
        "Anna",
        "Müller",
    )
    assert (contact.city, contact.postcode, contact.country) == ("München", "80331", "DE")
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "shopify"


def test_shopify_financial_statuses_and_refunds(engine: Engine) -> None:
    import_sample(engine, SHOPIFY)
    found = orders(engine)
    assert found["#1002"].status == "partially_refunded"
    assert refunds(engine)["#1002"] == [("#1002-refund", 2000, "refund")]
    assert (found["#1003"].status, found["#1003"].currency) == ("cancelled", "CHF")
    assert found["#1005"].status == "refunded"
    assert refunds(engine)["#1005"] == [("#1005-refund", 4990, "refund")]
    # partially_paid counts as not yet paid, as in the Shopify connector.
    assert found["#1006"].status == "pending"


def test_shopify_order_with_a_cancellation_date_is_cancelled(engine: Engine) -> None:
    import_text(
        engine,
        "Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Lineitem name,"
        "Lineitem price,Cancelled at\n"
        "#2001,a@example.de,paid,EUR,10.00,2025-07-01 10:00:00 +0200,1,Karte,10.00,"
        "2025-07-02 10:00:00 +0200\n",
    )
    assert orders(engine)["#2001"].status == "cancelled"


def test_shopify_counter_sale_without_email_gets_a_contact_of_its_own(engine: Engine) -> None:
    import_sample(engine, SHOPIFY)
    contact = contact_of(engine, "#1004")
    assert (contact.source_contact_id, contact.email) == ("order:#1004", None)
    assert items_of(engine, "#1004") == [("Postkarte", 3, 1200, "PK-1")]


# --- WooCommerce --------------------------------------------------------------------------------


def test_woocommerce_order_export_field_by_field(engine: Engine) -> None:
    import_sample(engine, WOOCOMMERCE, "Shop")
    order = orders(engine)["4711"]
    assert at(order) == utc(2025, 2, 14, 8, 30)  # the shop's local time
    # Order columns repeated on each product row count once.
    assert (order.gross_cents, order.tax_cents, order.status) == (11900, 1900, "paid")
    assert items_of(engine, "4711") == [
        ("Online-Kurs Grundlagen", 1, 7900, "KURS-1"),
        ("Workbook", 1, 2000, "WB-1"),
    ]
    contact = contact_of(engine, "4711")
    assert (contact.email, contact.first_name, contact.country) == (
        "anna.mueller@example.de",
        "Anna",
        "DE",
    )
    assert contact_of(engine, "4712").company == "Schäfer Söhne GmbH"
    with Session(engine) as session:
        assert session.exec(select(Source.kind)).one() == "woocommerce"


def test_woocommerce_german_status_labels_and_refunds(engine: Engine) -> None:
    import_sample(engine, WOOCOMMERCE)
    found = orders(engine)
    assert found["4712"].status == "partially_refunded"  # "In Bearbeitung", 10.00 refunded
    assert refunds(engine)["4712"] == [("4712-refund", 1000, "refund")]
    assert found["4713"].status == "cancelled"  # "Storniert"
    assert found["4714"].status == "refunded"  # "Rückerstattet", item quantity 0
    assert refunds(engine)["4714"] == [("4714-refund", 5900, "refund")]


def test_woocommerce_order_columns_on_the_first_row_only(engine: Engine) -> None:
    import_text(
        engine,
        "Order Number,Order Status,Order Date,Email (Billing),Order Total Amount,Item Name,"
        "Quantity (- Refund),Item Cost\n"
        "5001,Completed,2025-05-01 10:00,b@example.de,30.00,Kurs,1,20.00\n"
        "5001,,,,,Workbook,1,10.00\n",
    )
    order = orders(engine)["5001"]
    assert (order.gross_cents, order.status) == (3000, "paid")
    assert [name for name, *_ in items_of(engine, "5001")] == ["Kurs", "Workbook"]


# --- Re-import ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [STRIPE, PAYPAL, PAYPAL_EN, SHOPIFY, WOOCOMMERCE])
def test_reimporting_an_export_adds_nothing(engine: Engine, name: str) -> None:
    first = import_sample(engine, name)
    again = import_sample(engine, name)
    assert first.orders_added > 0
    assert (again.orders_added, again.orders_updated, again.refunds_added) == (0, 0, 0)
    assert (again.contacts_added, again.contacts_updated) == (0, 0)


def test_the_docs_name_every_known_format_and_explain_these_four() -> None:
    docs = (Path(__file__).parents[1] / "docs" / "import-format.md").read_text(encoding="utf-8")
    assert all(f"`{fmt.name}`" in docs for fmt in KNOWN_FORMATS)
    for name in ("Stripe", "PayPal", "Shopify", "WooCommerce"):
        assert f"### {name}" in docs, name
