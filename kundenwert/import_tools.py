"""The exports of known tools: header names, value tables and where they come from.

Every format is plain data (:class:`~kundenwert.import_spec.ImportFormat`); the code that reads
files with them is in :mod:`kundenwert.import_formats` and :mod:`kundenwert.importer`. Each
definition cites the public sources its header names and values were taken from: none of
these tools publishes a specification of its export files.
"""

from __future__ import annotations

from kundenwert.import_spec import (
    ROW_CHARGEBACK,
    ROW_REFUND,
    ROW_SKIP,
    ROW_SUBSCRIPTION,
    ImportFormat,
    header_names,
    normalise_value,
    value_table,
)

# --- Digital-product platforms (no API for orders, so their exports are the way in) --------------

# CopeCart "Transaktionen → CSV-Export" (comma separated, one row per transaction: instalments
# and subscription renewals repeat the Bestell-ID).
# Header names and status values from public parsers of real CopeCart exports:
#   github.com/akalaie07/Kalaie-Ledger lib/import/adapters/copecart.ts,
#   app/(dashboard)/import/_lib/platform-configs.ts and
#   app/(dashboard)/import/_components/zahlungsabgleich-wizard.tsx ("Transaktionsstatus",
#   "Bestell-ID", "Kundenname", "Bruttopreis", "Nettopreis", "Zahlungsplan", "Anzahl der Rate");
# payment plans from help.copecart.com/en/articles/3516975-order-overview-feature
# ("Subscription, Installment payment, One-time payment"). CopeCart's column list itself is not
# published; amounts: Bruttopreis is gross, Nettopreis net (tax = gross − net).
COPECART = ImportFormat(
    name="copecart",
    label="CopeCart (Transaktionen)",
    kind="copecart",
    aliases={
        "order_id": header_names("bestell-id | order id"),
        "transaction_id": header_names(
            "transaktions-id | transaktionsnummer | trx-id | transaction id"
        ),
        "installment_id": header_names("anzahl der rate | rate nr. | ratennummer"),
        "date": header_names("transaktionsdatum | bestelldatum | datum | erstellt am | date"),
        "full_name": header_names("kundenname | customer name"),
        "email": header_names("e-mail | e-mail-adresse"),
        "product": header_names("produktname | produkt | product name"),
        "product_id": header_names("produkt-id | product id"),
        "amount": header_names("bruttopreis | bruttobetrag | brutto | gross"),
        "net": header_names("nettopreis | nettobetrag | netto | net"),
        "currency": header_names("währung | currency"),
        "status": header_names("transaktionsstatus | status | transaction status"),
        "kind": header_names("zahlungsplan | payment plan"),
    },
    signatures=(
        frozenset({"bestellid", "transaktionsstatus"}),
        frozenset({"bestellid", "kundenname", "bruttopreis"}),
    ),
    status_values=value_table(
        # A reversed chargeback: the money came back, the payment counts again.
        paid="bezahlt | stornierung der rückbuchung | chargeback storniert",
        pending="ausstehend",
        failed="fehlgeschlagen",
        refunded="erfolgreich erstattet | erstattet",
        partially_refunded="teilweise erstattet | teilerstattung",
        chargeback="rückbuchung erfolgreich | rückbuchung",
    ),
    kind_values=value_table(
        one_time="einmalzahlung | one time payment",
        installment="ratenzahlung | installment payment",
        subscription="abonnement | subscription",
    ),
    transaction_rows=True,
    source="github.com/akalaie07/Kalaie-Ledger lib/import/adapters/copecart.ts",
)

# ablefy (formerly elopage) payments export ("Zahlungen", semicolon separated, upper-case German
# headers, one row per payment; TYP says what the row is, STATUS how it went, BEZAHLT the amount
# actually paid, FÄLLIGER BETRAG the amount due). Header names from public parsers of real
# exports: github.com/akalaie07/Kalaie-Ledger lib/import/adapters/ablefy.ts and
# app/(dashboard)/import/_components/ablefy-import-wizard.tsx ("TRX-ID", "BESTELL-ID",
# "FÄLLIGKEITEN ID", "TYP", "STATUS", "KAEUFER VORNAME", "KAEUFER NACHNAME", "PRODUKTNAME",
# "BEZAHLT", "FÄLLIGER BETRAG", "DATUM", "PLAN", "ZAHLUNGSPLAN"). The e-mail header is not
# shown there; the usual German names are accepted. No public header list of the English
# export was found, so only the German one is recognised.
ELOPAGE = ImportFormat(
    name="elopage",
    label="ablefy / elopage (Zahlungen)",
    kind="elopage",
    aliases={
        "transaction_id": header_names("trx-id | transaktions-id | transaktionsnummer"),
        "order_id": header_names("bestell-id | bestellnummer"),
        "installment_id": header_names("fälligkeiten id | fälligkeit id | rate id"),
        "status": header_names("typ"),
        "status_detail": header_names("status"),
        "first_name": header_names("käufer vorname | käuferin vorname | vorname"),
        "last_name": header_names("käufer nachname | käuferin nachname | nachname"),
        "email": header_names("käufer e-mail | käuferin e-mail | e-mail"),
        "product": header_names("produktname | produkt"),
        "product_id": header_names("produkt id"),
        "amount": header_names("bezahlt"),
        "date": header_names("datum | erstellt am | transaktionsdatum | zahlungsdatum"),
        "kind": header_names("plan | zahlungsplan | zahlungstyp"),
        "currency": header_names("währung"),
        "country": header_names("käufer land | land"),
    },
    signatures=(
        frozenset({"bestellid", "faelligkeitenid"}),
        frozenset({"trxid", "bestellid", "bezahlt"}),
        frozenset({"bestellid", "faelligerbetrag"}),
    ),
    status_values=value_table(
        paid="zahlungseingang | erfolgreich",
        chargeback="rückbuchung",
        refunded="erstattet | erstattung | storniert | storno",
        failed="fehlgeschlagen | abgelehnt | abgelaufen",
    ),
    kind_values=value_table(
        one_time="einmalzahlung | einmalig",
        installment="ratenzahlung",
        subscription="abonnement | abo",
        trial="testzeitraum",
    ),
    transaction_rows=True,
    source="github.com/akalaie07/Kalaie-Ledger lib/import/adapters/ablefy.ts",
)

# Digistore24 "Bestellungen → CSV-Export" (semicolon separated, one row per order with its
# current state, not one per payment). Header names and status values from public parsers of
# real exports: github.com/akalaie07/Kalaie-Ledger lib/import/adapters/digistore.ts and
# app/(dashboard)/import/_lib/platform-configs.ts ("Bestell-ID", "Vorname", "Nachname",
# "E-Mail", "Produktname", "Gesamtbetrag", "Zahlungsstatus", "Abrechnungstyp",
# "Erste Zahlung am"), and a Digistore24 CSV import panel (Supabase app, component
# Digistore24CSVImportPanel) reading "Prd-ID", "Land", "Wiederkehrende Umsätze",
# "Nächste Zahlung am". Amount: the order's gross total.
DIGISTORE24 = ImportFormat(
    name="digistore24",
    label="Digistore24 (Bestellungen)",
    kind="digistore24",
    aliases={
        "order_id": header_names("bestell-id | order id"),
        "product_id": header_names("prd-id | produkt-id | product id"),
        "product": header_names("produktname | produkt | product name"),
        "email": header_names("e-mail"),
        "first_name": header_names("vorname | first name"),
        "last_name": header_names("nachname | last name"),
        "company": header_names("firma | company"),
        "country": header_names("land | country"),
        "city": header_names("ort | stadt | city"),
        "postcode": header_names("plz | postleitzahl | zip code"),
        "amount": header_names(
            "gesamtbetrag | gesamtbruttobetrag | bruttobetrag | wiederkehrende umsätze | betrag"
        ),
        "net": header_names("gesamtnettobetrag | nettobetrag"),
        "currency": header_names("währung | currency"),
        "date": header_names("bestelldatum | erste zahlung am | datum | order date"),
        "status": header_names("zahlungsstatus | payment status"),
        "kind": header_names("abrechnungstyp | zahlungstyp | billing type"),
    },
    signatures=(
        frozenset({"bestellid", "zahlungsstatus", "abrechnungstyp"}),
        frozenset({"bestellid", "prdid"}),
        frozenset({"bestellid", "erstezahlungam"}),
    ),
    status_values=value_table(
        # "Zahlungen aktiv": a running subscription or instalment plan; "Zahlungen abgebrochen":
        # the plan has ended. What was paid is in the amount and counts either way; a return
        # shows in Abrechnungstyp ("Rückgabe"), see refund_kinds.
        paid="vollständig bezahlt | bezahlt | zahlungen aktiv | aktiv | zahlungen abgebrochen",
        failed="mahnungen abgebrochen",
        chargeback="rücklastschrift",
        refunded="rückgabe | erstattet",
    ),
    kind_values=value_table(
        one_time="einmalzahlung | einmalig | single payment | zahlung | rückgabe | erstattung",
        installment="ratenzahlung",
        subscription="abonnement | abo",
    ),
    refund_kinds=frozenset({"rückgabe", "erstattung", "rückerstattung"}),
    source="github.com/akalaie07/Kalaie-Ledger lib/import/adapters/digistore.ts",
)

# --- Payment providers (their APIs have connectors; their exports are what people download) ----

# Stripe Dashboard → Zahlungen/Payments → Exportieren ("unified_payments.csv"; older exports
# "payments.csv"): comma separated, English headers whatever the Dashboard language, one row
# per payment attempt (charge). Header names from public code that reads real exports:
#   gratipay/gratipay.com and gratipay/finances scripts ("Fields in _stripe-payments.csv": id,
#   Description, Created (UTC), Amount, Amount Refunded, Currency, Converted Amount, Converted
#   Amount Refunded, Fee, Tax, Converted Currency, Mode, Status, Customer ID, Customer
#   Description, Customer Email, Captured, Card …, Card Address Country, Disputed Amount,
#   Dispute Status, Dispute Reason, Dispute Date (UTC), Invoice ID, Transfer);
#   a full current header checked against a real archive (70 columns: id, Created date (UTC),
#   Amount, Amount Refunded, Currency, Captured, Converted Amount, Converted Amount Refunded,
#   Converted Currency, Decline Reason, Description, Fee, Mode, PaymentIntent ID, Refunded date
#   (UTC), Status, Taxes On Fee, Card Name, Card Address City/Country/Zip, Customer ID/
#   Description/Email, Shipping Name/Address City/Country/Postal Code, Disputed Amount, Dispute
#   Date (UTC), Dispute Status, Checkout Line Item Summary, …), and docs.cello.so
#   "Generating a Stripe Payment Export" (ID, Description, Created (UTC), Amount, Currency,
#   Converted Amount, Fee, Tax, Converted Currency, Customer ID).
# Values: Status Paid / Refunded (in full) / Failed, a partial refund or a dispute leaves Paid;
# exports of incomplete PaymentIntents carry the API's words (requires_payment_method,
# canceled). Amounts in major units of Currency (lower case "eur"); Fee, Taxes On Fee and
# Converted Amount are in the balance currency (Converted Currency); dates are UTC, ISO
# "2026-07-01 09:12:33". A Dashboard in German or Spanish writes decimal commas ("399,00").
# The charge id (ch_/py_) is the order key and the payment id, as the Stripe connector and
# WooCommerce's Stripe plugin store it; rows without a charge use the PaymentIntent id.
STRIPE = ImportFormat(
    name="stripe",
    label="Stripe (Zahlungen-Export)",
    kind="stripe",
    aliases={
        "order_id": header_names("id"),
        "date": header_names("created date (utc) | created (utc) | created date | created"),
        "amount": header_names("amount"),
        "currency": header_names("currency"),
        "refunded": header_names("amount refunded"),
        "refund_date": header_names("refunded date (utc) | refunded date"),
        "fee": header_names("fee"),
        # Stripe's tax on its own fee ("Tax" in older exports): it lowers the payout.
        "fee_tax": header_names("taxes on fee | tax"),
        "fee_currency": header_names("converted currency"),
        "settled_amount": header_names("converted amount"),
        "status": header_names("status"),
        "customer_id": header_names("customer id"),
        "email": header_names("customer email"),
        "full_name": header_names("card name | customer name"),
        "country": header_names("card address country"),
        "city": header_names("card address city"),
        "postcode": header_names("card address zip"),
        "product": header_names("description"),
        "disputed": header_names("disputed amount"),
        "dispute_status": header_names("dispute status"),
        "dispute_date": header_names("dispute date (utc) | dispute date"),
        "mode": header_names("mode"),
    },
    signatures=(
        frozenset({"id", "createddateutc", "amountrefunded"}),
        frozenset({"id", "createdutc", "amountrefunded"}),
        frozenset({"paymentintentid", "createddateutc"}),
        frozenset({"convertedamount", "amountrefunded", "customeremail"}),
    ),
    fallbacks={
        "order_id": header_names("paymentintent id"),
        "payment_id": header_names("id | paymentintent id"),
        "full_name": header_names("shipping name"),
        "country": header_names("shipping address country | card issue country"),
        "city": header_names("shipping address city"),
        "postcode": header_names("shipping address postal code"),
        "product": header_names("checkout line item summary"),
    },
    status_values=value_table(
        paid="paid | succeeded | disputed",
        pending="pending | uncaptured | incomplete | processing | requires payment method"
        " | requires confirmation | requires action | requires capture",
        cancelled="canceled | cancelled",
        failed="failed | blocked",
    ),
    transaction_rows=True,
    zone="UTC",
    anonymous_buyers=True,
    lost_disputes=frozenset({"lost"}),
    source="gratipay/finances (_stripe-payments.csv field list); docs.cello.so Stripe reports",
)

# PayPal "Aktivitäten → Berichte herunterladen" / Activity download (CSV, comma separated,
# every field quoted, UTF-8 with BOM; German or English headers by account language; the
# columns can be chosen, so they are read by name). Header names from real exports in public
# test data and parsers: replikativ/kontor modules/bank-de/test/resources/paypal.csv (the full
# German 41-column header: Datum, Uhrzeit, Zeitzone, Name, Typ, Status, Währung, Brutto,
# Gebühr, Netto, Absender E-Mail-Adresse, Empfänger E-Mail-Adresse, Transaktionscode, …,
# Artikelbezeichnung, Artikelnummer, …, Umsatzsteuer, …, Zugehöriger Transaktionscode,
# Rechnungsnummer, …, Anzahl, Empfangsnummer, Guthaben, Adresszeile 1, Adresszusatz, Ort,
# Bundesland, PLZ, Land, Telefon, Betreff, Hinweis, Ländervorwahl, Auswirkung auf Guthaben);
# nils-werner/beancount-paypal beancount_paypal/lang.py (German and English names: Date, Time,
# TimeZone, Name, Type, Status, Currency, Gross, Fee, Net, From Email Address, To Email
# Address, Transaction ID, Reference Txn ID, Receipt ID, Item Title; "Bankgutschrift auf
# PayPal-Konto" / "Bank Deposit to PP Account", "Allgemeine Währungsumrechnung" / "General
# Currency Conversion"); OCA/bank-statement-import account_statement_import_paypal
# tests/fixtures/activity_en.csv (a seller's English export: Website Payment, General
# Withdrawal, Payment Hold/Release, fees as negative numbers, dates 29/12/2015 with TimeZone
# PST); aczwink/OpenAccounting GermanActivityPayPalCSVParser.ts (Allgemeine Einbehaltung,
# Allgemeine Abbuchung, Memo rows). The monthly statement ("Beschreibung", "Entgelt") is read
# too. Values: Datum 18.06.2025 (German) or 09/15/2025 / 15/09/2025 (English, order by
# account country), Uhrzeit 14:32:15 in the zone of Zeitzone (CET/CEST, PST/PDT …); amounts
# German "1.234,56" or "1,234.56", refunds and payments sent negative; Gebühr negative.
# A refund is a row of its own (Typ Rückzahlung / Payment Refund, negative Brutto) whose
# Zugehöriger Transaktionscode is the payment it refunds.
PAYPAL = ImportFormat(
    name="paypal",
    label="PayPal (Aktivitäten-Download)",
    kind="paypal",
    aliases={
        "order_id": header_names("transaktionscode | transaction id"),
        "date": header_names("datum | date"),
        "time": header_names("uhrzeit | time"),
        "time_zone": header_names("zeitzone | timezone | time zone"),
        "full_name": header_names("name"),
        "email": header_names("absender e-mail-adresse | from email address"),
        "row_type": header_names("typ | type | beschreibung | description"),
        "status": header_names("status"),
        "currency": header_names("währung | currency"),
        "amount": header_names("brutto | gross"),
        "fee": header_names("gebühr | fee | entgelt"),
        "tax": header_names("umsatzsteuer | sales tax"),
        "refund_of": header_names("zugehöriger transaktionscode | reference txn id"),
        "direction": header_names("auswirkung auf guthaben | balance impact"),
        "product": header_names("artikelbezeichnung | item title"),
        "product_id": header_names("artikelnummer | item id"),
        "quantity": header_names("anzahl | quantity"),
        "country": header_names("ländervorwahl | country code | land | country"),
        "city": header_names("ort | town/city | city"),
        "postcode": header_names("plz | zip/postal code | postal code"),
    },
    signatures=(
        frozenset({"transaktionscode", "brutto", "zeitzone"}),
        frozenset({"transaktionscode", "brutto", "entgelt"}),
        frozenset({"transactionid", "gross", "timezone"}),
        frozenset({"transactionid", "gross", "balanceimpact"}),
    ),
    # Netto is the amount after PayPal's fee, not after VAT.
    ignored=header_names("netto | net"),
    fallbacks={
        "payment_id": header_names("transaktionscode | transaction id"),
        "product": header_names("betreff | subject"),
    },
    status_values=value_table(
        # A payment refunded later keeps its row with the status Refunded / Reversed; where its
        # refund rows are in the file they say how much and when, else it is refunded in full
        # on its own date (the PayPal connector does the same with status V).
        paid="abgeschlossen | completed | cleared",
        refunded="erstattet | rückerstattet | refunded",
        partially_refunded="teilweise erstattet | partially refunded",
        chargeback="zurückgebucht | reversed",
        pending="ausstehend | pending | unclaimed | nicht abgeholt | held | einbehalten"
        " | uncleared | placed",
        cancelled="storniert | canceled | cancelled | removed | entfernt | abgebrochen",
        failed="abgelehnt | denied | fehlgeschlagen | failed",
    ),
    row_types={
        **{
            normalise_value(name): ROW_REFUND
            for name in header_names("rückzahlung | rückerstattung | payment refund | refund")
        },
        **{
            normalise_value(name): ROW_CHARGEBACK
            for name in header_names(
                "rückbuchung | zahlungsrückbuchung | chargeback | payment reversal"
            )
        },
        **{
            normalise_value(name): ROW_SUBSCRIPTION
            for name in header_names(
                "abonnementzahlung | abo-zahlung | subscription payment | recurring payment"
                " | wiederkehrende zahlung"
            )
        },
        **{
            normalise_value(name): ROW_SKIP
            for name in header_names(
                "bankgutschrift auf paypal-konto | bank deposit to pp account"
                " | allgemeine abbuchung | general withdrawal | überweisung als zahlungsquelle"
            )
        },
    },
    skip_type_words=header_names(
        "währungsumrechnung | currency conversion | einbehaltung | hold | freigabe | release"
        " | bankgutschrift | bank deposit | abbuchung | withdrawal | autorisierung"
        " | authorization | authorisation | gebühr | fee | reserve | guthabenanpassung"
        " | balance adjustment | überweisung | transfer"
    ),
    incoming=frozenset({"haben", "credit"}),
    outgoing=frozenset({"soll", "debit"}),
    transaction_rows=True,
    anonymous_buyers=True,
    source="replikativ/kontor modules/bank-de/test/resources/paypal.csv;"
    " nils-werner/beancount-paypal beancount_paypal/lang.py",
)

# --- Shops (their APIs have connectors; order exports are what owners keep) --------------------

# Shopify Admin → Bestellungen/Orders → Exportieren ("orders_export.csv"): comma separated,
# English headers, one row per line item; the order's own columns are filled on its first row
# only. Header names from public code reading real exports: jadwro/allegro_csv_parser
# src/Shopify/types/ShopifyOrderTypeCSV.ts and laplace-live/shopify-csv-converter
# src/types/index.d.ts (Name, Email, Financial Status, Paid at, Fulfillment Status, Fulfilled
# at, Accepts Marketing, Currency, Subtotal, Shipping, Taxes, Total, Discount Code, Discount
# Amount, Shipping Method, Created at, Lineitem quantity/name/price/compare at price/sku/…,
# Billing Name/Street/Address1/Address2/Company/City/Zip/Province/Country/Phone, Shipping …,
# Notes, Note Attributes, Cancelled at, Payment Method, Payment Reference, Refunded Amount,
# Vendor, Outstanding Balance, Employee, Location, Device ID, Id, Tags, Risk Level, Source,
# Lineitem discount, Tax 1 Name/Value …, Phone, Receipt Number, Duties, Billing Province
# Name, Shipping Province Name, Payment ID, Payment Terms Name, Next Payment Due At, Payment
# References); newer exports write "Lineitem SKU", "Lineitem compare-at price", "Canceled at"
# and "Payment Reference (deprecated)". Financial Status values are the API's
# (shopify.dev OrderDisplayFinancialStatus): paid, pending, authorized, partially_paid,
# partially_refunded, refunded, voided, expired. Created at "2024-05-01 09:58:12 +0200";
# Billing Country is the ISO code; Billing Zip may carry Excel's protecting apostrophe.
# Payment ID / Payment References are Shopify's own payment references, not a provider's id.
SHOPIFY = ImportFormat(
    name="shopify",
    label="Shopify (Bestellungen-Export)",
    kind="shopify",
    aliases={
        "order_id": header_names("name"),
        "date": header_names("created at"),
        "email": header_names("email"),
        "status": header_names("financial status"),
        "currency": header_names("currency"),
        "amount": header_names("total"),
        "tax": header_names("taxes"),
        "refunded": header_names("refunded amount"),
        "cancelled_at": header_names("cancelled at | canceled at"),
        "payment_id": header_names(
            "payment id | payment references | payment reference (deprecated) | payment reference"
        ),
        "product": header_names("lineitem name"),
        "quantity": header_names("lineitem quantity"),
        "unit_price": header_names("lineitem price"),
        "product_id": header_names("lineitem sku"),
        "full_name": header_names("billing name"),
        "company": header_names("billing company"),
        "city": header_names("billing city"),
        "postcode": header_names("billing zip"),
        "country": header_names("billing country"),
    },
    signatures=(
        frozenset({"name", "financialstatus", "lineitemquantity"}),
        frozenset({"financialstatus", "lineitemname", "paidat"}),
    ),
    fallbacks={
        "full_name": header_names("shipping name"),
        "company": header_names("shipping company"),
        "city": header_names("shipping city"),
        "postcode": header_names("shipping zip"),
        "country": header_names("shipping country"),
    },
    order_level=frozenset(
        {
            "date",
            "email",
            "status",
            "currency",
            "amount",
            "tax",
            "refunded",
            "cancelled_at",
            "payment_id",
            "full_name",
            "company",
            "city",
            "postcode",
            "country",
        }
    ),
    status_values=value_table(
        # As the Shopify connector: partly paid counts as not yet paid; an order with a
        # cancellation date is cancelled whatever its financial status (see cancelled_at).
        paid="paid",
        pending="pending | authorized | partially paid",
        cancelled="voided",
        failed="expired",
    ),
    anonymous_buyers=True,
    source="jadwro/allegro_csv_parser src/Shopify/types/ShopifyOrderTypeCSV.ts",
)

# WooCommerce has no order export of its own (Analytics → Orders downloads a report without
# e-mail addresses). The de-facto standard is the plugin "Advanced Order Export For
# WooCommerce" (algolplus, woo-order-export-lite); its default field labels, as written in real
# exports read by public code: Order Number, Order Status, Order Date, Customer Note, First
# Name (Billing), Last Name (Billing), Company (Billing), Address 1&2 (Billing), City
# (Billing), State Code (Billing), Postcode (Billing), Country Code (Billing), Email
# (Billing), Phone (Billing), … (Shipping), Payment Method Title, Cart Discount Amount, Order
# Subtotal Amount, Shipping Method Title, Order Shipping Amount, Order Refund Amount, Order
# Total Amount, Order Total Tax Amount, SKU, Item #, Item Name, Quantity (- Refund), Item Cost,
# Coupon Code, Discount Amount, Discount Amount Tax (a parser's WOOCOMMERCE_ORDER_FIELD_MAP
# and several scripts reading "Email (Billing)" / "Order Total Amount"); older plugin versions
# (excelWithBusiness/woo-order-export-lite classes/class-wc-order-export-data-extractor.php)
# also offer "Transaction Id", "Zip (Billing)", "Full Name (Billing)", "Currency". One row per
# product; the order's columns are repeated or left empty on its further rows. Order Status is
# WooCommerce's status label in the shop's language; Order Date the shop's local time.
WOOCOMMERCE = ImportFormat(
    name="woocommerce",
    label="WooCommerce (Advanced Order Export)",
    kind="woocommerce",
    aliases={
        "order_id": header_names("order number | order id"),
        "date": header_names("order date"),
        "status": header_names("order status"),
        "email": header_names("email (billing) | customer user email"),
        "first_name": header_names("first name (billing)"),
        "last_name": header_names("last name (billing)"),
        "full_name": header_names("full name (billing)"),
        "company": header_names("company (billing)"),
        "city": header_names("city (billing)"),
        "postcode": header_names("postcode (billing) | zip (billing)"),
        "country": header_names("country code (billing) | country name (billing)"),
        "amount": header_names("order total amount"),
        "tax": header_names("order total tax amount | order tax amount"),
        "refunded": header_names("order refund amount"),
        "currency": header_names("order currency | currency"),
        "payment_id": header_names("transaction id"),
        "product": header_names("item name | product name"),
        "quantity": header_names("quantity (- refund) | quantity"),
        "unit_price": header_names("item cost"),
        "product_id": header_names("sku"),
    },
    signatures=(
        frozenset({"ordernumber", "emailbilling"}),
        frozenset({"ordertotalamount", "orderstatus"}),
    ),
    order_level=frozenset(
        {
            "date",
            "status",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "company",
            "city",
            "postcode",
            "country",
            "amount",
            "tax",
            "refunded",
            "currency",
            "payment_id",
        }
    ),
    status_values=value_table(
        # The same mapping as the WooCommerce connector: processing and completed are paid.
        paid="completed | abgeschlossen | fertiggestellt | processing | in bearbeitung"
        " | wc completed | wc processing",
        pending="on hold | in wartestellung | wartend | pending payment | zahlung ausstehend"
        " | draft | entwurf | checkout draft | wc on hold | wc pending | wc checkout draft",
        cancelled="cancelled | storniert | abgebrochen | trash | papierkorb | wc cancelled",
        refunded="refunded | rückerstattet | erstattet | wc refunded",
        failed="failed | fehlgeschlagen | wc failed",
    ),
    anonymous_buyers=True,
    source="Advanced Order Export For WooCommerce default labels"
    " (excelWithBusiness/woo-order-export-lite)",
)

TOOL_FORMATS: tuple[ImportFormat, ...] = (
    COPECART,
    ELOPAGE,
    DIGISTORE24,
    STRIPE,
    PAYPAL,
    SHOPIFY,
    WOOCOMMERCE,
)
