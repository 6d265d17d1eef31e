"""Einstellungen: test-order rules, orders left out of the totals, ECB exchange rates."""

from __future__ import annotations

import polars as pl
import streamlit as st
from sqlalchemy.engine import make_url

import ui
import ui_rfm
from kundenwert import i18n
from kundenwert.customers import excluded_orders
from kundenwert.preferences import TestOrderRules, load_test_rules, save_test_rules
from kundenwert.rates import RatesFileError, import_ecb_file

RATES_ROUND_KEY = "rates_round"
MAX_ROWS = 1000  # newest excluded orders shown; the count above says how many there are


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def render_rules() -> None:
    st.header(ui.tr("settings.rules"), anchor=False)
    st.caption(ui.tr("settings.rules_caption"))
    rules = load_test_rules(ui.engine())
    with st.form("rules_form"):
        emails, domains = st.columns(2)
        email_text = emails.text_area(
            ui.tr("settings.rules_emails"), value="\n".join(rules.emails), key="rules_emails"
        )
        domain_text = domains.text_area(
            ui.tr("settings.rules_domains"), value="\n".join(rules.domains), key="rules_domains"
        )
        zero = st.checkbox(ui.tr("settings.rules_zero"), value=rules.zero_amount, key="rules_zero")
        sandbox = st.checkbox(
            ui.tr("settings.rules_sandbox"), value=rules.sandbox, key="rules_sandbox"
        )
        if st.form_submit_button(ui.tr("settings.rules_save"), type="primary"):
            save_test_rules(
                ui.engine(),
                TestOrderRules(
                    emails=lines(email_text),
                    domains=lines(domain_text),
                    zero_amount=zero,
                    sandbox=sandbox,
                ),
            )
            ui.flash(ui.tr("settings.rules_saved"))
            st.rerun()


def render_excluded(excluded: pl.DataFrame) -> None:
    st.header(ui.tr("settings.excluded"), anchor=False)
    st.caption(ui.tr("settings.excluded_caption"))
    if excluded.height == 0:
        st.success(ui.tr("settings.excluded_none"))
        return
    missing_rates = excluded.filter(pl.col("excluded_reason") == "no_rate").height
    if missing_rates:
        st.warning(ui.tr("settings.missing_rates", count=ui.number(missing_rates)))
    lang = ui.lang()
    rows = excluded.sort("ordered_at", descending=True).head(MAX_ROWS)
    st.markdown(f"**{ui.tr('settings.excluded_count', count=ui.number(excluded.height))}**")
    if excluded.height > rows.height:
        st.caption(ui.tr("settings.excluded_newest", shown=ui.number(rows.height)))
    event = st.dataframe(
        pl.DataFrame(
            {
                "ordered_at": i18n.local_time(rows["ordered_at"]),
                "source_label": rows["source_label"],
                "source_order_id": rows["source_order_id"],
                "original": [
                    ui.money(c, cur)
                    for c, cur in zip(rows["gross_cents"], rows["currency"], strict=True)
                ],
                "excluded_reason": [
                    i18n.label("excluded", r, lang) for r in rows["excluded_reason"]
                ],
                "status": [i18n.label("status", s, lang) for s in rows["status"]],
                "name": rows["name"],
                "email": rows["email"],
            }
        ),
        hide_index=True,
        placeholder="",
        key="excluded_table",
        on_select="rerun",
        selection_mode="single-row",
        width="stretch",
        column_config={
            "ordered_at": ui.datetime_column(ui.tr("col.date")),
            "excluded_reason": ui.tr("col.excluded_reason"),
            "source_label": ui.tr("col.source"),
            "source_order_id": ui.tr("col.order_id"),
            "status": ui.tr("col.status"),
            "original": ui.money_column(ui.tr("col.original_amount")),
            "name": ui.tr("col.name"),
            "email": ui.tr("col.email"),
        },
    )
    if (position := ui.selected_row(event)) is not None:
        ui.open_customer(int(rows["person_id"][position]))
    st.caption(ui.tr("common.select_hint"))


def render_rates(rates: pl.DataFrame) -> None:
    st.header(ui.tr("settings.rates"), anchor=False)
    st.caption(ui.tr("settings.rates_caption"))
    if rates.height:
        st.markdown(
            ui.tr(
                "settings.rates_known",
                count=ui.number(rates.height),
                currencies=ui.number(rates["currency"].n_unique()),
                first=ui.day(rates["day"].min()),
                last=ui.day(rates["day"].max()),
            )
        )
    else:
        st.info(ui.tr("settings.rates_none"))
    round_number = st.session_state.setdefault(RATES_ROUND_KEY, 0)
    uploaded = st.file_uploader(
        ui.tr("settings.rates_file"), type=["csv", "zip"], key=f"rates_file_{round_number}"
    )
    if uploaded is not None and st.button(
        ui.tr("settings.rates_button"), type="primary", key="rates_button"
    ):
        try:
            with st.spinner(ui.tr("app.loading")):
                added = import_ecb_file(ui.engine(), uploaded.getvalue(), uploaded.name)
        except RatesFileError as error:
            st.error(str(error))
        else:
            ui.flash(ui.tr("settings.rates_done", count=ui.number(added)))
            st.session_state[RATES_ROUND_KEY] = round_number + 1
            st.rerun()


def render_installation() -> None:
    settings = ui.settings()
    st.header(ui.tr("settings.installation"), anchor=False)
    st.caption(ui.tr("settings.installation_caption"))
    url = make_url(settings.resolved_database_url)
    # Never the whole URL: it may hold a password.
    database = (
        f"SQLite: {url.database}"
        if url.get_backend_name() == "sqlite"
        else f"{url.get_backend_name()} ({url.host or 'localhost'})"
    )
    currency, basis, db = st.columns(3)
    currency.metric(ui.tr("settings.base_currency"), settings.base_currency)
    basis.metric(ui.tr("settings.default_basis"), ui.tr(f"basis_long.{settings.money_basis.value}"))
    db.metric(ui.tr("settings.database"), url.get_backend_name(), help=database)
    st.caption(ui.tr("settings.inactivity", days=ui.number(settings.inactivity_days)))


ui.inside_frame()
st.title(ui.tr("nav.settings"))
ds = ui.load_dataset()
render_rules()
ui_rfm.render_grid_editor()
render_excluded(excluded_orders(ds))
render_rates(ds.frames.rates)
render_installation()
