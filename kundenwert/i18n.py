"""The message catalogue and the locale-aware formats of the dashboard.

Every text a person reads in the UI comes from :data:`MESSAGES` through :func:`t`: German by
default, English on request. Numbers, money and dates are formatted with babel in the same
language: ``1.234,56 €`` and ``31.12.2025`` in German, ``€1,234.56`` and ``2025-12-31`` in
English (ISO dates, because en_GB and en_US disagree on day and month order).

Money arrives as integer cents; it becomes a ``Decimal`` only here, for display.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

import polars as pl
from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_compact_currency, format_currency, format_decimal

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"
LOCALES = {"de": "de_DE", "en": "en_GB"}
_DATE_PATTERNS = {"de": "dd.MM.yyyy", "en": "yyyy-MM-dd"}
# st.column_config.DateColumn takes moment.js patterns.
_DATE_COLUMN_FORMATS = {"de": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
_DATETIME_COLUMN_FORMATS = {"de": "DD.MM.YYYY HH:mm", "en": "YYYY-MM-DD HH:mm"}
# Plotly's layout.separators: decimal mark, then thousands separator.
_PLOTLY_SEPARATORS = {"de": ",.", "en": ".,"}
_DECIMAL_MARKS = {"de": ",", "en": "."}

MESSAGES: dict[str, dict[str, str]] = {
    # --- frame, navigation, sidebar ------------------------------------------------------------
    "app.title": {"de": "Kundenwert", "en": "Kundenwert"},
    "nav.customers": {"de": "Kunden", "en": "Customers"},
    "nav.matrix": {"de": "Kundenmatrix", "en": "Customer matrix"},
    "nav.customer": {"de": "Kunde", "en": "Customer"},
    "nav.duplicates": {"de": "Dubletten", "en": "Duplicates"},
    "nav.sources": {"de": "Datenquellen", "en": "Data sources"},
    "nav.settings": {"de": "Einstellungen", "en": "Settings"},
    "nav.quality": {"de": "Datenqualität", "en": "Data quality"},
    "nav.section_analysis": {"de": "Auswertung", "en": "Analysis"},
    "nav.section_people": {"de": "Personen", "en": "People"},
    "nav.section_data": {"de": "Daten", "en": "Data"},
    "sidebar.language": {"de": "Sprache / Language", "en": "Sprache / Language"},
    "sidebar.basis": {"de": "Wertbasis", "en": "Value basis"},
    "sidebar.basis_help": {
        "de": "Welcher Betrag einer Bestellung zählt: Brutto (was der Kunde bezahlt hat, inkl. "
        "USt.), Netto (ohne USt.) oder Auszahlung (ohne USt. und ohne Gebühren/Provision).",
        "en": "Which amount of an order counts: gross (what the customer paid, VAT included), "
        "net (without VAT) or payout (without VAT and without fees/commission).",
    },
    "sidebar.currency": {
        "de": "Alle Beträge in {currency}, Basis: {basis}.",
        "en": "All amounts in {currency}, basis: {basis}.",
    },
    "app.demo_notice": {
        "de": "Demo-Daten: Diese Datenbank enthält erfundene Kunden und Bestellungen zum "
        "Ausprobieren. Für echte Zahlen eine neue Datenbank anlegen und unter Datenquellen "
        "importieren.",
        "en": "Demo data: this database holds made-up customers and orders to try things out. "
        "For real figures, start a new database and import under Data sources.",
    },
    "app.loading": {"de": "Daten werden geladen …", "en": "Loading data …"},
    "empty.title": {"de": "Noch keine Daten", "en": "No data yet"},
    "empty.body": {
        "de": "Die Datenbank enthält noch keine Kunden. So geht es los:\n\n"
        "1. Unter **Datenquellen** einen CSV- oder Excel-Export importieren (Digistore24, "
        "CopeCart, ablefy/elopage oder eine eigene Tabelle), oder\n"
        "2. zum Ausprobieren Demo-Daten anlegen: `python -m kundenwert demo`",
        "en": "The database holds no customers yet. To get started:\n\n"
        "1. Import a CSV or Excel export under **Data sources** (Digistore24, CopeCart, "
        "ablefy/elopage or a table of your own), or\n"
        "2. create demo data to try things out: `python -m kundenwert demo`",
    },
    "empty.to_sources": {"de": "Zu den Datenquellen", "en": "Go to data sources"},
    "common.open_customer": {"de": "Kunde öffnen", "en": "Open customer"},
    "common.descending": {"de": "absteigend", "en": "descending"},
    "common.ascending": {"de": "aufsteigend", "en": "ascending"},
    "common.direction": {"de": "Reihenfolge", "en": "Order"},
    "common.sort_by": {"de": "Sortieren nach", "en": "Sort by"},
    "common.page_size": {"de": "Pro Seite", "en": "Per page"},
    "common.page": {"de": "Seite (von {pages})", "en": "Page (of {pages})"},
    "common.yes_do": {"de": "Ja, ausführen", "en": "Yes, do it"},
    "common.cancel": {"de": "Abbrechen", "en": "Cancel"},
    "common.none": {"de": "–", "en": "–"},
    "common.error": {"de": "Das ging nicht: {message}", "en": "That did not work: {message}"},
    "common.select_hint": {
        "de": "Eine Zeile anklicken (Kästchen links), um den Kunden zu öffnen.",
        "en": "Click a row (box on the left) to open the customer.",
    },
    "common.yes": {"de": "ja", "en": "yes"},
    "common.no": {"de": "nein", "en": "no"},
    # --- column labels -------------------------------------------------------------------------
    "col.person_id": {"de": "Nr.", "en": "No."},
    "col.name": {"de": "Name", "en": "Name"},
    "col.email": {"de": "E-Mail", "en": "E-mail"},
    "col.company": {"de": "Firma", "en": "Company"},
    "col.country": {"de": "Land", "en": "Country"},
    "col.city": {"de": "Ort", "en": "City"},
    "col.postcode": {"de": "PLZ", "en": "Postcode"},
    "col.sources": {"de": "Quellen", "en": "Sources"},
    "col.contacts": {"de": "Kontakte", "en": "Contacts"},
    "col.orders": {"de": "Bestellungen", "en": "Orders"},
    "col.first_order": {"de": "Erste Bestellung", "en": "First order"},
    "col.last_order": {"de": "Letzte Bestellung", "en": "Last order"},
    "col.value": {"de": "Kundenwert ({basis})", "en": "Customer value ({basis})"},
    "col.refunds": {"de": "Erstattungen ({basis})", "en": "Refunds ({basis})"},
    "col.chargebacks": {"de": "Rückbuchungen ({basis})", "en": "Chargebacks ({basis})"},
    "col.from_invoices": {"de": "aus Rechnungen", "en": "from invoices"},
    "col.total": {"de": "Gesamt ({basis})", "en": "Total ({basis})"},
    "col.source": {"de": "Quelle", "en": "Source"},
    "col.kind": {"de": "Art", "en": "Type"},
    "col.tool": {"de": "Programm", "en": "Tool"},
    "col.date": {"de": "Datum", "en": "Date"},
    "col.order_id": {"de": "Bestell-Nr.", "en": "Order no."},
    "col.status": {"de": "Status", "en": "Status"},
    "col.currency": {"de": "Währung", "en": "Currency"},
    "col.original_amount": {
        "de": "Betrag (brutto, Originalwährung)",
        "en": "Amount (gross, original currency)",
    },
    "col.rate": {"de": "Kurs (1 EUR =)", "en": "Rate (1 EUR =)"},
    "col.rate_day": {"de": "Kurs vom", "en": "Rate of"},
    "col.order_value": {"de": "Wert ({basis}, {currency})", "en": "Value ({basis}, {currency})"},
    "col.counted": {"de": "Zählt", "en": "Counted"},
    "col.excluded_reason": {"de": "Warum nicht gezählt", "en": "Why not counted"},
    "col.products": {"de": "Produkte", "en": "Products"},
    "col.product": {"de": "Produkt", "en": "Product"},
    "col.quantity": {"de": "Menge", "en": "Quantity"},
    "col.last_bought": {"de": "Zuletzt gekauft", "en": "Last bought"},
    "col.link": {"de": "Link", "en": "Link"},
    "col.link_text": {"de": "öffnen", "en": "open"},
    "col.created_at": {"de": "Angelegt", "en": "Created"},
    "col.contact_id": {"de": "Kunden-Nr. in der Quelle", "en": "Customer id at source"},
    "col.amount": {"de": "Betrag", "en": "Amount"},
    "col.reason": {"de": "Grund", "en": "Reason"},
    "col.event": {"de": "Ereignis", "en": "Event"},
    "col.detail": {"de": "Details", "en": "Details"},
    "col.at": {"de": "Zeitpunkt", "en": "Time"},
    "col.action": {"de": "Aktion", "en": "Action"},
    "col.moved_to": {"de": "Jetzt bei Nr.", "en": "Now with no."},
    "col.moved_from": {"de": "Kam von Nr.", "en": "Came from no."},
    "col.contact_ids": {"de": "Kontakt-IDs", "en": "Contact ids"},
    "col.note": {"de": "Notiz", "en": "Note"},
    "col.undone_at": {"de": "Rückgängig gemacht am", "en": "Undone on"},
    "col.log_id": {"de": "Eintrag", "en": "Entry"},
    "col.counts_towards_totals": {"de": "Zählt zu den Summen", "en": "Counts towards totals"},
    "col.counted_orders": {"de": "Gezählte Bestellungen", "en": "Counted orders"},
    "col.last_import": {"de": "Letzter Import", "en": "Last import"},
    "col.person_a": {"de": "Person A", "en": "Person A"},
    "col.person_b": {"de": "Person B", "en": "Person B"},
    "col.canonical": {"de": "Feld in Kundenwert", "en": "Field in Kundenwert"},
    "col.file_column": {"de": "Spalte in der Datei", "en": "Column in the file"},
    "col.row": {"de": "Zeile", "en": "Row"},
    "col.column": {"de": "Spalte", "en": "Column"},
    "col.problem": {"de": "Problem", "en": "Problem"},
    # --- Kunden --------------------------------------------------------------------------------
    "customers.caption": {
        "de": "Jede Person mit ihrem Kundenwert über alle Quellen: Summe der gezählten "
        "Bestellungen abzüglich Erstattungen und Rückbuchungen, {basis}, in {currency}.",
        "en": "Every person with their customer value across all sources: counted orders minus "
        "refunds and chargebacks, {basis}, in {currency}.",
    },
    "customers.search": {"de": "Suche", "en": "Search"},
    "customers.search_placeholder": {
        "de": "Name, Firma oder E-Mail",
        "en": "Name, company or e-mail",
    },
    "customers.range": {
        "de": "{start}–{end} von {total} Kunden",
        "en": "{start}–{end} of {total} customers",
    },
    "customers.none_found": {
        "de": "Keine Kunden gefunden für „{search}“.",
        "en": "No customers found for “{search}”.",
    },
    "customers.download": {"de": "Liste als CSV herunterladen", "en": "Download list as CSV"},
    "customers.download_help": {
        "de": "Alle {total} passenden Kunden in dieser Sortierung (Excel-tauglich: "
        "Semikolon, Dezimalkomma).",
        "en": "All {total} matching customers in this order.",
    },
    "customers.filename": {"de": "kunden.csv", "en": "customers.csv"},
    "customers.download_xlsx": {"de": "Als Excel (.xlsx)", "en": "As Excel (.xlsx)"},
    "customers.download_xlsx_help": {
        "de": "Alle {total} passenden Kunden in dieser Sortierung als Excel-Arbeitsmappe: "
        "Beträge als Zahlen, Daten als Datum.",
        "en": "All {total} matching customers in this order as an Excel workbook: amounts as "
        "numbers, dates as dates.",
    },
    "customers.filename_xlsx": {"de": "kunden.xlsx", "en": "customers.xlsx"},
    # --- Kundenmatrix --------------------------------------------------------------------------
    "matrix.caption": {
        "de": "Kundenwert je Person und Quelle ({basis}, {currency}). „aus Rechnungen“ ist die "
        "Summe der Rechnungsprogramme (sevDesk, lexoffice); die Quellen-Spalten ergeben "
        "zusammen den Gesamtwert. Nur Personen mit mindestens einer gezählten Bestellung.",
        "en": "Customer value per person and source ({basis}, {currency}). “from invoices” is "
        "the sum of the invoicing programs (sevDesk, lexoffice); the source columns add up to "
        "the total. Only persons with at least one counted order.",
    },
    "matrix.chart_title": {
        "de": "Kundenwert nach Quelle ({basis}, {currency})",
        "en": "Customer value by source ({basis}, {currency})",
    },
    "matrix.invoices_share": {
        "de": "Davon aus Rechnungen: {amount}",
        "en": "Of which from invoices: {amount}",
    },
    "matrix.empty": {
        "de": "Noch keine gezählten Bestellungen: Die Matrix füllt sich, sobald Bestellungen "
        "mit Status bezahlt, erstattet oder Rückbuchung importiert sind.",
        "en": "No counted orders yet: the matrix fills once orders with status paid, refunded "
        "or chargeback are imported.",
    },
    "matrix.range": {
        "de": "{start}–{end} von {total} Personen",
        "en": "{start}–{end} of {total} persons",
    },
    "matrix.filename": {"de": "kundenmatrix.csv", "en": "customer-matrix.csv"},
    "matrix.download": {"de": "Matrix als CSV herunterladen", "en": "Download matrix as CSV"},
    # --- Kunde ---------------------------------------------------------------------------------
    "customer.choose": {
        "de": "Kunde suchen (Name, E-Mail oder Nr.)",
        "en": "Find a customer (name, e-mail or no.)",
    },
    "customer.choose_other": {"de": "Anderen Kunden öffnen", "en": "Open another customer"},
    "customer.pick": {"de": "Treffer", "en": "Matches"},
    "customer.pick_placeholder": {"de": "Person auswählen", "en": "Choose a person"},
    "customer.no_match": {
        "de": "Niemand gefunden für „{search}“.",
        "en": "Nobody found for “{search}”.",
    },
    "customer.start": {
        "de": "Kunden über die Suche oben wählen oder in der Kundenliste anklicken.",
        "en": "Choose a customer with the search above or click one in the customer list.",
    },
    "customer.not_found": {
        "de": "Kunde Nr. {person} gibt es nicht (mehr).",
        "en": "Customer no. {person} does not exist (any more).",
    },
    "customer.heading": {"de": "{name} · Nr. {person}", "en": "{name} · no. {person}"},
    "customer.unnamed": {"de": "Ohne Namen", "en": "No name"},
    "customer.back": {"de": "Zur Kundenliste", "en": "Back to the customer list"},
    "customer.merged_into": {
        "de": "Nr. {person} wurde mit Nr. {target} zusammengeführt; dort steht jetzt alles. Im "
        "Verlauf von Nr. {target} lässt sich das rückgängig machen.",
        "en": "No. {person} was merged into no. {target}; everything is there now. The history "
        "of no. {target} can undo it.",
    },
    "customer.value": {"de": "Kundenwert ({basis})", "en": "Customer value ({basis})"},
    "customer.value_help": {
        "de": "Summe der gezählten Bestellungen abzüglich Erstattungen und Rückbuchungen, "
        "{basis}, in {currency}.",
        "en": "Counted orders minus refunds and chargebacks, {basis}, in {currency}.",
    },
    "customer.orders": {"de": "Gezählte Bestellungen", "en": "Counted orders"},
    "customer.orders_help": {
        "de": "Bestellungen mit Status bezahlt, (teilweise) erstattet oder Rückbuchung, die "
        "keine Regel ausschließt.",
        "en": "Orders with status paid, (partially) refunded or chargeback that no rule excludes.",
    },
    "customer.average_order": {"de": "Ø Bestellwert ({basis})", "en": "Avg. order ({basis})"},
    "customer.first_order": {"de": "Erste Bestellung", "en": "First order"},
    "customer.last_order": {"de": "Letzte Bestellung", "en": "Last order"},
    "customer.refunds": {"de": "Erstattungen ({basis})", "en": "Refunds ({basis})"},
    "customer.chargebacks": {"de": "Rückbuchungen ({basis})", "en": "Chargebacks ({basis})"},
    "customer.by_source": {"de": "Wert nach Quelle", "en": "Value by source"},
    "customer.no_value": {
        "de": "Keine gezählten Bestellungen, daher kein Wert je Quelle.",
        "en": "No counted orders, so no value per source.",
    },
    "customer.contacts": {"de": "Persönliche Daten je Quelle", "en": "Personal data by source"},
    "customer.orders_table": {
        "de": "Bestellungen und Rechnungen",
        "en": "Orders and invoices",
    },
    "customer.orders_caption": {
        "de": "Alle Bestellungen, auch nicht gezählte. Fremdwährungen werden mit dem "
        "EZB-Referenzkurs des Bestelltags umgerechnet (sonst dem letzten davor).",
        "en": "Every order, counted or not. Foreign currencies are converted with the ECB "
        "reference rate of the order day (else the last one before).",
    },
    "customer.products": {"de": "Gekaufte Produkte", "en": "Products bought"},
    "customer.no_products": {"de": "Keine Produkte erfasst.", "en": "No products recorded."},
    "customer.refunds_table": {
        "de": "Erstattungen und Rückbuchungen",
        "en": "Refunds and chargebacks",
    },
    "customer.refunds_caption": {
        "de": "Beträge brutto in der Währung der Bestellung.",
        "en": "Amounts gross in the order's currency.",
    },
    "customer.no_refunds": {
        "de": "Keine Erstattungen oder Rückbuchungen.",
        "en": "No refunds or chargebacks.",
    },
    "customer.timeline": {"de": "Verlauf", "en": "Activity"},
    "customer.timeline_table": {"de": "Verlauf als Tabelle", "en": "Activity as a table"},
    "customer.no_timeline": {"de": "Noch keine Ereignisse.", "en": "No events yet."},
    "customer.history": {"de": "Zusammenführungen", "en": "Merge history"},
    "customer.no_history": {
        "de": "Keine Zusammenführungen für diese Person.",
        "en": "No merges for this person.",
    },
    "customer.merge": {
        "de": "Mit anderer Person zusammenführen",
        "en": "Merge with another person",
    },
    "customer.merge_help": {
        "de": "Alle Kontakte der gewählten Person kommen zu dieser Person. Das lässt sich im "
        "Verlauf rückgängig machen.",
        "en": "Every contact of the chosen person moves to this person. The history can undo it.",
    },
    "customer.merge_search": {
        "de": "Andere Person suchen (Nr., E-Mail oder Name)",
        "en": "Find the other person (no., e-mail or name)",
    },
    "customer.merge_placeholder": {
        "de": "z. B. 1234 oder name@beispiel.de",
        "en": "e.g. 1234 or name@example.com",
    },
    "customer.merge_button": {"de": "Zusammenführen …", "en": "Merge …"},
    "customer.merge_confirm": {
        "de": "{other} mit allen Kontakten zu {person} verschieben?",
        "en": "Move {other} with all contacts to {person}?",
    },
    "customer.merged": {
        "de": "Zusammengeführt: Nr. {other} gehört jetzt zu Nr. {person}.",
        "en": "Merged: no. {other} now belongs to no. {person}.",
    },
    "customer.note": {"de": "Notiz (optional)", "en": "Note (optional)"},
    "customer.split": {"de": "Kontakt abtrennen", "en": "Split a contact off"},
    "customer.split_help": {
        "de": "Die gewählten Kontakte werden zu einer neuen Person (z. B. eine gemeinsam "
        "genutzte E-Mail-Adresse).",
        "en": "The chosen contacts become a new person (e.g. a shared e-mail address).",
    },
    "customer.split_pick": {"de": "Kontakte", "en": "Contacts"},
    "customer.split_button": {"de": "Abtrennen …", "en": "Split off …"},
    "customer.split_confirm": {
        "de": "{count} Kontakt(e) von {person} abtrennen und als neue Person anlegen?",
        "en": "Split {count} contact(s) off {person} into a new person?",
    },
    "customer.split_done": {
        "de": "Abgetrennt: Die Kontakte gehören jetzt zu Nr. {new}.",
        "en": "Split off: the contacts now belong to no. {new}.",
    },
    "customer.split_single": {
        "de": "Diese Person hat nur einen Kontakt; abtrennen geht erst ab zwei.",
        "en": "This person has a single contact; splitting needs at least two.",
    },
    "customer.undo": {"de": "Rückgängig machen", "en": "Undo"},
    "customer.undo_pick": {"de": "Eintrag", "en": "Entry"},
    "customer.undo_button": {"de": "Rückgängig machen …", "en": "Undo …"},
    "customer.undo_confirm": {
        "de": "Eintrag #{log} rückgängig machen? Die Kontakte gehen dorthin zurück, woher sie "
        "kamen.",
        "en": "Undo entry #{log}? The contacts go back to where they came from.",
    },
    "customer.undone": {
        "de": "Eintrag #{log} rückgängig gemacht; die Kontakte gehören jetzt zu Nr. {person}.",
        "en": "Entry #{log} undone; the contacts now belong to no. {person}.",
    },
    "customer.nothing_to_undo": {
        "de": "Nichts rückgängig zu machen.",
        "en": "Nothing to undo.",
    },
    "customer.log_label": {
        "de": "#{log} · {date} · {action} ({reason})",
        "en": "#{log} · {date} · {action} ({reason})",
    },
    "customer.person_label": {
        "de": "Nr. {person} · {name} · {email} · {value}",
        "en": "No. {person} · {name} · {email} · {value}",
    },
    "customer.contact_label": {
        "de": "{source}: {email} ({name})",
        "en": "{source}: {email} ({name})",
    },
    "customer.open_person": {"de": "Nr. {person} öffnen", "en": "Open no. {person}"},
    "customer.person_ref": {"de": "Nr. {person}", "en": "no. {person}"},
    # --- Dubletten -----------------------------------------------------------------------------
    "duplicates.caption": {
        "de": "Personen, die wahrscheinlich dieselbe Kundin / derselbe Kunde sind, aber nicht "
        "automatisch zusammengeführt wurden (verschiedene E-Mail-Adressen). Bitte prüfen und "
        "bei Bedarf zusammenführen.",
        "en": "Persons that are probably the same customer but were not merged automatically "
        "(different e-mail addresses). Please check and merge where right.",
    },
    "duplicates.none": {
        "de": "Keine wahrscheinlichen Dubletten gefunden.",
        "en": "No probable duplicates found.",
    },
    "duplicates.count": {
        "de": "{count} mögliche Dubletten",
        "en": "{count} possible duplicates",
    },
    "duplicates.select_hint": {
        "de": "Eine Zeile anklicken, um beide Personen zu vergleichen und zusammenzuführen.",
        "en": "Click a row to compare both persons and merge them.",
    },
    "duplicates.merge_button": {
        "de": "B in A zusammenführen …",
        "en": "Merge B into A …",
    },
    # --- Datenquellen --------------------------------------------------------------------------
    "sources.caption": {
        "de": "Jede Quelle ist ein Konto eines Programms (mehrere Konten desselben Programms "
        "sind normal). Werte {basis}, in {currency}.",
        "en": "Every source is one account of a tool (several accounts of the same tool are "
        "normal). Values {basis}, in {currency}.",
    },
    "sources.none": {
        "de": "Noch keine Datenquellen. Der erste Import unten legt eine an.",
        "en": "No data sources yet. The first import below creates one.",
    },
    "sources.import": {"de": "Datei importieren", "en": "Import a file"},
    "sources.import_caption": {
        "de": "CSV- oder Excel-Export (Digistore24, CopeCart, ablefy/elopage oder eigene "
        "Tabelle mit Bestell-Nr., Datum, E-Mail und Betrag). Erst wird eine Vorschau gezeigt; "
        "gespeichert wird erst mit „Importieren“.",
        "en": "CSV or Excel export (Digistore24, CopeCart, ablefy/elopage or a table of your "
        "own with order id, date, e-mail and amount). A preview comes first; nothing is stored "
        "before “Import”.",
    },
    "sources.file": {"de": "Datei", "en": "File"},
    "sources.label": {"de": "Quelle (Konto)", "en": "Source (account)"},
    "sources.new_label": {"de": "Neue Quelle …", "en": "New source …"},
    "sources.target": {"de": "Importieren in", "en": "Import into"},
    "sources.label_help": {
        "de": "Jedes Konto eines Programms ist eine eigene Quelle. Ein erneuter Import derselben "
        "Datei in dieselbe Quelle fügt nichts doppelt hinzu.",
        "en": "Every account of a tool is a source of its own. Importing the same file into the "
        "same source again adds nothing twice.",
    },
    "sources.label_exists": {
        "de": "„{label}“ gibt es schon; der Import ergänzt diese Quelle.",
        "en": "“{label}” exists already; the import adds to that source.",
    },
    "sources.new_label_input": {
        "de": "Name der neuen Quelle",
        "en": "Name of the new source",
    },
    "sources.new_label_placeholder": {
        "de": "z. B. Digistore24 Hauptkonto",
        "en": "e.g. Digistore24 main account",
    },
    "sources.format": {"de": "Format", "en": "Format"},
    "sources.format_auto": {"de": "automatisch erkennen", "en": "detect automatically"},
    "sources.preview": {"de": "Vorschau", "en": "Preview"},
    "sources.detected": {
        "de": "Erkanntes Format: **{format}** · {mode} · {rows} Zeilen",
        "en": "Detected format: **{format}** · {mode} · {rows} rows",
    },
    "sources.mode_orders": {"de": "Bestellungen", "en": "orders"},
    "sources.mode_customers": {
        "de": "Kundenliste (nur Kontakte)",
        "en": "customer list (contacts only)",
    },
    "sources.mapping": {"de": "Zugeordnete Spalten", "en": "Mapped columns"},
    "sources.unmapped": {
        "de": "Nicht verwendete Spalten: {columns}",
        "en": "Columns not used: {columns}",
    },
    "sources.first_rows": {"de": "Erste Zeilen", "en": "First rows"},
    "sources.problems": {
        "de": "{count} Problem(e) in der Datei – so wird nichts importiert:",
        "en": "{count} problem(s) in the file – nothing is imported like this:",
    },
    "sources.no_problems": {
        "de": "Keine Probleme gefunden.",
        "en": "No problems found.",
    },
    "sources.import_button": {"de": "Importieren", "en": "Import"},
    "sources.need_label": {
        "de": "Bitte einen Namen für die Quelle angeben.",
        "en": "Please name the source.",
    },
    "sources.imported": {
        "de": "Import in „{label}“ fertig: {summary}",
        "en": "Import into “{label}” done: {summary}",
    },
    "sources.preview_failed": {
        "de": "Die Datei lässt sich nicht lesen: {message}",
        "en": "The file cannot be read: {message}",
    },
    # --- Einstellungen -------------------------------------------------------------------------
    "settings.rules": {"de": "Testbestellungen ausschließen", "en": "Exclude test orders"},
    "settings.rules_caption": {
        "de": "Bestellungen, die eine dieser Regeln trifft, zählen nirgends mit, bleiben aber "
        "unten zur Kontrolle aufgelistet. Ab Werk ist keine Regel aktiv.",
        "en": "Orders matching one of these rules count nowhere but stay listed below for "
        "review. No rule is on by default.",
    },
    "settings.rules_emails": {
        "de": "Eigene E-Mail-Adressen (eine pro Zeile)",
        "en": "Own e-mail addresses (one per line)",
    },
    "settings.rules_domains": {
        "de": "Eigene Domains (eine pro Zeile, z. B. meinefirma.de)",
        "en": "Own domains (one per line, e.g. mycompany.com)",
    },
    "settings.rules_zero": {
        "de": "Bestellungen mit einem Betrag von 0,00 ausschließen",
        "en": "Exclude orders with an amount of 0.00",
    },
    "settings.rules_sandbox": {
        "de": "Von der Quelle als Test/Sandbox markierte Bestellungen ausschließen",
        "en": "Exclude orders the source marked as test/sandbox",
    },
    "settings.rules_save": {"de": "Regeln speichern", "en": "Save rules"},
    "settings.rules_saved": {
        "de": "Regeln gespeichert; alle Zahlen sind neu berechnet.",
        "en": "Rules saved; every figure is recalculated.",
    },
    "settings.excluded": {"de": "Nicht gezählte Bestellungen", "en": "Orders not counted"},
    "settings.excluded_caption": {
        "de": "Bestellungen, die eine Regel ausschließt (Testbestellung, doppelte Zahlung, "
        "Quelle zählt nicht, kein Wechselkurs). Stornierte, offene und fehlgeschlagene "
        "Bestellungen zählen ohnehin nicht und stehen hier nicht.",
        "en": "Orders a rule leaves out (test order, duplicate payment, source not counted, no "
        "exchange rate). Cancelled, pending and failed orders never count and are not listed.",
    },
    "settings.excluded_count": {
        "de": "{count} Bestellungen nicht gezählt",
        "en": "{count} orders not counted",
    },
    "settings.excluded_newest": {
        "de": "Die neuesten {shown} stehen in der Tabelle.",
        "en": "The newest {shown} are in the table.",
    },
    "settings.excluded_none": {
        "de": "Keine Bestellung ist ausgeschlossen.",
        "en": "No order is excluded.",
    },
    "settings.rates": {"de": "EZB-Wechselkurse", "en": "ECB exchange rates"},
    "settings.rates_caption": {
        "de": "Für Bestellungen in Fremdwährungen: die Referenzkurse der EZB als "
        "eurofxref-hist.zip oder .csv hochladen (ecb.europa.eu → Euro foreign exchange "
        "reference rates). Bereits bekannte Kurse bleiben, neue kommen dazu.",
        "en": "For orders in foreign currencies: upload the ECB reference rates as "
        "eurofxref-hist.zip or .csv (ecb.europa.eu → Euro foreign exchange reference rates). "
        "Known rates stay, new ones are added.",
    },
    "settings.rates_file": {"de": "EZB-Datei", "en": "ECB file"},
    "settings.rates_button": {"de": "Kurse importieren", "en": "Import rates"},
    "settings.rates_done": {
        "de": "{count} neue Kurse gespeichert.",
        "en": "{count} new rates stored.",
    },
    "settings.rates_known": {
        "de": "Bekannte Kurse: {count} ({currencies} Währungen, {first} bis {last}).",
        "en": "Known rates: {count} ({currencies} currencies, {first} to {last}).",
    },
    "settings.rates_none": {
        "de": "Noch keine Wechselkurse gespeichert.",
        "en": "No exchange rates stored yet.",
    },
    "settings.missing_rates": {
        "de": "{count} Bestellung(en) ohne Wechselkurs zählen nicht mit. EZB-Kurse importieren, "
        "dann zählen sie.",
        "en": "{count} order(s) without exchange rate do not count. Import the ECB rates and "
        "they will.",
    },
    "settings.installation": {"de": "Installation", "en": "Installation"},
    "settings.installation_caption": {
        "de": "Diese Einstellungen kommen aus Umgebungsvariablen (KUNDENWERT_*) oder der Datei "
        ".env und werden beim Start gelesen.",
        "en": "These settings come from environment variables (KUNDENWERT_*) or the .env file "
        "and are read at start.",
    },
    "settings.base_currency": {"de": "Basiswährung", "en": "Base currency"},
    "settings.default_basis": {"de": "Standard-Wertbasis", "en": "Default value basis"},
    "settings.database": {"de": "Datenbank", "en": "Database"},
    "settings.inactivity": {
        "de": "Inaktiv nach {days} Tagen ohne Bestellung",
        "en": "Inactive after {days} days without an order",
    },
    # --- Datenquellen: connected accounts ------------------------------------------------------
    "accounts.title": {"de": "Konten", "en": "Accounts"},
    "accounts.caption": {
        "de": "Jede Quelle einzeln: zählt sie zu den Summen, Zugangsdaten, letzte "
        "Synchronisierung. Zugangsdaten werden verschlüsselt gespeichert und nie wieder "
        "vollständig angezeigt.",
        "en": "Every source on its own: whether it counts towards totals, credentials, last "
        "sync. Credentials are stored encrypted and never shown in full again.",
    },
    "accounts.import_only": {
        "de": "Datei-Import (keine Schnittstelle)",
        "en": "File import (no API)",
    },
    "accounts.summary": {
        "de": "{tool} · {contacts} Kontakte · {orders} Bestellungen",
        "en": "{tool} · {contacts} contacts · {orders} orders",
    },
    "accounts.base_url": {"de": "Adresse", "en": "Address"},
    "accounts.official_url": {
        "de": "offizielle Adresse ({url})",
        "en": "official address ({url})",
    },
    "accounts.keys": {"de": "Zugangsdaten", "en": "Credentials"},
    "accounts.key_stored": {"de": "gespeichert ({masked})", "en": "stored ({masked})"},
    "accounts.key_unreadable": {
        "de": "gespeichert, aber nicht entschlüsselbar (Schlüssel geändert?): bitte unter "
        "„Bearbeiten“ neu eingeben",
        "en": "stored but cannot be decrypted (key changed?): please enter them again under “Edit”",
    },
    "accounts.counts": {"de": "Zählt zu den Summen", "en": "Counts towards totals"},
    "accounts.counts_help": {
        "de": "Aus: Die Bestellungen dieser Quelle bleiben sichtbar, zählen aber in keinem "
        "Kundenwert und keiner Summe (z. B. ein Testkonto oder ein Zahlungsanbieter, dessen "
        "Zahlungen schon im Shop stehen).",
        "en": "Off: the orders of this source stay visible but count in no customer value and "
        "no total (e.g. a test account, or a payment provider whose payments are already in "
        "the shop).",
    },
    "accounts.counts_on": {
        "de": "„{label}“ zählt jetzt zu den Summen.",
        "en": "“{label}” now counts towards totals.",
    },
    "accounts.counts_off": {
        "de": "„{label}“ zählt nicht mehr zu den Summen.",
        "en": "“{label}” no longer counts towards totals.",
    },
    "accounts.never_synced": {"de": "Noch nie synchronisiert.", "en": "Never synced yet."},
    "accounts.last_sync": {
        "de": "Letzte Synchronisierung: {status}, {at}",
        "en": "Last sync: {status}, {at}",
    },
    "accounts.run_counts": {
        "de": "{contacts_added} Kontakte neu, {contacts_updated} aktualisiert; "
        "{orders_added} Bestellungen neu, {orders_updated} aktualisiert; {refunds_added} "
        "Erstattungen neu.",
        "en": "{contacts_added} contacts new, {contacts_updated} updated; {orders_added} orders "
        "new, {orders_updated} updated; {refunds_added} refunds new.",
    },
    "sync_status.ok": {"de": "erfolgreich", "en": "successful"},
    "sync_status.failed": {"de": "fehlgeschlagen", "en": "failed"},
    "sync_status.running": {"de": "läuft", "en": "running"},
    "accounts.test": {"de": "Verbindung testen", "en": "Test connection"},
    "accounts.test_ok": {
        "de": "Verbindung zu {tool} klappt: {contacts} Kontakte und {orders} Bestellungen auf "
        "der ersten Seite gelesen (nichts gespeichert).",
        "en": "Connection to {tool} works: {contacts} contacts and {orders} orders read on the "
        "first page (nothing stored).",
    },
    "accounts.test_failed": {
        "de": "Verbindung zu {tool} fehlgeschlagen: {error}",
        "en": "Connection to {tool} failed: {error}",
    },
    "accounts.sync": {"de": "Jetzt synchronisieren", "en": "Sync now"},
    "accounts.syncing": {"de": "„{label}“ wird synchronisiert …", "en": "Syncing “{label}” …"},
    "accounts.synced": {
        "de": "„{label}“ synchronisiert: {summary}",
        "en": "“{label}” synced: {summary}",
    },
    "accounts.sync_failed": {
        "de": "Synchronisierung von „{label}“ fehlgeschlagen: {error}",
        "en": "Sync of “{label}” failed: {error}",
    },
    "accounts.sync_all": {"de": "Alle synchronisieren", "en": "Sync all"},
    "accounts.sync_all_done": {
        "de": "{ok} von {total} Konten synchronisiert.",
        "en": "{ok} of {total} accounts synced.",
    },
    "accounts.edit": {"de": "Bearbeiten", "en": "Edit"},
    "accounts.label": {"de": "Name des Kontos", "en": "Account name"},
    "accounts.label_placeholder": {"de": "z. B. Shop DE", "en": "e.g. Shop DE"},
    "accounts.keep_key": {
        "de": "Leer lassen: die gespeicherten Zugangsdaten bleiben.",
        "en": "Leave empty to keep the stored credentials.",
    },
    "accounts.need_all_keys": {
        "de": "Neue Zugangsdaten bitte vollständig eingeben (alle Felder) oder alle leer lassen.",
        "en": "Enter new credentials completely (every field) or leave them all empty.",
    },
    "accounts.save": {"de": "Speichern", "en": "Save"},
    "accounts.saved": {"de": "„{label}“ gespeichert.", "en": "“{label}” saved."},
    "accounts.remove": {"de": "Entfernen …", "en": "Remove …"},
    "accounts.remove_confirm": {
        "de": "„{label}“ entfernen? Dabei werden {contacts} Kontakte und {orders} Bestellungen "
        "gelöscht; Personen ohne weitere Kontakte verschwinden mit. Das lässt sich nicht "
        "rückgängig machen.",
        "en": "Remove “{label}”? This deletes {contacts} contacts and {orders} orders; persons "
        "without other contacts go too. This cannot be undone.",
    },
    "accounts.remove_yes": {"de": "Ja, entfernen", "en": "Yes, remove"},
    "accounts.removed": {
        "de": "„{label}“ entfernt: {contacts} Kontakte, {orders} Bestellungen und {persons} "
        "Personen gelöscht.",
        "en": "“{label}” removed: {contacts} contacts, {orders} orders and {persons} persons "
        "deleted.",
    },
    "accounts.connect": {"de": "Konto verbinden", "en": "Connect an account"},
    "accounts.connect_caption": {
        "de": "Ein Konto eines Programms mit Schnittstelle; mehrere Konten desselben Programms "
        "gehen, jedes mit eigenem Namen.",
        "en": "An account of a tool with an API; several accounts of the same tool work, each "
        "with a name of its own.",
    },
    "accounts.tool": {"de": "Programm", "en": "Tool"},
    "accounts.base_url_default": {
        "de": "Leer lassen für die offizielle Adresse: {url}",
        "en": "Leave empty for the official address: {url}",
    },
    "accounts.base_url_own": {
        "de": "Die Adresse des eigenen Kontos, z. B. https://shop.example.de",
        "en": "Your own account's address, e.g. https://shop.example.com",
    },
    "accounts.connect_button": {"de": "Verbinden", "en": "Connect"},
    "accounts.connected": {
        "de": "„{label}“ verbunden, Zugangsdaten verschlüsselt gespeichert. Jetzt „Verbindung "
        "testen“ oder „Jetzt synchronisieren“.",
        "en": "“{label}” connected, credentials stored encrypted. Now “Test connection” or "
        "“Sync now”.",
    },
    "credential.api_key": {"de": "API-Schlüssel", "en": "API key"},
    "credential.api_token": {"de": "API-Token", "en": "API token"},
    "credential.consumer_key": {"de": "Consumer Key", "en": "Consumer key"},
    "credential.consumer_secret": {"de": "Consumer Secret", "en": "Consumer secret"},
    "credential.secret_key": {
        "de": "Secret Key (sk_live_…) oder eingeschränkter Schlüssel",
        "en": "Secret key (sk_live_…) or restricted key",
    },
    # --- Datenqualität -------------------------------------------------------------------------
    "quality.caption": {
        "de": "Was beim Zusammenführen der Quellen aufgefallen ist. Jede Zahl öffnet die "
        "Datensätze dahinter; eine Zeile anklicken öffnet die Person.",
        "en": "What stood out when bringing the sources together. Every number opens the "
        "records behind it; click a row to open the person.",
    },
    "quality.no_email": {"de": "Ohne E-Mail", "en": "Without e-mail"},
    "quality.no_email_help": {
        "de": "Bestellungen oder Rechnungen, deren Kontakt keine E-Mail-Adresse hat: Sie lassen "
        "sich keiner anderen Quelle zuordnen und stehen als eigene Person da.",
        "en": "Orders or invoices whose contact has no e-mail address: they cannot be matched "
        "with any other source and stand as a person of their own.",
    },
    "quality.duplicate_invoice_numbers": {
        "de": "Doppelte Rechnungsnummern",
        "en": "Duplicate invoice numbers",
    },
    "quality.duplicate_invoice_numbers_help": {
        "de": "Dieselbe Rechnungsnummer in zwei Rechnungsprogrammen (sevDesk, lexoffice): "
        "vermutlich eine Rechnung, zweimal erfasst. Die Zahl zählt Rechnungsnummern.",
        "en": "The same invoice number in two invoicing programs (sevDesk, lexoffice): probably "
        "one invoice recorded twice. The number counts invoice numbers.",
    },
    "quality.shared_payments": {
        "de": "Zahlungen in zwei Quellen",
        "en": "Payments seen in two sources",
    },
    "quality.shared_payments_help": {
        "de": "Dieselbe Zahlungs-ID in mehreren Quellen (Shop und Zahlungsanbieter). Sie zählt "
        "einmal; die Spalte „Zählt“ zeigt, wo. Die Zahl zählt Zahlungen.",
        "en": "The same payment id in several sources (shop and payment provider). It counts "
        "once; the “Counted” column shows where. The number counts payments.",
    },
    "quality.foreign_currency": {"de": "Fremdwährung", "en": "Foreign currency"},
    "quality.foreign_currency_help": {
        "de": "Bestellungen in einer anderen Währung als {currency}, mit dem verwendeten "
        "EZB-Kurs. Ohne Kurs zählt die Bestellung nicht.",
        "en": "Orders in another currency than {currency}, with the ECB rate used. Without a "
        "rate the order does not count.",
    },
    "quality.test_orders": {"de": "Testbestellungen", "en": "Test orders"},
    "quality.test_orders_help": {
        "de": "Bestellungen, die eine Testbestellungs-Regel (Einstellungen) ausschließt.",
        "en": "Orders a test-order rule (settings) leaves out.",
    },
    "quality.no_country": {"de": "Ohne Land", "en": "Without country"},
    "quality.no_country_help": {
        "de": "Kontakte ohne Land: Sie fehlen in Auswertungen nach Land.",
        "en": "Contacts without a country: they are missing from figures by country.",
    },
    "quality.records": {"de": "Datensätze: {title}", "en": "Records: {title}"},
    "quality.nothing": {"de": "Nichts gefunden.", "en": "Nothing found."},
    "quality.shown": {
        "de": "Die ersten {shown} von {total} stehen in der Tabelle.",
        "en": "The first {shown} of {total} are in the table.",
    },
    "col.payment_id": {"de": "Zahlungs-ID", "en": "Payment id"},
    "col.amount_base": {"de": "Betrag ({basis}, {currency})", "en": "Amount ({basis}, {currency})"},
    # --- import report -------------------------------------------------------------------------
    "report.summary": {
        "de": "{rows} Zeilen gelesen; {contacts_added} Kontakte neu, {contacts_updated} "
        "aktualisiert; {orders_added} Bestellungen neu, {orders_updated} aktualisiert; "
        "{refunds_added} Erstattungen neu.",
        "en": "{rows} rows read; {contacts_added} contacts new, {contacts_updated} updated; "
        "{orders_added} orders new, {orders_updated} updated; {refunds_added} refunds new.",
    },
    # --- value basis ---------------------------------------------------------------------------
    "basis.gross": {"de": "brutto", "en": "gross"},
    "basis.net": {"de": "netto", "en": "net"},
    "basis.payout": {"de": "Auszahlung", "en": "payout"},
    "basis_long.gross": {"de": "Brutto (inkl. USt.)", "en": "Gross (VAT included)"},
    "basis_long.net": {"de": "Netto (ohne USt.)", "en": "Net (without VAT)"},
    "basis_long.payout": {
        "de": "Auszahlung (ohne USt. und Gebühren)",
        "en": "Payout (without VAT and fees)",
    },
    # --- order status and kind -----------------------------------------------------------------
    "status.paid": {"de": "bezahlt", "en": "paid"},
    "status.refunded": {"de": "erstattet", "en": "refunded"},
    "status.partially_refunded": {"de": "teilweise erstattet", "en": "partially refunded"},
    "status.chargeback": {"de": "Rückbuchung", "en": "chargeback"},
    "status.cancelled": {"de": "storniert", "en": "cancelled"},
    "status.pending": {"de": "offen", "en": "pending"},
    "status.failed": {"de": "fehlgeschlagen", "en": "failed"},
    "kind.one_time": {"de": "Einmalkauf", "en": "one-time"},
    "kind.subscription": {"de": "Abo", "en": "subscription"},
    "kind.installment": {"de": "Ratenzahlung", "en": "instalment"},
    "kind.trial": {"de": "Testphase", "en": "trial"},
    "kind.invoice": {"de": "Rechnung", "en": "invoice"},
    # --- tools (source kinds) ------------------------------------------------------------------
    "tool.digistore24": {"de": "Digistore24", "en": "Digistore24"},
    "tool.copecart": {"de": "CopeCart", "en": "CopeCart"},
    "tool.elopage": {"de": "ablefy (elopage)", "en": "ablefy (elopage)"},
    "tool.ablefy": {"de": "ablefy (elopage)", "en": "ablefy (elopage)"},
    "tool.stripe": {"de": "Stripe", "en": "Stripe"},
    "tool.paypal": {"de": "PayPal", "en": "PayPal"},
    "tool.woocommerce": {"de": "WooCommerce", "en": "WooCommerce"},
    "tool.shopify": {"de": "Shopify", "en": "Shopify"},
    "tool.sevdesk": {"de": "sevDesk", "en": "sevDesk"},
    "tool.lexoffice": {"de": "lexoffice", "en": "lexoffice"},
    "tool.csv": {"de": "CSV/Excel-Import", "en": "CSV/Excel import"},
    "tool.generic": {"de": "CSV/Excel (allgemein)", "en": "CSV/Excel (generic)"},
    # --- why an order does not count -----------------------------------------------------------
    "excluded.source_not_counted": {
        "de": "Quelle zählt nicht zu den Summen",
        "en": "Source does not count towards totals",
    },
    "excluded.test_order": {"de": "Testbestellung (Regel)", "en": "Test order (rule)"},
    "excluded.no_rate": {
        "de": "Kein Wechselkurs für das Bestelldatum",
        "en": "No exchange rate for the order date",
    },
    "excluded.duplicate_payment": {
        "de": "Dieselbe Zahlung schon in einer anderen Quelle gezählt",
        "en": "Same payment already counted in another source",
    },
    "excluded.status": {
        "de": "Status zählt nicht ({status})",
        "en": "Status does not count ({status})",
    },
    # --- identity ------------------------------------------------------------------------------
    "merge_action.merge": {"de": "zusammengeführt", "en": "merged"},
    "merge_action.split": {"de": "abgetrennt", "en": "split off"},
    "merge_reason.same_email": {"de": "gleiche E-Mail-Adresse", "en": "same e-mail address"},
    "merge_reason.manual": {"de": "von Hand", "en": "by hand"},
    "merge_reason.undo": {"de": "Rückgängig", "en": "undo"},
    "duplicate_reason.same_name_postcode": {
        "de": "gleicher Name und gleiche PLZ",
        "en": "same name and postcode",
    },
    "duplicate_reason.similar_email": {
        "de": "ähnliche E-Mail-Adresse (Tippfehler?)",
        "en": "similar e-mail address (typo?)",
    },
    # --- refunds and timeline ------------------------------------------------------------------
    "refund_reason.refund": {"de": "Erstattung", "en": "refund"},
    "refund_reason.chargeback": {"de": "Rückbuchung", "en": "chargeback"},
    "event.contact": {"de": "Kontakt angelegt", "en": "contact created"},
    "event.order": {"de": "Bestellung", "en": "order"},
    "event.refund": {"de": "Erstattung", "en": "refund"},
    "event.chargeback": {"de": "Rückbuchung", "en": "chargeback"},
    # --- sortable customer columns (sort select box) -------------------------------------------
    "sort.value": {"de": "Kundenwert", "en": "Customer value"},
    "sort.name": {"de": "Name", "en": "Name"},
    "sort.email": {"de": "E-Mail", "en": "E-mail"},
    "sort.company": {"de": "Firma", "en": "Company"},
    "sort.country": {"de": "Land", "en": "Country"},
    "sort.city": {"de": "Ort", "en": "City"},
    "sort.postcode": {"de": "PLZ", "en": "Postcode"},
    "sort.orders": {"de": "Bestellungen", "en": "Orders"},
    "sort.first_order": {"de": "Erste Bestellung", "en": "First order"},
    "sort.last_order": {"de": "Letzte Bestellung", "en": "Last order"},
    "sort.refunds": {"de": "Erstattungen", "en": "Refunds"},
    "sort.person_id": {"de": "Nr.", "en": "No."},
    "sort.predicted_value": {"de": "Potenzieller Kundenwert", "en": "Potential customer value"},
    "sort.prob_alive": {"de": "Wahrscheinlich aktiv", "en": "Probably active"},
    "sort.total": {"de": "Gesamt", "en": "Total"},
    "sort.from_invoices": {"de": "aus Rechnungen", "en": "from invoices"},
    # --- analytics: date range -----------------------------------------------------------------
    "nav.overview": {"de": "Übersicht", "en": "Overview"},
    "nav.rfm": {"de": "RFM", "en": "RFM"},
    "range.label": {"de": "Zeitraum", "en": "Date range"},
    "range.preset.last_30_days": {"de": "Letzte 30 Tage", "en": "Last 30 days"},
    "range.preset.this_month": {"de": "Dieser Monat", "en": "This month"},
    "range.preset.last_month": {"de": "Letzter Monat", "en": "Last month"},
    "range.preset.this_quarter": {"de": "Dieses Quartal", "en": "This quarter"},
    "range.preset.this_year": {"de": "Dieses Jahr", "en": "This year"},
    "range.preset.last_12_months": {"de": "Letzte 12 Monate", "en": "Last 12 months"},
    "range.preset.all_time": {"de": "Gesamter Zeitraum", "en": "All time"},
    "range.preset.custom": {"de": "Eigener Zeitraum", "en": "Custom range"},
    "range.from": {"de": "Von", "en": "From"},
    "range.to": {"de": "Bis", "en": "To"},
    "range.help": {
        "de": "Deutsche Kalendertage, beide Tage eingeschlossen. „Dieser Monat/dieses "
        "Quartal/dieses Jahr“ laufen bis heute. Der Zeitraum steht in der Adresse: ein "
        "Lesezeichen öffnet dieselbe Ansicht.",
        "en": "German calendar days, both days included. “This month/quarter/year” run up to "
        "today. The range is kept in the address: a bookmark opens the same view.",
    },
    "range.caption": {
        "de": "{start} – {end} ({days} Tage), verglichen mit {prev_start} – {prev_end}. "
        "Beträge {basis} in {currency}.",
        "en": "{start} – {end} ({days} days), compared with {prev_start} – {prev_end}. "
        "Amounts {basis} in {currency}.",
    },
    "range.empty": {
        "de": "Im Zeitraum {start} – {end} gibt es keine gezählten Bestellungen.",
        "en": "There are no counted orders between {start} and {end}.",
    },
    "range.data_span": {
        "de": "Bestellungen gibt es vom {first} bis zum {last}. Einen anderen Zeitraum wählen "
        "oder alles zeigen:",
        "en": "There are orders from {first} to {last}. Choose another range or show all:",
    },
    "range.show_all": {"de": "Gesamten Zeitraum zeigen", "en": "Show all time"},
    # --- Übersicht -----------------------------------------------------------------------------
    "overview.section.customers": {"de": "Kunden", "en": "Customers"},
    "overview.section.revenue": {"de": "Umsatz", "en": "Revenue"},
    "overview.section.value": {"de": "Kundenwert", "en": "Customer value"},
    "overview.section.refunds": {"de": "Erstattungen", "en": "Refunds"},
    "overview.section.types": {"de": "Kaufarten", "en": "Purchase types"},
    "overview.window": {
        "de": "Zeitraum {start} – {end}; Vorperiode {prev_start} – {prev_end}: {previous}.",
        "en": "Range {start} – {end}; previous period {prev_start} – {prev_end}: {previous}.",
    },
    "overview.exact": {"de": "Genau: {amount}.", "en": "Exactly: {amount}."},
    "overview.no_change": {
        "de": "Keine Veränderung in % (Vorperiode 0).",
        "en": "No change in % (previous period 0).",
    },
    "kpi.customers": {"de": "Kunden", "en": "Customers"},
    "kpi.customers_help": {
        "de": "Personen mit mindestens einer gezählten Bestellung im Zeitraum.",
        "en": "Persons with at least one counted order in the range.",
    },
    "kpi.new_customers": {"de": "Neukunden", "en": "New"},
    "kpi.new_customers_help": {
        "de": "Personen, deren allererste gezählte Bestellung im Zeitraum liegt.",
        "en": "Persons whose very first counted order lies in the range.",
    },
    "kpi.returning_customers": {"de": "Wiederkehrend", "en": "Returning"},
    "kpi.returning_customers_help": {
        "de": "Personen mit einer gezählten Bestellung im Zeitraum und einer davor.",
        "en": "Persons with a counted order in the range and one before it.",
    },
    "kpi.lost_customers": {"de": "Verloren", "en": "Lost"},
    "kpi.lost_customers_help": {
        "de": "Personen, deren letzte Bestellung {days} Tage (Inaktivitätsfenster) zurückliegt, "
        "wobei der Tag, an dem das Fenster ablief, im Zeitraum liegt.",
        "en": "Persons whose last order was {days} days (inactivity window) ago, with the day "
        "the window ran out inside the range.",
    },
    "kpi.acquired_per_day": {"de": "Neukunden/Tag", "en": "New per day"},
    "kpi.acquired_per_day_help": {
        "de": "Neukunden geteilt durch die Tage im Zeitraum.",
        "en": "New customers divided by the days in the range.",
    },
    "kpi.revenue": {"de": "Umsatz ({basis})", "en": "Revenue ({basis})"},
    "kpi.revenue_help": {
        "de": "Wert der gezählten Bestellungen im Zeitraum abzüglich Erstattungen und "
        "Rückbuchungen (am Tag der Bestellung).",
        "en": "Value of the counted orders in the range minus refunds and chargebacks (on the "
        "order's day).",
    },
    "kpi.orders": {"de": "Bestellungen", "en": "Orders"},
    "kpi.orders_help": {
        "de": "Gezählte Bestellungen im Zeitraum (ohne Gutschriften).",
        "en": "Counted orders in the range (credit notes excluded).",
    },
    "kpi.aov": {"de": "Ø Bestellwert", "en": "Avg. order value"},
    "kpi.aov_help": {"de": "Umsatz geteilt durch Bestellungen.", "en": "Revenue / orders."},
    "kpi.revenue_per_customer": {"de": "Umsatz/Kunde", "en": "Revenue/customer"},
    "kpi.revenue_per_customer_help": {
        "de": "Umsatz geteilt durch Kunden.",
        "en": "Revenue / customers.",
    },
    "kpi.orders_per_customer": {"de": "Bestell./Kunde", "en": "Orders/customer"},
    "kpi.orders_per_customer_help": {
        "de": "Bestellungen geteilt durch Kunden.",
        "en": "Orders / customers.",
    },
    "kpi.avg_ltv": {"de": "Ø Kundenwert", "en": "Average LTV"},
    "kpi.avg_ltv_help": {
        "de": "Kundenwert aller Personen über die ganze Zeit geteilt durch die Zahl der "
        "Personen; hängt nicht vom Zeitraum ab.",
        "en": "All-time value of all persons divided by the number of persons; does not "
        "depend on the range.",
    },
    "kpi.top20_customers": {"de": "Top 20 %: Kunden", "en": "Top 20 %: customers"},
    "kpi.top20_customers_help": {
        "de": "Die ⌈Kunden / 5⌉ Personen mit dem höchsten Wert im Zeitraum.",
        "en": "The ⌈customers / 5⌉ persons with the highest value in the range.",
    },
    "kpi.top20_revenue_share": {"de": "Top 20 %: Anteil", "en": "Top 20 %: share"},
    "kpi.top20_revenue_share_help": {
        "de": "Anteil der Top 20 % am Umsatz des Zeitraums.",
        "en": "Share of the range's revenue that the top 20 % bring.",
    },
    "kpi.refunds": {"de": "Erstattet ({basis})", "en": "Refunds ({basis})"},
    "kpi.refunds_help": {
        "de": "Erstattete und zurückgebuchte Beträge der Bestellungen im Zeitraum.",
        "en": "Refunded and charged-back amounts of the orders in the range.",
    },
    "kpi.refund_rate": {"de": "Erstattungsquote", "en": "Refund rate"},
    "kpi.refund_rate_help": {
        "de": "Erstattungen geteilt durch den Umsatz vor Erstattungen.",
        "en": "Refunds divided by revenue before refunds.",
    },
    "kpi.refunded_customers": {"de": "Erstattete Kunden", "en": "Refunded customers"},
    "kpi.refunded_customers_help": {
        "de": "Personen mit einer Erstattung oder Rückbuchung im Zeitraum.",
        "en": "Persons with a refund or chargeback in the range.",
    },
    "kpi.trial_only": {"de": "Nur Test", "en": "Trial only"},
    "kpi.trial_only_help": {
        "de": "Kunden, deren Bestellungen im Zeitraum alle Testphasen sind.",
        "en": "Customers whose orders in the range are all trials.",
    },
    "kpi.one_time": {"de": "Einmalkauf", "en": "One-time"},
    "kpi.one_time_help": {
        "de": "Kunden mit Einmalkäufen oder Rechnungen, ohne Abo und Ratenzahlung im Zeitraum.",
        "en": "Customers with one-time purchases or invoices, no subscription or instalments "
        "in the range.",
    },
    "kpi.recurring": {"de": "Abo/Raten", "en": "Recurring"},
    "kpi.recurring_help": {
        "de": "Kunden mit einer Abo- oder Ratenzahlung im Zeitraum.",
        "en": "Customers with a subscription or instalment payment in the range.",
    },
    "overview.lifecycle_title": {
        "de": "Neue, wiederkehrende und verlorene Kunden",
        "en": "New, returning and lost customers",
    },
    "overview.freq": {"de": "Je", "en": "Per"},
    "freq.day": {"de": "Tag", "en": "Day"},
    "freq.week": {"de": "Woche", "en": "Week"},
    "freq.month": {"de": "Monat", "en": "Month"},
    "series.new": {"de": "Neu", "en": "New"},
    "series.returning": {"de": "Wiederkehrend", "en": "Returning"},
    "series.lost": {"de": "Verloren", "en": "Lost"},
    "series.revenue_new": {"de": "Umsatz Neukunden", "en": "Revenue from new customers"},
    "series.revenue_returning": {
        "de": "Umsatz wiederkehrende Kunden",
        "en": "Revenue from returning customers",
    },
    "overview.revenue_title": {
        "de": "Umsatz nach neuen und wiederkehrenden Kunden ({basis}, {currency})",
        "en": "Revenue by new and returning customers ({basis}, {currency})",
    },
    "overview.cohorts_title": {"de": "Kohorten: Wiederkauf", "en": "Cohorts: retention"},
    "overview.measure": {"de": "Zeigen", "en": "Show"},
    "measure.customers": {"de": "Kunden (% der Kohorte)", "en": "Customers (% of cohort)"},
    "measure.revenue": {"de": "Umsatz", "en": "Revenue"},
    "cohort.x": {"de": "Monate seit der ersten Bestellung", "en": "Months since first order"},
    "cohort.y": {"de": "Kohorte (Monat der ersten Bestellung)", "en": "Cohort (first order month)"},
    "cohort.caption": {
        "de": "Personen nach dem Monat ihrer ersten Bestellung (im Zeitraum) gruppiert; jede "
        "Spalte zeigt, wie viele von ihnen in diesem Monat wieder bestellt haben bzw. welchen "
        "Umsatz sie brachten.",
        "en": "Persons grouped by the month of their first order (in the range); each column "
        "shows how many of them ordered in that month, or the revenue they brought.",
    },
    "cohort.none": {
        "de": "Im Zeitraum hat niemand zum ersten Mal bestellt: keine Kohorten.",
        "en": "Nobody ordered for the first time in the range: no cohorts.",
    },
    # --- RFM -----------------------------------------------------------------------------------
    "rfm.caption": {
        "de": "Recency (Tage seit der letzten Bestellung), Frequency (Bestelltage) und "
        "Monetary (Kundenwert, {basis}) bekommen je eine Punktzahl 1–5 nach Quintilen; "
        "FM = (F + M) / 2 aufgerundet. Das Raster ordnet jede Zelle einem Segment zu.",
        "en": "Recency (days since the last order), frequency (order days) and monetary "
        "(customer value, {basis}) each score 1–5 by quintile; FM = (F + M) / 2 rounded half "
        "up. The grid maps every cell to one segment.",
    },
    "rfm.as_of": {"de": "Stichtag", "en": "As of"},
    "rfm.history": {"de": "Bestellungen", "en": "Orders"},
    "rfm.history.all": {"de": "Alle bis zum Stichtag", "en": "All history up to the day"},
    "rfm.history.range": {"de": "Nur im Zeitraum", "en": "Range only"},
    "rfm.empty": {
        "de": "Bis zum {as_of} gibt es keine gezählten Bestellungen: niemand hat Punkte.",
        "en": "There are no counted orders up to {as_of}: nobody is scored.",
    },
    "rfm.scored": {
        "de": "{persons} Personen bewertet, Stichtag {as_of}.",
        "en": "{persons} persons scored, as of {as_of}.",
    },
    "rfm.grid_title": {"de": "R × FM-Raster", "en": "R × FM grid"},
    "rfm.axis_r": {"de": "R (5 = kürzlich)", "en": "R (5 = recent)"},
    "rfm.axis_fm": {"de": "FM (5 = oft und viel)", "en": "FM (5 = often and much)"},
    "rfm.cell_hover": {
        "de": "R {r}, FM {fm}: {segment}<br>{persons} Personen, {value}",
        "en": "R {r}, FM {fm}: {segment}<br>{persons} persons, {value}",
    },
    "rfm.summary_title": {"de": "Segmente", "en": "Segments"},
    "rfm.cutoffs_title": {"de": "Grenzen der Punktzahlen", "en": "Score cut-offs"},
    "rfm.cutoffs_caption": {
        "de": "Kleinster und größter Wert je Punktzahl (gleiche Werte bekommen immer dieselbe "
        "Punktzahl, daher können Stufen fehlen).",
        "en": "Smallest and largest value per score (equal values always share a score, so a "
        "score can be empty).",
    },
    "rfm.segment_pick": {"de": "Segment", "en": "Segment"},
    "rfm.segment_persons": {
        "de": "{persons} Personen im Segment {segment}",
        "en": "{persons} persons in the segment {segment}",
    },
    # --- Kundenreise ---------------------------------------------------------------------------
    "nav.journey": {"de": "Kundenreise", "en": "Customer journey"},
    "journey.caption": {
        "de": "Personen, deren erste gezählte Bestellung im Zeitraum liegt, und die Quellen "
        "ihrer Bestellungen nach Datum (auch nach dem Zeitraum). Aufeinanderfolgende "
        "Bestellungen in derselben Quelle sind ein Schritt. Breite = Personen; Wert = was sie "
        "im Zielschritt gekauft haben ({basis}, nach Erstattungen).",
        "en": "Persons whose first counted order lies in the range, and the sources of their "
        "orders by date (also after the range). Consecutive orders in the same source are one "
        "step. Width = persons; value = what they bought in the target step ({basis}, after "
        "refunds).",
    },
    "journey.steps": {"de": "Schritte", "en": "Steps"},
    "journey.steps_help": {
        "de": "Wie viele Quellenwechsel höchstens gezeigt werden (Schritt 1 = erste Quelle).",
        "en": "How many changes of source to show at most (step 1 = first source).",
    },
    "journey.node": {"de": "{step}. {source}", "en": "{step}. {source}"},
    "journey.link_hover": {
        "de": "{source} → {target}<br>{persons} Personen, {value}",
        "en": "{source} → {target}<br>{persons} persons, {value}",
    },
    "journey.chart_title": {"de": "Von Quelle zu Quelle", "en": "From source to source"},
    "journey.flows_title": {"de": "Übergänge", "en": "Moves"},
    "journey.summary_title": {
        "de": "Bleiben oder weiterziehen (nach erster Quelle)",
        "en": "Stay or move on (by first source)",
    },
    "journey.metric_persons": {"de": "Neue Personen im Zeitraum", "en": "New persons in range"},
    "journey.metric_moved": {"de": "Zogen weiter", "en": "Moved on"},
    "journey.metric_stayed": {"de": "Blieben in einer Quelle", "en": "Stayed in one source"},
    "journey.no_moves": {
        "de": "Alle {persons} Personen, die im Zeitraum zum ersten Mal bestellt haben, kauften "
        "nur in ihrer ersten Quelle: kein Übergang. Ein längerer Zeitraum zeigt vielleicht "
        "mehr.",
        "en": "All {persons} persons who ordered for the first time in the range bought only "
        "in their first source: no moves. A longer range may show more.",
    },
    "col.step_from": {"de": "Von Schritt", "en": "From step"},
    "col.source_from": {"de": "Von Quelle", "en": "From source"},
    "col.step_to": {"de": "Nach Schritt", "en": "To step"},
    "col.source_to": {"de": "Nach Quelle", "en": "To source"},
    "col.step_value": {
        "de": "Wert im Zielschritt ({basis})",
        "en": "Value in target step ({basis})",
    },
    "col.first_source": {"de": "Erste Quelle", "en": "First source"},
    "col.stayed": {"de": "Blieben", "en": "Stayed"},
    "col.moved": {"de": "Zogen weiter", "en": "Moved on"},
    "col.value_total": {"de": "Wert gesamt ({basis})", "en": "Total value ({basis})"},
    "col.value_later": {"de": "Wert danach ({basis})", "en": "Value later ({basis})"},
    "col.segment": {"de": "Segment", "en": "Segment"},
    "col.persons": {"de": "Personen", "en": "Persons"},
    "col.share": {"de": "Anteil", "en": "Share"},
    "col.revenue": {"de": "Umsatz ({basis})", "en": "Revenue ({basis})"},
    "col.aov": {"de": "Ø Bestellwert", "en": "Average order value"},
    "col.avg_recency": {"de": "Ø Tage seit letzter Bestellung", "en": "Avg. days since last order"},
    "col.score": {"de": "Punkte", "en": "Score"},
    "col.recency_days": {"de": "Tage seit letzter Bestellung", "en": "Days since last order"},
    "col.frequency": {"de": "Bestelltage", "en": "Order days"},
    "col.monetary": {"de": "Wert ({basis})", "en": "Value ({basis})"},
    "col.r": {"de": "R", "en": "R"},
    "col.f": {"de": "F", "en": "F"},
    "col.m": {"de": "M", "en": "M"},
    "col.fm": {"de": "FM", "en": "FM"},
    "segment.Champions": {"de": "Champions", "en": "Champions"},
    "segment.Loyal Customers": {"de": "Treue Kunden", "en": "Loyal Customers"},
    "segment.Potential Loyalist": {"de": "Potenzielle Stammkunden", "en": "Potential Loyalist"},
    "segment.New Customers": {"de": "Neukunden", "en": "New Customers"},
    "segment.Promising": {"de": "Vielversprechend", "en": "Promising"},
    "segment.Need Attention": {"de": "Brauchen Aufmerksamkeit", "en": "Need Attention"},
    "segment.About to Sleep": {"de": "Drohen einzuschlafen", "en": "About to Sleep"},
    "segment.At Risk": {"de": "Gefährdet", "en": "At Risk"},
    "segment.Can't Lose Them": {"de": "Nicht verlieren", "en": "Can't Lose Them"},
    "segment.Hibernating": {"de": "Im Winterschlaf", "en": "Hibernating"},
    "segment.Lost": {"de": "Verloren", "en": "Lost"},
    # --- Filter und gespeicherte Segmente ---------------------------------------------------
    "segments.error.operator": {
        "de": "Feld „{field}“: der Vergleich „{op}“ passt nicht zu diesem Feld",
        "en": "Field “{field}”: the comparison “{op}” does not fit this field",
    },
    "segments.error.between": {
        "de": "Feld „{field}“: „zwischen“ braucht einen Von- und einen Bis-Wert",
        "en": "Field “{field}”: “between” needs a from and a to value",
    },
    "segments.error.empty": {
        "de": "Feld „{field}“: bitte einen Wert angeben",
        "en": "Field “{field}”: please enter a value",
    },
    "segments.error.number": {
        "de": "Feld „{field}“: „{value}“ ist keine ganze Zahl",
        "en": "Field “{field}”: “{value}” is not a whole number",
    },
    "segments.error.day": {
        "de": "Feld „{field}“: „{value}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)",
        "en": "Field “{field}”: “{value}” is not a date (YYYY-MM-DD or DD.MM.YYYY)",
    },
    "segments.error.invalid": {
        "de": "Segment-Definition ungültig bei {where}: {problem}",
        "en": "Invalid segment definition at {where}: {problem}",
    },
    "segments.error.rfm_segment": {
        "de": "Unbekanntes RFM-Segment „{value}“; bekannt: {known}",
        "en": "Unknown RFM segment “{value}”; known: {known}",
    },
    "segments.error.no_clv": {
        "de": "Der prognostizierte Kundenwert (CLV) lässt sich mit diesen Daten nicht "
        "berechnen: zu wenige Personen mit Wiederkäufen (siehe Seite Prognose)",
        "en": "The predicted customer value (CLV) cannot be computed from these data: too few "
        "persons with repeat purchases (see the Forecast page)",
    },
    "segments.error.name_empty": {
        "de": "Bitte einen Namen für das Segment angeben",
        "en": "Please give the segment a name",
    },
    "segments.error.name_long": {
        "de": "Der Name ist zu lang (höchstens {limit} Zeichen)",
        "en": "The name is too long (at most {limit} characters)",
    },
    "segments.error.unknown": {
        "de": "Kein gespeichertes Segment „{name}“; vorhanden: {known}",
        "en": "No saved segment “{name}”; saved: {known}",
    },
    "segments.error.duplicate": {
        "de": "Ein Segment „{name}“ gibt es schon; bitte einen anderen Namen wählen",
        "en": "A segment “{name}” already exists; please choose another name",
    },
    "nav.segments": {
        "de": "Segmente",
        "en": "Segments",
    },
    "filter.title": {
        "de": "Filter",
        "en": "Filter",
    },
    "filter.all": {
        "de": "alle",
        "en": "all",
    },
    "filter.segment": {
        "de": "Gespeichertes Segment",
        "en": "Saved segment",
    },
    "filter.no_segment": {
        "de": "– kein Segment –",
        "en": "– no segment –",
    },
    "filter.segment_help": {
        "de": "Nur die Personen dieses Segments (Seite „Segmente“); die Filter darunter grenzen "
        "weiter ein.",
        "en": "Only the persons of this segment (page “Segments”); the filters below narrow it "
        "further.",
    },
    "filter.segment_gone": {
        "de": "Das Segment „{name}“ gibt es nicht mehr; es wird nicht angewendet.",
        "en": "The segment “{name}” no longer exists; it is not applied.",
    },
    "filter.country": {
        "de": "Land",
        "en": "Country",
    },
    "filter.city": {
        "de": "Stadt",
        "en": "City",
    },
    "filter.product": {
        "de": "Gekauftes Produkt",
        "en": "Product bought",
    },
    "filter.source": {
        "de": "Quelle",
        "en": "Source",
    },
    "filter.band": {
        "de": "Kundenwert-Klasse",
        "en": "Value band",
    },
    "filter.band.top1": {
        "de": "Top 1 % ({persons})",
        "en": "Top 1 % ({persons})",
    },
    "filter.band.top10": {
        "de": "Top 10 % ({persons})",
        "en": "Top 10 % ({persons})",
    },
    "filter.band.top20": {
        "de": "Top 20 % ({persons})",
        "en": "Top 20 % ({persons})",
    },
    "filter.band.rest": {
        "de": "Übrige ({persons})",
        "en": "Rest ({persons})",
    },
    "filter.band_help": {
        "de": "Rang nach Kundenwert über die ganze Historie unter allen Personen mit einer "
        "gezählten Bestellung; „Übrige“ sind alle anderen.",
        "en": "Rank by all-time customer value among all persons with a counted order; “Rest” is "
        "everybody else.",
    },
    "filter.min": {
        "de": "Kundenwert ab ({currency})",
        "en": "Value from ({currency})",
    },
    "filter.max": {
        "de": "bis ({currency})",
        "en": "to ({currency})",
    },
    "filter.since": {
        "de": "**Kunde seit** (erste Bestellung)",
        "en": "**Customer since** (first order)",
    },
    "filter.reset": {
        "de": "Filter zurücksetzen",
        "en": "Reset filter",
    },
    "filter.bad_param": {
        "de": "Filter „{param}“: „{value}“ ist nicht lesbar und wird ignoriert.",
        "en": "Filter “{param}”: “{value}” cannot be read and is ignored.",
    },
    "filter.active": {
        "de": "Gefiltert: alle Zahlen dieser Seite zählen {persons} von {total} Personen.",
        "en": "Filtered: every figure on this page counts {persons} of {total} persons.",
    },
    "segments.caption": {
        "de": "Ein Segment ist eine gespeicherte Auswahl von Personen: Bedingungen auf jedes "
        "Kundenmerkmal, verknüpft mit „alle“ oder „eine“. Auf jeder Analyse-Seite im Filter "
        "wählbar; Kundenwert {basis}, alle Historie.",
        "en": "A segment is a saved selection of persons: conditions on any customer field, joined "
        "with “all” or “any”. Selectable in the filter of every analytics page; customer value "
        "{basis}, all history.",
    },
    "segments.edit": {
        "de": "Segment bearbeiten",
        "en": "Edit segment",
    },
    "segments.new": {
        "de": "– neues Segment –",
        "en": "– new segment –",
    },
    "segments.name": {
        "de": "Name",
        "en": "Name",
    },
    "segments.match": {
        "de": "Verknüpfung",
        "en": "Combine",
    },
    "segments.match.all": {
        "de": "alle Bedingungen",
        "en": "all conditions",
    },
    "segments.match.any": {
        "de": "mindestens eine",
        "en": "any condition",
    },
    "segments.conditions": {
        "de": "Bedingungen",
        "en": "Conditions",
    },
    "segments.conditions_help": {
        "de": "Eine Zeile je Bedingung. Beträge in {currency} (z. B. 99,50), Daten als TT.MM.JJJJ, "
        "mehrere Werte mit Komma; „in den letzten N Tagen“: N als Wert; „zwischen“: Von und Bis.",
        "en": "One row per condition. Amounts in {currency} (e.g. 99.50), dates as YYYY-MM-DD, "
        "several values separated by commas; “in the last N days”: N as the value; “between”: "
        "from and to.",
    },
    "segments.facets_kept": {
        "de": "Dieses Segment enthält außerdem Filter (Facetten), die beim Speichern erhalten "
        "bleiben.",
        "en": "This segment also holds filters (facets) that are kept when it is saved.",
    },
    "segments.col.field": {
        "de": "Feld",
        "en": "Field",
    },
    "segments.col.op": {
        "de": "Vergleich",
        "en": "Comparison",
    },
    "segments.col.value": {
        "de": "Wert",
        "en": "Value",
    },
    "segments.col.to": {
        "de": "bis (bei „zwischen“)",
        "en": "to (for “between”)",
    },
    "segments.row": {
        "de": "Zeile {row}: {message}",
        "en": "Row {row}: {message}",
    },
    "segments.incomplete": {
        "de": "Zeile {row}: bitte Feld und Vergleich wählen",
        "en": "Row {row}: please choose a field and a comparison",
    },
    "segments.preview": {
        "de": "Vorschau",
        "en": "Preview",
    },
    "segments.persons": {
        "de": "Personen",
        "en": "Persons",
    },
    "segments.value": {
        "de": "Kundenwert ({basis})",
        "en": "Customer value ({basis})",
    },
    "segments.no_conditions": {
        "de": "Noch keine Bedingung: das Segment umfasst alle Personen.",
        "en": "No condition yet: the segment holds every person.",
    },
    "segments.save": {
        "de": "Speichern",
        "en": "Save",
    },
    "segments.saved": {
        "de": "Segment „{name}“ gespeichert.",
        "en": "Segment “{name}” saved.",
    },
    "segments.delete": {
        "de": "Löschen",
        "en": "Delete",
    },
    "segments.delete_question": {
        "de": "Segment „{name}“ wirklich löschen? Die Daten der Personen bleiben unverändert.",
        "en": "Really delete the segment “{name}”? The persons' data stay unchanged.",
    },
    "segments.deleted": {
        "de": "Segment „{name}“ gelöscht.",
        "en": "Segment “{name}” deleted.",
    },
    "segments.saved_title": {
        "de": "Gespeicherte Segmente",
        "en": "Saved segments",
    },
    "segments.none_saved": {
        "de": "Noch keine gespeicherten Segmente.",
        "en": "No saved segments yet.",
    },
    "segments.col.updated": {
        "de": "Geändert",
        "en": "Changed",
    },
    "segments.field.country": {
        "de": "Land (ISO-Code)",
        "en": "Country (ISO code)",
    },
    "segments.field.city": {
        "de": "Stadt",
        "en": "City",
    },
    "segments.field.product": {
        "de": "Gekauftes Produkt",
        "en": "Product bought",
    },
    "segments.field.source": {
        "de": "Quelle",
        "en": "Source",
    },
    "segments.field.rfm_segment": {
        "de": "RFM-Segment",
        "en": "RFM segment",
    },
    "segments.field.value": {
        "de": "Kundenwert",
        "en": "Customer value",
    },
    "segments.field.orders": {
        "de": "Bestellungen",
        "en": "Orders",
    },
    "segments.field.clv": {
        "de": "Prognostizierter Kundenwert",
        "en": "Predicted value",
    },
    "segments.field.first_order": {
        "de": "Erste Bestellung",
        "en": "First order",
    },
    "segments.field.last_order": {
        "de": "Letzte Bestellung",
        "en": "Last order",
    },
    "segments.op.is": {
        "de": "ist",
        "en": "is",
    },
    "segments.op.is_not": {
        "de": "ist nicht",
        "en": "is not",
    },
    "segments.op.contains": {
        "de": "enthält",
        "en": "contains",
    },
    "segments.op.gt": {
        "de": "größer als / nach",
        "en": "greater than / after",
    },
    "segments.op.lt": {
        "de": "kleiner als / vor",
        "en": "less than / before",
    },
    "segments.op.between": {
        "de": "zwischen",
        "en": "between",
    },
    "segments.op.in_last_days": {
        "de": "in den letzten N Tagen",
        "en": "in the last N days",
    },
    # --- RFM: Klick auf Zellen, Raster, Spaltenwahl -----------------------------------------
    "rfm.grid_hint": {
        "de": "Klick auf eine Zelle zeigt ihre Personen unten; ein Klick auf eine Zeile der "
        "Segmente zeigt das ganze Segment.",
        "en": "Click a cell to list its persons below; click a row of the segment table for the "
        "whole segment.",
    },
    "rfm.cell_click": {"de": "Klicken: Personen anzeigen", "en": "Click: show the persons"},
    "rfm.summary_hint": {
        "de": "Eine Zeile anklicken: die Personen dieses Segments erscheinen unten.",
        "en": "Click a row to list the persons of that segment below.",
    },
    "rfm.persons_title": {"de": "Personen", "en": "Persons"},
    "rfm.cell_persons": {
        "de": "Zelle R {r} · FM {fm} ({segment}): {persons} Personen, Wert {value} ({basis})",
        "en": "Cell R {r} · FM {fm} ({segment}): {persons} persons, value {value} ({basis})",
    },
    "rfm.segment_persons_value": {
        "de": "Segment {segment}: {persons} Personen, Wert {value} ({basis})",
        "en": "Segment {segment}: {persons} persons, value {value} ({basis})",
    },
    "rfm.focus_empty": {
        "de": "Hier ist niemand. Eine andere Zelle oder ein anderes Segment wählen.",
        "en": "Nobody is here. Choose another cell or segment.",
    },
    "rfm.cell_filename": {"de": "rfm-zelle-R{r}-FM{fm}", "en": "rfm-cell-R{r}-FM{fm}"},
    "rfm.segment_filename": {"de": "rfm-{segment}", "en": "rfm-{segment}"},
    "rfm.not_scored": {"de": "(noch ohne Kauf)", "en": "(no purchase yet)"},
    "rfm.move_title": {"de": "Wechsel zwischen Segmenten", "en": "Moves between segments"},
    "rfm.move_caption": {
        "de": "Segment jeder Person an zwei Tagen (jeweils alle Bestellungen bis zu diesem Tag); "
        "gezeigt werden nur Personen, deren Segment sich geändert hat.",
        "en": "Each person's segment on two days (all orders up to each day); only persons "
        "whose segment changed are shown.",
    },
    "rfm.move_from": {"de": "Segment am", "en": "Segment on"},
    "rfm.move_to": {"de": "verglichen mit", "en": "compared with"},
    "rfm.move_order": {
        "de": "Der erste Tag muss vor dem zweiten liegen.",
        "en": "The first day must come before the second.",
    },
    "rfm.move_none": {
        "de": "Zwischen {before} und {after} hat niemand das Segment gewechselt.",
        "en": "Nobody changed segment between {before} and {after}.",
    },
    "rfm.col_before": {"de": "Segment am {day}", "en": "Segment on {day}"},
    "rfm.col_after": {"de": "Segment am {day}", "en": "Segment on {day}"},
    "rfm.move_hint": {
        "de": "Eine Zeile anklicken: wer diesen Wechsel gemacht hat.",
        "en": "Click a row to see who made this move.",
    },
    "rfm.move_persons": {
        "de": "{persons} Personen von {before} nach {after}",
        "en": "{persons} persons from {before} to {after}",
    },
    "export.columns": {"de": "Spalten der Datei", "en": "Columns of the file"},
    "export.columns_help": {
        "de": "Reihenfolge wie gewählt. Beträge in der Basiswährung, Daten als deutscher "
        "Kalendertag.",
        "en": "In the order chosen. Amounts in the base currency, dates as the German "
        "calendar day.",
    },
    "export.csv_excel": {"de": "Excel-CSV", "en": "Excel CSV"},
    "export.csv_plain": {"de": "CSV (UTF-8, Komma)", "en": "CSV (UTF-8, comma)"},
    "export.xlsx": {"de": "Excel (.xlsx)", "en": "Excel (.xlsx)"},
    "export.csv_excel_help": {
        "de": "{count} Personen; öffnet sich per Doppelklick in Excel (Semikolon, 1234,56).",
        "en": "{count} persons; opens in Excel with a double click.",
    },
    "export.csv_plain_help": {
        "de": "{count} Personen; für Programme: Komma, Dezimalpunkt, ISO-Datum.",
        "en": "{count} persons; for programs: commas, decimal points, ISO dates.",
    },
    "export.xlsx_help": {
        "de": "{count} Personen als Excel-Arbeitsmappe (Zahlen und Datumszellen).",
        "en": "{count} persons as an Excel workbook (numbers and date cells).",
    },
    "export.no_columns": {
        "de": "Mindestens eine Spalte wählen.",
        "en": "Choose at least one column.",
    },
    "export.count": {"de": "{count} Personen in der Datei", "en": "{count} persons in the file"},
    "export.customers_stem": {"de": "kunden", "en": "customers"},
    "export.matrix_stem": {"de": "kundenmatrix", "en": "customer-matrix"},
    "rfm_grid.title": {"de": "RFM-Raster", "en": "RFM grid"},
    "rfm_grid.caption": {
        "de": "Welches Segment jede Zelle aus R (Zeile, 5 = kürzlich) und FM (Spalte, 5 = oft "
        "und viel) bekommt. Jede Zelle gehört zu genau einem Segment; gilt für die RFM-Seite, "
        "den Befehl rfm und export --rfm-segment.",
        "en": "Which segment each cell of R (row, 5 = recent) and FM (column, 5 = often and "
        "much) belongs to. Every cell belongs to exactly one segment; used by the RFM page, "
        "the rfm command and export --rfm-segment.",
    },
    "rfm_grid.r": {"de": "R", "en": "R"},
    "rfm_grid.fm": {"de": "FM {fm}", "en": "FM {fm}"},
    "rfm_grid.cell": {"de": "R {r} · FM {fm}", "en": "R {r} · FM {fm}"},
    "rfm_grid.save": {"de": "Raster speichern", "en": "Save grid"},
    "rfm_grid.saved": {"de": "RFM-Raster gespeichert.", "en": "RFM grid saved."},
    "rfm_grid.incomplete": {
        "de": "Nicht gespeichert: diese Zellen haben kein Segment: {cells}. Jeder Zelle ein "
        "Segment zuordnen.",
        "en": "Not saved: these cells have no segment: {cells}. Give every cell a segment.",
    },
    "rfm_grid.unused": {
        "de": "Ohne Zelle (bleiben leer): {segments}",
        "en": "Without a cell (stay empty): {segments}",
    },
    "rfm_grid.reset": {"de": "Auf Standard zurücksetzen", "en": "Reset to default"},
    "rfm_grid.reset_done": {
        "de": "RFM-Raster auf den Standard zurückgesetzt.",
        "en": "RFM grid reset to the default.",
    },
    # --- Kennzahlen und Eingaben (Kosten, Besucher, Umfragen) -------------------------------
    "nav.business": {"de": "Kennzahlen", "en": "Business KPIs"},
    "business.missing.costs": {
        "de": "Kosten fehlen für {months}",
        "en": "Costs missing for {months}",
    },
    "business.missing.rates": {
        "de": "Wechselkurs für die Kosten fehlt für {months}",
        "en": "Exchange rate for the costs missing for {months}",
    },
    "business.missing.visitors": {
        "de": "Besucherzahlen fehlen für {months}",
        "en": "Visitor numbers missing for {months}",
    },
    "business.missing.visitors_zero": {
        "de": "Keine Besucher im Zeitraum eingetragen (0)",
        "en": "Zero visitors entered for the range",
    },
    "business.missing.survey": {
        "de": "Keine Umfrageantworten im Zeitraum",
        "en": "No survey answers in the range",
    },
    "business.missing.margin": {
        "de": "Deckungsbeitrag (Marge in %) ist nicht eingestellt",
        "en": "Contribution margin (%) is not set",
    },
    "business.missing.new_customers": {
        "de": "Keine Neukunden im Zeitraum",
        "en": "No new customers in the range",
    },
    "business.missing.churn": {
        "de": "Abwanderungsrate ist 0 oder ohne aktive Kunden nicht bestimmbar",
        "en": "Churn rate is 0 or cannot be determined without active customers",
    },
    "business.missing.subscribers": {
        "de": "Vor 30 Tagen gab es keine laufenden Abos",
        "en": "There were no running subscriptions 30 days earlier",
    },
    "business.missing.customers": {
        "de": "Keine Kunden im Zeitraum",
        "en": "No customers in the range",
    },
    "inputs.report": {
        "de": "{rows} Zeilen gelesen: {added} neu, {updated} aktualisiert.",
        "en": "{rows} rows read: {added} new, {updated} updated.",
    },
    "inputs.report_unmatched": {
        "de": "{count} E-Mail-Adressen gehören zu keinem Kunden (trotzdem gespeichert):",
        "en": "{count} e-mail addresses belong to no customer (stored anyway):",
    },
    "inputs.error.more": {"de": "… und {count} weitere", "en": "… and {count} more"},
    "inputs.error.empty": {"de": "Pflichtfeld ist leer", "en": "required cell is empty"},
    "inputs.error.bad_value": {"de": "'{value}' ist ungültig", "en": "'{value}' is invalid"},
    "inputs.error.columns": {
        "de": "Pflichtspalten fehlen: {missing}. Gefundene Spalten: {found}.",
        "en": "Required columns missing: {missing}. Columns found: {found}.",
    },
    "inputs.error.no_rows": {
        "de": "Die Datei enthält keine Datenzeilen.",
        "en": "The file has no data rows.",
    },
    "inputs.error.bad_cost_kind": {
        "de": "'{value}' ist keine Kostenart (Marketing oder Vertrieb)",
        "en": "'{value}' is not a cost kind (marketing or sales)",
    },
    "inputs.error.negative": {
        "de": "Betrag/Anzahl darf nicht negativ sein",
        "en": "amount/count must not be negative",
    },
    "inputs.error.bad_count": {
        "de": "'{value}' ist keine ganze Zahl",
        "en": "'{value}' is not a whole number",
    },
    "inputs.error.bad_nps": {
        "de": "'{value}' ist kein NPS-Wert (0 bis 10)",
        "en": "'{value}' is not an NPS score (0 to 10)",
    },
    "inputs.error.bad_csat": {
        "de": "'{value}' ist kein CSAT-Wert (1 bis 5)",
        "en": "'{value}' is not a CSAT score (1 to 5)",
    },
    "inputs.error.bad_email": {
        "de": "'{value}' ist keine E-Mail-Adresse",
        "en": "'{value}' is not an e-mail address",
    },
    "inputs.survey_title": {"de": "Umfrage-Antwort eintragen", "en": "Enter a survey answer"},
    "inputs.survey_email": {"de": "E-Mail der Person", "en": "The person's e-mail"},
    "inputs.survey_day": {"de": "Datum der Antwort", "en": "Date of the answer"},
    "inputs.survey_nps": {
        "de": "NPS (0–10): Wie wahrscheinlich empfehlen Sie uns weiter?",
        "en": "NPS (0–10): how likely are you to recommend us?",
    },
    "inputs.survey_csat": {
        "de": "CSAT (1–5): Wie zufrieden sind Sie?",
        "en": "CSAT (1–5): how satisfied are you?",
    },
    "inputs.survey_none": {"de": "– keine Angabe –", "en": "– not given –"},
    "inputs.survey_unmatched": {
        "de": "Gespeichert. Zu {email} gibt es noch keinen Kunden; die Antwort zählt trotzdem "
        "zu NPS/CSAT und erscheint unter „ohne Kunde“.",
        "en": "Saved. No customer has {email} yet; the answer still counts towards NPS/CSAT and "
        "is listed as unmatched.",
    },
    "inputs.error.no_score": {
        "de": "weder NPS noch CSAT angegeben",
        "en": "neither NPS nor CSAT given",
    },
    "inputs.error.duplicate": {
        "de": "dieselbe Angabe steht schon in Zeile {other}",
        "en": "the same entry is already in row {other}",
    },
    "inputs.error.kind": {
        "de": "Unbekannte Art '{kind}' (costs, visitors oder survey)",
        "en": "Unknown kind '{kind}' (costs, visitors or survey)",
    },
    "inputs.error.channel": {"de": "Kanal fehlt", "en": "Channel is missing"},
    "biz.no_orders": {
        "de": "Noch keine Bestellungen: Die Kennzahlen erscheinen nach dem ersten Import. "
        "Kosten, Besucher und Umfragen können schon erfasst werden.",
        "en": "No orders yet: the KPIs appear after the first import. Costs, visitors and "
        "surveys can be entered already.",
    },
    "biz.section.acquisition": {"de": "Neukundengewinnung", "en": "Acquisition"},
    "biz.section.subscriptions": {"de": "Abos", "en": "Subscriptions"},
    "biz.section.customers": {"de": "Kundenbindung und Wert", "en": "Retention and value"},
    "biz.section.satisfaction": {"de": "Zufriedenheit", "en": "Satisfaction"},
    "biz.kpi.cac": {"de": "CAC", "en": "CAC"},
    "biz.kpi.cac_help": {
        "de": "Kosten für Neukundengewinnung: (Marketing- + Vertriebskosten im Zeitraum) / "
        "Neukunden im Zeitraum. Angebrochene Monate anteilig nach Tagen.",
        "en": "Customer acquisition cost: (marketing + sales costs in the range) / new "
        "customers in the range. Partial months by their share of days.",
    },
    "biz.kpi.marketing_costs": {"de": "Marketingkosten", "en": "Marketing costs"},
    "biz.kpi.marketing_costs_help": {
        "de": "Eingetragene Marketingkosten im Zeitraum.",
        "en": "Marketing costs entered for the range.",
    },
    "biz.kpi.sales_costs": {"de": "Vertriebskosten", "en": "Sales costs"},
    "biz.kpi.sales_costs_help": {
        "de": "Eingetragene Vertriebskosten im Zeitraum.",
        "en": "Sales costs entered for the range.",
    },
    "biz.kpi.visitors": {"de": "Besucher", "en": "Visitors"},
    "biz.kpi.visitors_help": {
        "de": "Eingetragene Website-Besucher im Zeitraum.",
        "en": "Website visitors entered for the range.",
    },
    "biz.kpi.conversion_rate": {"de": "Konversionsrate", "en": "Conversion rate"},
    "biz.kpi.conversion_rate_help": {
        "de": "Neukunden im Zeitraum / Besucher im Zeitraum.",
        "en": "New customers in the range / visitors in the range.",
    },
    "biz.kpi.mrr": {"de": "MRR", "en": "MRR"},
    "biz.kpi.mrr_help": {
        "de": "Monatlich wiederkehrender Umsatz am letzten Tag: laufende Abos auf einen Monat "
        "umgerechnet, netto ohne USt. Abos werden aus den Abo-Zahlungen abgeleitet (gleiche "
        "Person, Quelle und Produkt; Intervall aus den Zahlungsabständen).",
        "en": "Monthly recurring revenue on the last day: running subscriptions normalised to "
        "one month, net of VAT. Subscriptions are derived from subscription payments (same "
        "person, source and product; interval from the gaps between payments).",
    },
    "biz.kpi.arr": {"de": "ARR", "en": "ARR"},
    "biz.kpi.arr_help": {"de": "12 × MRR.", "en": "12 × MRR."},
    "biz.kpi.subscriber_churn_30d": {
        "de": "Abo-Kündigungsrate (30 Tage)",
        "en": "Subscriber churn (30 days)",
    },
    "biz.kpi.subscriber_churn_30d_help": {
        "de": "Abonnenten 30 Tage vor dem Ende des Zeitraums, die am Ende kein laufendes Abo "
        "mehr haben / Abonnenten 30 Tage vor dem Ende.",
        "en": "Subscribers 30 days before the end of the range without a running subscription "
        "at the end / subscribers 30 days before the end.",
    },
    "biz.kpi.customer_churn_12m": {
        "de": "Abwanderungsrate (12 Monate)",
        "en": "Churn rate (12 months)",
    },
    "biz.kpi.customer_churn_12m_help": {
        "de": "In den 12 Monaten bis zum Ende verlorene Kunden / durchschnittliche Zahl aktiver "
        "Kunden in diesen Monaten.",
        "en": "Customers lost in the 12 months up to the end / average number of active "
        "customers in those months.",
    },
    "biz.kpi.active_customers": {"de": "Aktive Kunden", "en": "Active customers"},
    "biz.kpi.active_customers_help": {
        "de": "Am letzten Tag: eine gezählte Bestellung im Inaktivitätsfenster davor oder ein "
        "laufendes Abo.",
        "en": "On the last day: a counted order in the inactivity window before it or a "
        "running subscription.",
    },
    "biz.kpi.repurchase_rate": {"de": "Wiederkaufrate", "en": "Repurchase rate"},
    "biz.kpi.repurchase_rate_help": {
        "de": "Kunden des Zeitraums, die bis zu seinem Ende an mindestens zwei Tagen gekauft "
        "haben / Kunden des Zeitraums.",
        "en": "Customers of the range who bought on at least two days up to its end / "
        "customers of the range.",
    },
    "biz.kpi.avg_lifetime_years": {
        "de": "Ø Kundenlebensdauer (Jahre)",
        "en": "Avg. lifetime (years)",
    },
    "biz.kpi.avg_lifetime_years_help": {
        "de": "1 / Abwanderungsrate (12 Monate).",
        "en": "1 / churn rate (12 months).",
    },
    "biz.kpi.clv_formula": {"de": "CLV (Formel)", "en": "CLV (formula)"},
    "biz.kpi.clv_formula_help": {
        "de": "Ø Deckungsbeitrag je Bestellung × Bestellungen je Kunde und Jahr × Lebensdauer − "
        "CAC. Bestellwert und Bestellungen aus den 12 Monaten bis zum Ende, Marge aus der "
        "Einstellung unten.",
        "en": "Avg. contribution margin per order × orders per customer and year × lifetime − "
        "CAC. Order value and orders from the 12 months up to the end, margin from the "
        "setting below.",
    },
    "biz.kpi.nps": {"de": "NPS", "en": "NPS"},
    "biz.kpi.nps_help": {
        "de": "% Promotoren (9–10) − % Kritiker (0–6) der Antworten im Zeitraum.",
        "en": "% promoters (9–10) − % detractors (0–6) of the answers in the range.",
    },
    "biz.kpi.csat": {"de": "CSAT", "en": "CSAT"},
    "biz.kpi.csat_help": {
        "de": "Anteil der Antworten 4 oder 5 (Skala 1–5) im Zeitraum.",
        "en": "Share of answers 4 or 5 (scale 1–5) in the range.",
    },
    "biz.previous": {"de": "Vorperiode: {value}", "en": "Previous period: {value}"},
    "biz.missing_title": {
        "de": "Für einige Kennzahlen fehlen Eingaben:",
        "en": "Some figures lack inputs:",
    },
    "biz.trend_title": {"de": "Monatlicher Verlauf", "en": "Monthly trend"},
    "biz.chart.cac": {"de": "CAC je Monat ({currency})", "en": "CAC per month ({currency})"},
    "biz.chart.conversion": {"de": "Konversionsrate je Monat", "en": "Conversion rate per month"},
    "biz.chart.active": {
        "de": "Aktive Kunden am Monatsende",
        "en": "Active customers at month end",
    },
    "biz.mrr_title": {"de": "MRR-Bewegungen ({currency})", "en": "MRR movements ({currency})"},
    "biz.series.new_mrr": {"de": "Neu", "en": "New"},
    "biz.series.expansion_mrr": {"de": "Erweiterung", "en": "Expansion"},
    "biz.series.contraction_mrr": {"de": "Verkleinerung", "en": "Contraction"},
    "biz.series.churned_mrr": {"de": "Gekündigt", "en": "Churned"},
    "biz.series.mrr": {"de": "MRR", "en": "MRR"},
    "biz.nps_title": {"de": "NPS-Aufteilung", "en": "NPS breakdown"},
    "biz.nps.promoters": {"de": "Promotoren (9–10)", "en": "Promoters (9–10)"},
    "biz.nps.passives": {"de": "Passive (7–8)", "en": "Passives (7–8)"},
    "biz.nps.detractors": {"de": "Kritiker (0–6)", "en": "Detractors (0–6)"},
    "biz.survey_match": {
        "de": "{matched} Antworten gehören zu Kunden, {count} E-Mail-Adressen zu keinem.",
        "en": "{matched} answers belong to customers, {count} e-mail addresses to none.",
    },
    "biz.unmatched_list": {"de": "E-Mails ohne Kunde", "en": "E-mails without a customer"},
    "biz.channels_title": {"de": "Kanäle im Vergleich", "en": "Channels compared"},
    "biz.channels_caption": {
        "de": "Kanal = Quelle der ersten Bestellung; Kosten werden über den Kanalnamen "
        "zugeordnet. Wert nach 90/365 Tagen: Ø je Kunde, nur Kunden, deren Fenster vorbei ist.",
        "en": "Channel = source of the first order; costs match by channel name. Value after "
        "90/365 days: average per customer, only customers whose window has passed.",
    },
    "biz.col.channel": {"de": "Kanal", "en": "Channel"},
    "biz.col.customers": {"de": "Neukunden", "en": "New customers"},
    "biz.col.revenue": {"de": "Umsatz", "en": "Revenue"},
    "biz.col.costs": {"de": "Kosten", "en": "Costs"},
    "biz.col.cac": {"de": "CAC", "en": "CAC"},
    "biz.col.value_90d": {"de": "Wert nach 90 Tagen", "en": "Value after 90 days"},
    "biz.col.value_365d": {"de": "Wert nach 365 Tagen", "en": "Value after 365 days"},
    "inputs.title": {"de": "Eingaben", "en": "Inputs"},
    "inputs.import_title": {"de": "Datei importieren", "en": "Import a file"},
    "inputs.kind": {"de": "Inhalt der Datei", "en": "File contents"},
    "inputs.kind.costs": {"de": "Kosten", "en": "Costs"},
    "inputs.kind.visitors": {"de": "Besucher", "en": "Visitors"},
    "inputs.kind.survey": {"de": "Umfrageantworten", "en": "Survey answers"},
    "inputs.file": {"de": "CSV- oder Excel-Datei", "en": "CSV or Excel file"},
    "inputs.format_help": {
        "de": "Spalten: Kosten — Monat, Kanal, Art (Marketing/Vertrieb), Betrag, Währung; "
        "Besucher — Monat, Besucher; Umfragen — E-Mail, Datum, NPS (0–10) und/oder CSAT (1–5). "
        "Erneuter Import ersetzt dieselben Einträge.",
        "en": "Columns: costs — month, channel, kind (marketing/sales), amount, currency; "
        "visitors — month, visitors; surveys — email, date, NPS (0–10) and/or CSAT (1–5). "
        "Importing again replaces the same entries.",
    },
    "inputs.import_button": {"de": "Importieren", "en": "Import"},
    "inputs.failed": {
        "de": "Nichts importiert, bitte korrigieren:",
        "en": "Nothing imported, please fix:",
    },
    "inputs.cost_title": {"de": "Kosten eintragen", "en": "Enter costs"},
    "inputs.month": {"de": "Monat (ein Tag darin)", "en": "Month (any day in it)"},
    "inputs.channel": {"de": "Kanal", "en": "Channel"},
    "inputs.cost_kind": {"de": "Kostenart", "en": "Cost kind"},
    "inputs.cost_kind.marketing": {"de": "Marketing", "en": "Marketing"},
    "inputs.cost_kind.sales": {"de": "Vertrieb", "en": "Sales"},
    "inputs.amount": {"de": "Betrag ({currency})", "en": "Amount ({currency})"},
    "inputs.save": {"de": "Speichern", "en": "Save"},
    "inputs.saved": {"de": "Gespeichert.", "en": "Saved."},
    "inputs.visitors_title": {"de": "Besucher eintragen", "en": "Enter visitors"},
    "inputs.visitors": {"de": "Besucher im Monat", "en": "Visitors in the month"},
    "inputs.margin_title": {"de": "Deckungsbeitrag für den CLV", "en": "Margin for the CLV"},
    "inputs.margin": {"de": "Marge in % vom Umsatz", "en": "Margin in % of revenue"},
    "inputs.margin_help": {
        "de": "Was von einem Euro Umsatz (auf der gewählten Wertbasis) nach variablen Kosten "
        "bleibt. 0 = nicht eingestellt.",
        "en": "What remains of one euro of revenue (on the chosen basis) after variable "
        "costs. 0 = not set.",
    },
    "inputs.stored": {
        "de": "Gespeichert: {costs} Kosteneinträge, {visitors} Monate Besucher, {surveys} "
        "Umfrageantworten",
        "en": "Stored: {costs} cost entries, {visitors} months of visitors, {surveys} survey "
        "answers",
    },
    # --- Prognose (CLV) ---------------------------------------------------------------------
    "nav.forecast": {"de": "Prognose", "en": "Forecast"},
    "clv.cli_not_enough": {
        "de": "Prognose nicht möglich / forecast not possible: {reason}. Das Modell braucht "
        "Kunden mit Wiederholungskäufen vor dem Kalibrierungsende; später mit mehr Daten oder "
        "einem späteren --calibration-end erneut versuchen.",
        "en": "Forecast not possible: {reason}. The model needs customers with repeat "
        "purchases before the calibration end; try again with more data or a later "
        "--calibration-end.",
    },
    "clv.not_computable": {"de": "nicht berechenbar", "en": "not computable"},
    "clv.col_p_alive": {"de": "Wahrscheinlich aktiv", "en": "Probably active"},
    "clv.col_p_alive_help": {
        "de": "Wahrscheinlichkeit, dass die Person noch Kunde ist (BG/NBD-Modell, heute). "
        "„nicht berechenbar“: zu wenige Wiederholungskäufe für das Modell (Seite Prognose).",
        "en": "Probability that the person is still a customer (BG/NBD model, today). "
        "'not computable': too few repeat purchases for the model (Forecast page).",
    },
    "clv.col_expected": {"de": "Erwartete Käufe", "en": "Expected purchases"},
    "clv.col_expected_help": {
        "de": "Erwartete Kauftage in den nächsten 12 Monaten (BG/NBD-Modell).",
        "en": "Expected purchase days in the next 12 months (BG/NBD model).",
    },
    "clv.col_clv": {"de": "Potenzieller Kundenwert", "en": "Potential customer value"},
    "clv.col_clv_help": {
        "de": "Erwarteter Umsatz der nächsten 12 Monate ({basis}, {currency}): erwartete Käufe "
        "je Monat × erwarteter Betrag je Kauf (Gamma-Gamma), mit 1 % je Monat abgezinst.",
        "en": "Expected revenue of the next 12 months ({basis}, {currency}): expected "
        "purchases per month × expected amount per purchase (Gamma-Gamma), discounted by 1 % "
        "per month.",
    },
    "forecast.fitting": {"de": "Prognosemodell wird berechnet …", "en": "Fitting the model …"},
    "forecast.caption": {
        "de": "Vorhersagen aus den bisherigen Käufen: BG/NBD (wer kauft wieder, wie oft) und "
        "Gamma-Gamma (wie viel je Kauf). Käufe am selben Tag zählen als ein Kauf.",
        "en": "Predictions from past purchases: BG/NBD (who buys again, how often) and "
        "Gamma-Gamma (how much per purchase). Purchases on the same day count as one.",
    },
    "forecast.not_possible": {
        "de": "Für eine Prognose reichen die Daten noch nicht ({reason}). Sie braucht Kunden, "
        "die mehr als einmal gekauft haben.",
        "en": "The data are not enough for a forecast yet ({reason}). It needs customers who "
        "bought more than once.",
    },
    "forecast.warn_few_persons": {
        "de": "Weniger als 200 Kunden: die Modellwerte sind unsicher.",
        "en": "Fewer than 200 customers: the model's figures are uncertain.",
    },
    "forecast.warn_few_repeat": {
        "de": "Weniger als 50 Kunden mit Wiederholungskauf: die Modellwerte sind unsicher.",
        "en": "Fewer than 50 customers with a repeat purchase: the model's figures are uncertain.",
    },
    "forecast.warn_short_history": {
        "de": "Die Kaufhistorie ist kürzer als 180 Tage: langfristige Werte sind unsicher.",
        "en": "The purchase history is shorter than 180 days: long-term figures are uncertain.",
    },
    "forecast.warn_spend_fallback": {
        "de": "Die Beträge je Kauf streuen sehr stark (Gamma-Gamma q ≤ 1, kein endlicher "
        "Mittelwert). Einmalkäufer werden deshalb mit dem Durchschnitt aller Wiederholungskäufe "
        "bewertet.",
        "en": "Amounts per purchase vary very widely (Gamma-Gamma q ≤ 1, no finite mean). "
        "One-time buyers are therefore valued with the mean of all repeat purchases.",
    },
    "forecast.params_title": {"de": "Modellparameter", "en": "Model parameters"},
    "forecast.params_caption": {
        "de": "Angepasst (Maximum Likelihood) an alle Käufe bis {day}, Zeiteinheit Woche.",
        "en": "Fitted (maximum likelihood) to all purchases up to {day}, time unit week.",
    },
    "forecast.col_param": {"de": "Parameter", "en": "Parameter"},
    "forecast.col_value": {"de": "Wert", "en": "Value"},
    "forecast.col_meaning": {"de": "Bedeutung", "en": "Meaning"},
    "forecast.param_r": {
        "de": "BG/NBD: Form der Kaufraten-Verteilung",
        "en": "BG/NBD: shape of the purchase-rate distribution",
    },
    "forecast.param_alpha": {
        "de": "BG/NBD: Skala der Kaufraten (Wochen)",
        "en": "BG/NBD: scale of the purchase rates (weeks)",
    },
    "forecast.param_a": {
        "de": "BG/NBD: Abwanderung nach einem Kauf (Beta a)",
        "en": "BG/NBD: dropout after a purchase (beta a)",
    },
    "forecast.param_b": {
        "de": "BG/NBD: Abwanderung nach einem Kauf (Beta b)",
        "en": "BG/NBD: dropout after a purchase (beta b)",
    },
    "forecast.param_ll": {"de": "BG/NBD: Log-Likelihood", "en": "BG/NBD: log-likelihood"},
    "forecast.param_p": {
        "de": "Gamma-Gamma: Form der Beträge je Kauf",
        "en": "Gamma-Gamma: shape of the amounts per purchase",
    },
    "forecast.param_q": {
        "de": "Gamma-Gamma: Form der Unterschiede zwischen Kunden",
        "en": "Gamma-Gamma: shape of the differences between customers",
    },
    "forecast.param_gamma": {
        "de": "Gamma-Gamma: Skala ({currency})",
        "en": "Gamma-Gamma: scale ({currency})",
    },
    "forecast.distribution_title": {
        "de": "Potenzieller Kundenwert (12 Monate)",
        "en": "Potential customer value (12 months)",
    },
    "forecast.tile_persons": {"de": "Kunden im Modell", "en": "Customers in the model"},
    "forecast.tile_repeat": {"de": "davon mit Wiederholungskauf", "en": "with a repeat purchase"},
    "forecast.tile_total": {
        "de": "Potenzieller Kundenwert gesamt ({basis})",
        "en": "Potential customer value, total ({basis})",
    },
    "forecast.tile_average": {
        "de": "Ø potenzieller Kundenwert ({basis})",
        "en": "Avg. potential customer value ({basis})",
    },
    "forecast.axis_persons": {"de": "Personen", "en": "Persons"},
    "forecast.holdout_title": {
        "de": "Prüfung: Kalibrierung und Testzeitraum",
        "en": "Check: calibration and holdout",
    },
    "forecast.holdout_caption": {
        "de": "Das Modell lernt nur aus den Käufen bis zum Kalibrierungsende und sagt die "
        "Wiederholungskäufe danach voraus; daneben stehen die tatsächlichen (Kauftage der "
        "damaligen Kunden, je Monat).",
        "en": "The model learns only from purchases up to the calibration end and predicts "
        "the repeat purchases after it; beside them the actual ones (purchase days of the "
        "customers of that time, per month).",
    },
    "forecast.holdout_too_short": {
        "de": "Für die Prüfung braucht es mindestens 60 Tage Kaufhistorie.",
        "en": "The check needs at least 60 days of purchase history.",
    },
    "forecast.calibration_end": {"de": "Kalibrierung bis", "en": "Calibration end"},
    "forecast.predicted": {"de": "Vorhergesagt", "en": "Predicted"},
    "forecast.actual": {"de": "Tatsächlich", "en": "Actual"},
    "forecast.axis_repeat": {"de": "Wiederholungskäufe", "en": "Repeat purchases"},
    "forecast.holdout_totals": {
        "de": "Im Testzeitraum vorhergesagt: {predicted} Wiederholungskäufe, tatsächlich: "
        "{actual}.",
        "en": "Predicted in the holdout: {predicted} repeat purchases, actual: {actual}.",
    },
    "forecast.revenue_title": {"de": "Umsatzprognose", "en": "Revenue forecast"},
    "forecast.first_month": {"de": "Prognose ab", "en": "Forecast from"},
    "forecast.revenue_caption": {
        "de": "Erstellt mit den Daten bis {day} ({basis}, {currency}). Für einen vergangenen "
        "Startmonat steht der tatsächliche Umsatz daneben.",
        "en": "Made with the data up to {day} ({basis}, {currency}). For a past start month "
        "the actual revenue is shown beside it.",
    },
    "forecast.repeat_missing": {
        "de": "Ohne Wiederkäufe der übrigen Kunden, das Modell ist nicht berechenbar ({reason}).",
        "en": "Without the other customers' repeat purchases, the model is not computable "
        "({reason}).",
    },
    "forecast.part_recurring": {
        "de": "Laufende Abos und Ratenzahlungen",
        "en": "Running subscriptions and instalments",
    },
    "forecast.part_repeat": {"de": "Wiederkäufe (Modell)", "en": "Repeat purchases (model)"},
    "forecast.part_new": {
        "de": "Neukunden (Ø der 3 Vormonate)",
        "en": "New customers (avg. of 3 months before)",
    },
    "forecast.actual_revenue": {"de": "Tatsächlicher Umsatz", "en": "Actual revenue"},
    "forecast.col_month": {"de": "Monat", "en": "Month"},
    "forecast.col_forecast": {"de": "Prognose", "en": "Forecast"},
    "forecast.revenue_footnote": {
        "de": "{plans} laufende Abos/Ratenpläne (Intervall aus den Zahlungsabständen, Betrag "
        "der letzten Zahlung; die Zahl der Raten ist nicht bekannt). * Monat noch nicht vorbei.",
        "en": "{plans} running subscriptions/instalment plans (interval from the gaps between "
        "payments, amount of the last payment; the number of instalments is not known). "
        "* month not over yet.",
    },
    # --- Anmeldung --------------------------------------------------------------------------
    "login.title": {"de": "Anmelden", "en": "Log in"},
    "login.intro": {
        "de": "Kundenwert zeigt die Daten Ihrer Kundinnen und Kunden erst nach der Anmeldung.",
        "en": "Kundenwert shows your customers' data only after you log in.",
    },
    "login.password": {"de": "Passwort", "en": "Password"},
    "login.submit": {"de": "Anmelden", "en": "Log in"},
    "login.empty": {"de": "Bitte das Passwort eingeben.", "en": "Please enter the password."},
    "login.wrong": {
        "de": "Das Passwort stimmt nicht. Nach {free} falschen Versuchen in Folge wird die "
        "Anmeldung für eine Weile gesperrt.",
        "en": "Wrong password. After {free} wrong attempts in a row the login is locked for a "
        "while.",
    },
    "login.locked": {
        "de": "Zu viele falsche Versuche: Die Anmeldung ist bis {until} Uhr gesperrt. Danach "
        "können Sie es erneut versuchen.",
        "en": "Too many wrong attempts: the login is locked until {until}. Try again after that.",
    },
    "login.expired": {
        "de": "Sie waren länger als {minutes} Minuten inaktiv und wurden abgemeldet.",
        "en": "You were inactive for more than {minutes} minutes and have been logged out.",
    },
    "login.no_password_title": {"de": "Noch kein Passwort gesetzt", "en": "No password set yet"},
    "login.no_password": {
        "de": "Ohne Passwort öffnet sich Kundenwert nur mit Demo-Daten und nur auf diesem "
        "Computer (Adresse localhost). Setzen Sie im Projektordner ein Passwort und laden Sie "
        "die Seite danach neu:",
        "en": "Without a password Kundenwert only opens with demo data and only on this "
        "computer (address localhost). Set a password in the project folder, then reload this "
        "page:",
    },
    "login.logout": {"de": "Abmelden", "en": "Log out"},
    "login.oidc": {"de": "Mit Single Sign-on anmelden", "en": "Log in with single sign-on"},
    "login.or": {"de": "oder mit Passwort:", "en": "or with the password:"},
    "login.not_owner": {
        "de": "Das Konto {email} ist nicht als Inhaber dieses Dashboards eingetragen.",
        "en": "The account {email} is not registered as the owner of this dashboard.",
    },
    # --- DSGVO, Sicherung -------------------------------------------------------------------
    "gdpr.heading": {"de": "Datenschutz (DSGVO)", "en": "Data protection (GDPR)"},
    "db_error.disk_full": {
        "de": "Der Speicherplatz ist voll: die Datenbank konnte nicht schreiben. Platz schaffen "
        "und erneut versuchen; es wurde nichts geändert.",
        "en": "The disk is full: the database could not write. Free some space and try again; "
        "nothing was changed.",
    },
    "db_error.read_only": {
        "de": "Die Datenbank ist schreibgeschützt: Schreibrechte für die Datenbankdatei und ihren "
        "Ordner prüfen (KUNDENWERT_DATA_DIR / KUNDENWERT_DATABASE_URL); es wurde nichts geändert.",
        "en": "The database is read-only: check write permissions of the database file and its "
        "folder (KUNDENWERT_DATA_DIR / KUNDENWERT_DATABASE_URL); nothing was changed.",
    },
    "db_error.cannot_open": {
        "de": "Die Datenbankdatei lässt sich nicht öffnen: gibt es den Ordner, und darf "
        "Kundenwert darin schreiben? (KUNDENWERT_DATA_DIR / KUNDENWERT_DATABASE_URL prüfen)",
        "en": "The database file cannot be opened: does the folder exist, and may Kundenwert "
        "write there? (check KUNDENWERT_DATA_DIR / KUNDENWERT_DATABASE_URL)",
    },
    "db_error.locked": {
        "de": "Die Datenbank ist gerade von einem anderen Vorgang gesperrt (Synchronisierung, "
        "Import?); bitte gleich noch einmal versuchen. Es wurde nichts geändert.",
        "en": "The database is locked by another task (a sync or an import?); please try again "
        "in a moment. Nothing was changed.",
    },
    "db_error.unreachable": {
        "de": "Der Datenbankserver ist nicht erreichbar: läuft er, und stimmt "
        "KUNDENWERT_DATABASE_URL?",
        "en": "The database server cannot be reached: is it running, and is "
        "KUNDENWERT_DATABASE_URL right?",
    },
    "db_error.other": {
        "de": "Die Datenbank meldet einen Fehler ({error}); es wurde nichts geändert. Bitte "
        "erneut versuchen oder eine Sicherung wiederherstellen.",
        "en": "The database reports an error ({error}); nothing was changed. Please try again "
        "or restore a backup.",
    },
    "gdpr.export_help": {
        "de": "Auskunft nach Art. 15 DSGVO: alle gespeicherten Daten dieser Person (Kontakte, "
        "Bestellungen mit Positionen, Erstattungen, Zusammenführungen).",
        "en": "Access under Art. 15 GDPR: everything stored about this person (contacts, "
        "orders with items, refunds, merges).",
    },
    "gdpr.download_json": {"de": "Auskunft als JSON", "en": "Export as JSON"},
    "gdpr.download_csv": {"de": "Auskunft als CSV (Excel)", "en": "Export as CSV (Excel)"},
    "gdpr.erase_help": {
        "de": "Löschen nach Art. 17 DSGVO: Name, E-Mail, Firma, Ort, PLZ, Links und Notizen "
        "werden entfernt. Bestellungen, Beträge und Daten bleiben ohne Personenbezug erhalten "
        "(Aufbewahrungspflicht 10 Jahre, § 147 AO, § 257 HGB); alle Werte bleiben gleich. Auch "
        "spätere Synchronisierungen und Importe holen die Person nicht zurück. Das lässt sich "
        "nicht rückgängig machen.",
        "en": "Erasure under Art. 17 GDPR: name, e-mail, company, city, postcode, links and "
        "notes are removed. Orders, amounts and dates stay without personal reference (10-year "
        "retention duty, § 147 AO, § 257 HGB); every value stays the same. Later syncs and "
        "imports do not bring the person back. This cannot be undone.",
    },
    "gdpr.erase_type": {
        "de": "Zur Bestätigung die Personennummer {person} eintippen",
        "en": "Type the person number {person} to confirm",
    },
    "gdpr.erase_button": {
        "de": "Personenbezogene Daten löschen",
        "en": "Erase personal data",
    },
    "gdpr.erased": {
        "de": "Person {person} gelöscht: {contacts} Kontakte anonymisiert, {orders} Bestellungen "
        "bleiben ohne Personenbezug erhalten.",
        "en": "Person {person} erased: {contacts} contacts anonymised, {orders} orders kept "
        "without personal reference.",
    },
    # --- Stripe, Synchronisierung im Hintergrund --------------------------------------------
    "sources.into_synced": {
        "de": "„{label}“ wird über die Schnittstelle synchronisiert. Eine Export-Datei dorthin "
        "zu importieren kann Bestellungen doppelt zählen, wenn die Datei andere Nummern als die "
        "Schnittstelle verwendet. Besser eine eigene Datenquelle für die Datei anlegen und nur "
        "Zeiträume importieren, die die Synchronisierung nicht abdeckt.",
        "en": "“{label}” is synced through its API. Importing an export file into it can count "
        "orders twice when the file numbers them differently from the API. Better import the "
        "file into a source of its own, and only periods the sync does not cover.",
    },
    "sources.tool_synced": {
        "de": "Dieses Tool ist bereits über die Schnittstelle verbunden ({labels}). Bestellungen, "
        "die auch die Synchronisierung liest, zählen sonst doppelt: nur Zeiträume importieren, "
        "die die Synchronisierung nicht abdeckt, oder bei der Quelle „Zählt zu den Summen“ "
        "ausschalten.",
        "en": "This tool is already connected through its API ({labels}). Orders the sync also "
        "reads would count twice: import only periods the sync does not cover, or switch off "
        "“Counts towards totals” for one of the sources.",
    },
    "jobs.background": {
        "de": "Läuft im Hintergrund weiter, auch wenn Sie die Seite wechseln oder neu laden.",
        "en": "Keeps running in the background when you switch or reload the page.",
    },
}


def normalise_language(lang: str | None) -> str:
    """``de``/``en`` (also from ``de_DE``, ``en-GB``, …); anything else is German."""
    code = (lang or "").strip().lower()[:2]
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = DEFAULT_LANGUAGE, **kwargs: object) -> str:
    """The text of ``key`` in ``lang``, with ``{placeholders}`` filled from ``kwargs``.

    An unknown key raises ``KeyError``: a missing text is a bug a test should catch.
    """
    text = MESSAGES[key][normalise_language(lang)]
    return text.format(**kwargs) if kwargs else text


def label(
    group: str, value: object, lang: str | None = DEFAULT_LANGUAGE, default: str | None = None
) -> str:
    """The label of a code (status, kind, tool, reason, …); unknown codes show as ``default``
    or, without one, as they are."""
    if value is None:
        return ""
    entry = MESSAGES.get(f"{group}.{value}")
    if entry:
        return entry[normalise_language(lang)]
    return str(value) if default is None else default


def locale_of(lang: str | None) -> str:
    return LOCALES[normalise_language(lang)]


def cents_to_amount(cents: int) -> Decimal:
    """Integer cents → exact Decimal currency units (for display only)."""
    return Decimal(int(cents)) / 100


def format_money(cents: int | None, currency: str = "EUR", lang: str | None = "de") -> str:
    """``123456`` → ``1.234,56 €`` (German, with a no-break space) or ``€1,234.56``."""
    if cents is None:
        return ""
    return format_currency(cents_to_amount(cents), currency, locale=locale_of(lang))


def format_money_whole(cents: int | None, currency: str = "EUR", lang: str | None = "de") -> str:
    """``26513045`` → ``265.130 €`` / ``€265,130``: whole units, half away from zero (for
    tiles with little room; exact amounts use :func:`format_money`)."""
    if cents is None:
        return ""
    units = cents_to_amount(cents).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    locale = Locale.parse(locale_of(lang))
    pattern = locale.currency_formats["standard"].pattern.split(";")[0].replace(".00", "")
    return format_currency(units, currency, format=pattern, locale=locale, currency_digits=False)


def format_money_compact(cents: int | None, currency: str = "EUR", lang: str | None = "de") -> str:
    """``145201234`` → ``1,45 Mio. €`` / ``€1.45M``: millions and up for tiles with little
    room (exact amounts use :func:`format_money`)."""
    if cents is None:
        return ""
    return format_compact_currency(
        cents_to_amount(cents), currency, locale=locale_of(lang), fraction_digits=2
    )


def format_amount_plain(cents: int | None, lang: str | None = "de") -> str:
    """``123456`` → ``1234,56`` / ``1234.56``: no symbol, no grouping (for CSV files)."""
    if cents is None:
        return ""
    text = f"{cents_to_amount(cents):.2f}"
    return text.replace(".", _DECIMAL_MARKS[normalise_language(lang)])


def amount_expr(column: str, lang: str | None = "de") -> pl.Expr:
    """Polars expression: integer cents column → ``1234,56`` text, like
    :func:`format_amount_plain` but for a whole column at once (CSV export of large lists)."""
    cents = pl.col(column)
    magnitude = cents.abs()
    units = (magnitude // 100).cast(pl.String)
    hundredths = (magnitude % 100).cast(pl.String).str.zfill(2)
    sign = pl.when(cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    mark = _DECIMAL_MARKS[normalise_language(lang)]
    return pl.concat_str([sign, units, pl.lit(mark), hundredths]).alias(column)


def format_number(value: int | float | Decimal | None, lang: str | None = "de") -> str:
    """``5000`` → ``5.000`` / ``5,000``."""
    if value is None:
        return ""
    return format_decimal(value, locale=locale_of(lang))


def format_percent(
    fraction: float | Decimal | None, lang: str | None = "de", decimals: int = 1
) -> str:
    """``0.1234`` → ``12,3 %`` / ``12.3%``."""
    if fraction is None:
        return ""
    digits = "0" * decimals
    pattern = "#,##0" + (f".{digits}" if decimals else "")
    pattern += "\u00a0%" if normalise_language(lang) == "de" else "%"
    return format_decimal(Decimal(str(fraction)), format=pattern, locale=locale_of(lang))


def format_rate(rate: str | Decimal | None, lang: str | None = "de") -> str:
    """An exchange rate with all its published digits: ``1.0856`` → ``1,0856``."""
    if rate is None or rate == "":
        return ""
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        return str(rate)
    return format_decimal(value, format="#,##0.0###########", locale=locale_of(lang))


# The core stores UTC; people read German time (the owner's business lives there).
DISPLAY_ZONE = "Europe/Berlin"


ColumnT = TypeVar("ColumnT", pl.Series, pl.Expr)


def local_time(moment: ColumnT) -> ColumnT:
    """Naive-UTC datetime column (Polars Series or expression) → naive German local time."""
    return (
        moment.dt.replace_time_zone("UTC")
        .dt.convert_time_zone(DISPLAY_ZONE)
        .dt.replace_time_zone(None)
    )


def _local(value: datetime) -> datetime:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(DISPLAY_ZONE)).replace(tzinfo=None)


def parse_day(text: str) -> date:
    """A day as the owner types it: ``2025-03-31`` or ``31.03.2025``; ValueError otherwise."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise ValueError(f"not a day: {text!r}")


def format_date(value: date | datetime | None, lang: str | None = "de") -> str:
    """``date(2025, 12, 31)`` → ``31.12.2025`` / ``2025-12-31``; ``None`` → ``""``.
    A datetime (UTC, as stored) is shown on its German calendar day."""
    if value is None:
        return ""
    day = _local(value).date() if isinstance(value, datetime) else value
    pattern = _DATE_PATTERNS[normalise_language(lang)]
    return babel_format_date(day, pattern, locale=locale_of(lang))


def format_datetime(value: datetime | None, lang: str | None = "de") -> str:
    """``31.12.2025 14:05`` / ``2025-12-31 14:05`` in German time (stored as UTC)."""
    if value is None:
        return ""
    return f"{format_date(value, lang)} {_local(value):%H:%M}"


@lru_cache(maxsize=4)
def _territories(lang: str) -> dict[str, str]:
    return dict(Locale.parse(locale_of(lang)).territories)


def country_name(code: str | None, lang: str | None = "de") -> str:
    """``DE`` → ``Deutschland`` / ``Germany``; unknown codes as they are."""
    if not code:
        return ""
    return _territories(normalise_language(lang)).get(code.upper(), code)


def date_column_format(lang: str | None = "de") -> str:
    """The moment.js pattern for ``st.column_config.DateColumn`` in this language."""
    return _DATE_COLUMN_FORMATS[normalise_language(lang)]


def datetime_column_format(lang: str | None = "de") -> str:
    return _DATETIME_COLUMN_FORMATS[normalise_language(lang)]


def plotly_separators(lang: str | None = "de") -> str:
    """Plotly's ``layout.separators`` (decimal mark, thousands separator)."""
    return _PLOTLY_SEPARATORS[normalise_language(lang)]
