"""Kunde: one person's report — data from every source, value, orders, history, merges."""

from __future__ import annotations

from typing import Any

import plotly.express as px
import polars as pl
import streamlit as st

import ui
import ui_clv
from kundenwert import gdpr, i18n
from kundenwert.customers import CustomerDetail, Dataset, customer_detail
from kundenwert.identity import merge_history, merge_persons, split_contacts, undo
from kundenwert.models import MergeLog


def person_from_request() -> int | None:
    """``?person=…`` wins (shareable links), else the person opened last in this session."""
    raw = st.query_params.get("person")
    if raw is not None:
        try:
            return int(raw)
        except ValueError:
            return None
    remembered = st.session_state.get("customer_person")
    return int(remembered) if remembered is not None else None


def person_label(row: dict[str, Any]) -> str:
    return ui.tr(
        "customer.person_label",
        person=row["person_id"],
        name=row["name"] or ui.tr("customer.unnamed"),
        email=row["email"] or ui.tr("common.none"),
        value=ui.money(int(row["value"] or 0)),
    )


def render_person_picker(ds: Dataset, key: str, label: str, exclude: int | None = None) -> None:
    """Search box and match list; choosing a match opens that person's report."""
    text = st.text_input(
        label,
        key=f"{key}_search",
        type="search",
        placeholder=ui.tr("customers.search_placeholder"),
    )
    if not text:
        return
    found = ui.find_persons(ds, text)
    if exclude is not None:
        found = found.filter(pl.col("person_id") != exclude)
    if found.height == 0:
        st.info(ui.tr("customer.no_match", search=text))
        return
    options = found.to_dicts()
    chosen = st.selectbox(
        ui.tr("customer.pick"),
        options=range(len(options)),
        format_func=ui.labels(range(len(options)), lambda i: person_label(options[i])),
        index=None,
        placeholder=ui.tr("customer.pick_placeholder"),
        key=ui.fresh_key(f"{key}_pick"),
    )
    if chosen is not None:
        ui.open_customer(int(options[chosen]["person_id"]))


def render_tiles(detail: CustomerDetail) -> None:
    b = ui.basis_label()
    a = detail.attributes
    value, orders, average, refunds = st.columns(4)
    value.metric(
        ui.tr("customer.value", basis=b),
        ui.money(detail.value),
        help=ui.tr("customer.value_help", basis=b, currency=ui.currency()),
        border=True,
    )
    orders.metric(
        ui.tr("customer.orders"),
        ui.number(int(a["orders"] or 0)),
        help=ui.tr("customer.orders_help"),
        border=True,
    )
    average.metric(
        ui.tr("customer.average_order", basis=b), ui.money(detail.average_order), border=True
    )
    refunds.metric(
        ui.tr("customer.refunds", basis=b), ui.money(int(a["refunds"] or 0)), border=True
    )
    first, last, contacts, chargebacks = st.columns(4)
    first.metric(ui.tr("customer.first_order"), ui.day(a["first_order"]), border=True)
    last.metric(ui.tr("customer.last_order"), ui.day(a["last_order"]), border=True)
    contacts.metric(ui.tr("col.contacts"), ui.number(int(a["contacts"] or 0)), border=True)
    chargebacks.metric(
        ui.tr("customer.chargebacks", basis=b),
        ui.money(int(a["chargebacks"] or 0)),
        border=True,
    )


def render_value_by_source(detail: CustomerDetail) -> None:
    st.subheader(ui.tr("customer.by_source"))
    by_source = detail.value_by_source
    if by_source.height == 0:
        st.caption(ui.tr("customer.no_value"))
        return
    values = by_source["value"].to_list()
    fig = px.bar(
        x=ui.amounts_for_plot(values),
        y=by_source["source_label"].to_list(),
        orientation="h",
        text=ui.money_list(values),
        labels={"x": f"{ui.basis_label()}, {ui.currency()}", "y": ""},
    )
    fig.update_traces(textposition="auto", hovertemplate="%{y}: %{text}<extra></extra>")
    st.plotly_chart(ui.plotly_layout(fig, height=80 + 40 * by_source.height), key="by_source")


def render_contacts(detail: CustomerDetail) -> None:
    st.subheader(ui.tr("customer.contacts"))
    c = detail.contacts
    lang = ui.lang()
    st.dataframe(
        pl.DataFrame(
            {
                "source_label": c["source_label"],
                "kind": [i18n.label("tool", k, lang) for k in c["kind"]],
                "source_contact_id": c["source_contact_id"],
                "email": c["email"],
                "name": [
                    " ".join(filter(None, [first, last]))
                    for first, last in zip(c["first_name"], c["last_name"], strict=True)
                ],
                "company": c["company"],
                "country": [i18n.country_name(x, lang) for x in c["country"]],
                "city": c["city"],
                "postcode": c["postcode"],
                "created_at": c["created_at"],
                "url": c["url"],
            }
        ),
        hide_index=True,
        placeholder="",
        key="contacts_table",
        column_config={
            "source_label": ui.tr("col.source"),
            "kind": ui.tr("col.tool"),
            "source_contact_id": ui.tr("col.contact_id"),
            "email": ui.tr("col.email"),
            "name": ui.tr("col.name"),
            "company": ui.tr("col.company"),
            "country": ui.tr("col.country"),
            "city": ui.tr("col.city"),
            "postcode": ui.tr("col.postcode"),
            "created_at": ui.datetime_column(ui.tr("col.created_at")),
            "url": st.column_config.LinkColumn(
                ui.tr("col.link"), display_text=ui.tr("col.link_text")
            ),
        },
    )


def not_counted_reason(reason: str | None, counted: bool, status: str) -> str:
    if counted:
        return ""
    if reason:
        return i18n.label("excluded", reason, ui.lang())
    return ui.tr("excluded.status", status=i18n.label("status", status, ui.lang()))


def render_orders(detail: CustomerDetail) -> None:
    st.subheader(ui.tr("customer.orders_table"))
    st.caption(ui.tr("customer.orders_caption"))
    o = detail.orders
    lang = ui.lang()
    rows = o.to_dicts()
    st.dataframe(
        pl.DataFrame(
            {
                "ordered_at": i18n.local_time(o["ordered_at"]),
                "source_label": o["source_label"],
                "source_order_id": o["source_order_id"],
                "status": [i18n.label("status", r["status"], lang) for r in rows],
                "kind": [i18n.label("kind", r["kind"], lang) for r in rows],
                "original": [ui.money(r["gross_cents"], r["currency"]) for r in rows],
                "value": ui.money_list(o["value"].to_list()),
                "rate": [
                    f"{i18n.format_rate(r['rate'], lang)} {r['currency']}" if r["rate"] else ""
                    for r in rows
                ],
                "rate_day": o["rate_day"],
                "counted": o["counted"],
                "excluded": [
                    not_counted_reason(r["excluded_reason"], r["counted"], r["status"])
                    for r in rows
                ],
                "products": o["products"],
                "url": o["url"],
            }
        ),
        hide_index=True,
        placeholder="",
        key="orders_table",
        column_config={
            "ordered_at": ui.datetime_column(ui.tr("col.date")),
            "source_label": ui.tr("col.source"),
            "source_order_id": ui.tr("col.order_id"),
            "status": ui.tr("col.status"),
            "kind": ui.tr("col.kind"),
            "original": ui.money_column(ui.tr("col.original_amount")),
            "rate": st.column_config.TextColumn(ui.tr("col.rate"), alignment="right"),
            "rate_day": ui.date_column(ui.tr("col.rate_day")),
            "value": ui.money_column(
                ui.tr("col.order_value", basis=ui.basis_label(), currency=ui.currency())
            ),
            "counted": st.column_config.CheckboxColumn(ui.tr("col.counted")),
            "excluded": ui.tr("col.excluded_reason"),
            "products": ui.tr("col.products"),
            "url": st.column_config.LinkColumn(
                ui.tr("col.link"), display_text=ui.tr("col.link_text")
            ),
        },
    )


def render_products_and_refunds(detail: CustomerDetail) -> None:
    products, refunds = st.columns(2)
    lang = ui.lang()
    with products:
        st.subheader(ui.tr("customer.products"))
        if detail.products.height == 0:
            st.caption(ui.tr("customer.no_products"))
        else:
            st.dataframe(
                detail.products.with_columns(i18n.local_time(pl.col("last_bought")).dt.date()),
                hide_index=True,
                placeholder="",
                key="products_table",
                column_config={
                    "product_name": ui.tr("col.product"),
                    "orders": ui.tr("col.orders"),
                    "quantity": ui.tr("col.quantity"),
                    "last_bought": ui.date_column(ui.tr("col.last_bought")),
                },
            )
    with refunds:
        st.subheader(ui.tr("customer.refunds_table"))
        r = detail.refunds
        if r.height == 0:
            st.caption(ui.tr("customer.no_refunds"))
            return
        st.caption(ui.tr("customer.refunds_caption"))
        st.dataframe(
            pl.DataFrame(
                {
                    "refunded_at": i18n.local_time(r["refunded_at"]).dt.date(),
                    "reason": [i18n.label("refund_reason", x, lang) for x in r["reason"]],
                    "amount": [
                        ui.money(a, cur)
                        for a, cur in zip(r["amount_cents"], r["currency"], strict=True)
                    ],
                    "source_label": r["source_label"],
                    "source_order_id": r["source_order_id"],
                }
            ),
            hide_index=True,
            placeholder="",
            key="refunds_table",
            column_config={
                "refunded_at": ui.date_column(ui.tr("col.date")),
                "reason": ui.tr("col.reason"),
                "amount": ui.money_column(ui.tr("col.amount")),
                "source_label": ui.tr("col.source"),
                "source_order_id": ui.tr("col.order_id"),
            },
        )


def render_timeline(detail: CustomerDetail) -> None:
    st.subheader(ui.tr("customer.timeline"))
    tl = detail.timeline
    if tl.height == 0:
        st.caption(ui.tr("customer.no_timeline"))
        return
    lang = ui.lang()
    events = [i18n.label("event", e, lang) for e in tl["event"]]
    fig = px.scatter(
        x=i18n.local_time(tl["at"]).to_list(),
        y=events,
        color=tl["source_label"].to_list(),
        hover_name=tl["detail"].to_list(),
        labels={"x": "", "y": "", "color": ui.tr("col.source")},
    )
    fig.update_traces(marker={"size": 12})
    st.plotly_chart(ui.date_axis(ui.plotly_layout(fig, height=260)), key="timeline_chart")
    with st.expander(ui.tr("customer.timeline_table")):
        st.dataframe(
            pl.DataFrame(
                {
                    "at": i18n.local_time(tl["at"]),
                    "event": events,
                    "source_label": tl["source_label"],
                    "detail": tl["detail"],
                }
            ),
            hide_index=True,
            placeholder="",
            key="timeline_table",
            column_config={
                "at": ui.datetime_column(ui.tr("col.at")),
                "event": ui.tr("col.event"),
                "source_label": ui.tr("col.source"),
                "detail": ui.tr("col.detail"),
            },
        )


def log_label(entry: MergeLog) -> str:
    lang = ui.lang()
    return ui.tr(
        "customer.log_label",
        log=entry.id,
        date=ui.day(entry.at),
        action=i18n.label("merge_action", entry.action, lang),
        reason=i18n.label("merge_reason", entry.reason, lang),
    )


def render_history(ds: Dataset, detail: CustomerDetail) -> None:
    st.subheader(ui.tr("customer.history"))
    person = detail.person_id
    engine = ui.engine()
    history = merge_history(engine, person)
    lang = ui.lang()
    if history:
        st.dataframe(
            pl.DataFrame(
                {
                    "id": [e.id for e in history],
                    "at": [e.at for e in history],
                    "action": [i18n.label("merge_action", e.action, lang) for e in history],
                    "reason": [i18n.label("merge_reason", e.reason, lang) for e in history],
                    "person_id": [e.person_id for e in history],
                    "other_person_id": [e.other_person_id for e in history],
                    "contact_ids": [e.contact_ids for e in history],
                    "note": [e.note for e in history],
                    "undone_at": [e.undone_at for e in history],
                },
                schema_overrides={"other_person_id": pl.Int64, "undone_at": pl.Datetime("us")},
            ),
            hide_index=True,
            placeholder="",
            key="history_table",
            column_config={
                "id": st.column_config.NumberColumn(ui.tr("col.log_id"), format="#%d"),
                "at": ui.datetime_column(ui.tr("col.at")),
                "action": ui.tr("col.action"),
                "reason": ui.tr("col.reason"),
                "person_id": st.column_config.NumberColumn(ui.tr("col.moved_to"), format="%d"),
                "other_person_id": st.column_config.NumberColumn(
                    ui.tr("col.moved_from"), format="%d"
                ),
                "contact_ids": ui.tr("col.contact_ids"),
                "note": ui.tr("col.note"),
                "undone_at": ui.datetime_column(ui.tr("col.undone_at")),
            },
        )
    else:
        st.caption(ui.tr("customer.no_history"))

    # A key keeps the chosen tab across reruns (a confirmation button must not jump back).
    merge_tab, split_tab, undo_tab = st.tabs(
        [ui.tr("customer.merge"), ui.tr("customer.split"), ui.tr("customer.undo")],
        key=f"customer_tabs:{ui.lang()}",
    )
    with merge_tab:
        render_merge(ds, person)
    with split_tab:
        render_split(detail)
    with undo_tab:
        render_undo(history)


def render_merge(ds: Dataset, person: int) -> None:
    st.caption(ui.tr("customer.merge_help"))
    text = st.text_input(
        ui.tr("customer.merge_search"),
        key=ui.fresh_key("merge_search"),
        type="search",
        placeholder=ui.tr("customer.merge_placeholder"),
    )
    if not text:
        return
    found = ui.find_persons(ds, text).filter(pl.col("person_id") != person)
    if found.height == 0:
        st.info(ui.tr("customer.no_match", search=text))
        return
    options = found.to_dicts()
    chosen = st.selectbox(
        ui.tr("customer.pick"),
        options=range(len(options)),
        format_func=ui.labels(range(len(options)), lambda i: person_label(options[i])),
        key=ui.fresh_key("merge_pick"),
    )
    other = options[chosen or 0]
    note = st.text_input(ui.tr("customer.note"), key=ui.fresh_key("merge_note"))
    st.button(ui.tr("customer.merge_button"), key="merge_ask", on_click=ui.ask, args=("merge",))
    other_id = int(other["person_id"])

    def do_merge() -> str:
        merge_persons(ui.engine(), person, other_id, note or None)
        return ui.tr("customer.merged", other=other_id, person=person)

    ui.confirmation(
        "merge",
        ui.tr(
            "customer.merge_confirm",
            other=person_label(other),
            person=ui.tr("customer.person_ref", person=person),
        ),
        do_merge,
    )


def render_split(detail: CustomerDetail) -> None:
    st.caption(ui.tr("customer.split_help"))
    contacts = detail.contacts.to_dicts()
    if len(contacts) < 2:
        st.info(ui.tr("customer.split_single"))
        return
    labels = {
        int(c["id"]): ui.tr(
            "customer.contact_label",
            source=c["source_label"],
            email=c["email"] or ui.tr("common.none"),
            name=" ".join(filter(None, [c["first_name"], c["last_name"]])) or "–",
        )
        for c in contacts
    }
    chosen = st.multiselect(
        ui.tr("customer.split_pick"),
        options=list(labels),
        format_func=labels.__getitem__,
        key=ui.fresh_key("split_pick"),
        max_selections=len(labels) - 1,
    )
    note = st.text_input(ui.tr("customer.note"), key=ui.fresh_key("split_note"))
    st.button(
        ui.tr("customer.split_button"),
        key="split_ask",
        on_click=ui.ask,
        args=("split",),
        disabled=not chosen,
    )

    def do_split() -> str:
        new = split_contacts(ui.engine(), list(chosen), note or None)
        return ui.tr("customer.split_done", new=new)

    ui.confirmation(
        "split",
        ui.tr(
            "customer.split_confirm",
            count=len(chosen),
            person=ui.tr("customer.person_ref", person=detail.person_id),
        ),
        do_split,
    )


def render_undo(history: list[MergeLog]) -> None:
    open_entries = {e.id: e for e in history if e.undone_at is None and e.id is not None}
    if not open_entries:
        st.caption(ui.tr("customer.nothing_to_undo"))
        return
    chosen = st.selectbox(
        ui.tr("customer.undo_pick"),
        options=list(open_entries),
        format_func=ui.labels(list(open_entries), lambda i: log_label(open_entries[i])),
        key=ui.fresh_key("undo_pick"),
    )
    st.button(ui.tr("customer.undo_button"), key="undo_ask", on_click=ui.ask, args=("undo",))
    log_id = int(chosen or next(iter(open_entries)))

    def do_undo() -> str:
        target = undo(ui.engine(), log_id)
        return ui.tr("customer.undone", log=log_id, person=target)

    ui.confirmation("undo", ui.tr("customer.undo_confirm", log=log_id), do_undo)


def render_missing(person: int) -> None:
    """A person number without a customer: merged into someone else (say whom), or unknown."""
    merged_into = next(
        (
            entry
            for entry in merge_history(ui.engine(), person)
            if entry.action == "merge" and entry.other_person_id == person
        ),
        None,
    )
    if merged_into is None or merged_into.undone_at is not None:
        st.warning(ui.tr("customer.not_found", person=person))
        return
    st.info(ui.tr("customer.merged_into", person=person, target=merged_into.person_id))
    st.page_link(
        ui.CUSTOMER_PAGE,
        label=ui.tr("customer.open_person", person=merged_into.person_id),
        query_params={"person": str(merged_into.person_id)},
        icon=":material/person:",
    )


def render_gdpr(person: int) -> None:
    """Art. 15 export as downloads; Art. 17 erasure once the person number is typed."""
    with st.expander(ui.tr("gdpr.heading"), icon=":material/shield_person:"):
        st.caption(ui.tr("gdpr.export_help"))
        data = gdpr.export_person(ui.engine(), person)
        json_col, csv_col = st.columns(2)
        json_col.download_button(
            ui.tr("gdpr.download_json"),
            gdpr.export_json(data),
            file_name=f"auskunft-person-{person}.json",
            mime="application/json",
            key="gdpr_json",
            on_click="ignore",
        )
        csv_col.download_button(
            ui.tr("gdpr.download_csv"),
            gdpr.export_csv(data),
            file_name=f"auskunft-person-{person}.csv",
            mime="text/csv",
            key="gdpr_csv",
            on_click="ignore",
        )
        st.warning(ui.tr("gdpr.erase_help"), icon=":material/warning:")
        typed = st.text_input(
            ui.tr("gdpr.erase_type", person=person), key=ui.fresh_key("gdpr_confirm")
        )
        st.button(
            ui.tr("gdpr.erase_button"),
            key="gdpr_erase_ask",
            on_click=ui.ask,
            args=("gdpr_erase",),
            disabled=typed.strip() != str(person),
        )

        def do_erase() -> str:
            report = gdpr.erase_person(ui.engine(), person)
            return ui.tr(
                "gdpr.erased",
                person=person,
                contacts=report.contacts_erased,
                orders=report.orders_kept,
            )

        ui.confirmation("gdpr_erase", ui.tr("gdpr.erase_help"), do_erase)


# --- the page ---------------------------------------------------------------------------------

ui.inside_frame()
st.title(ui.tr("nav.customer"))
ds = ui.require_data()
person = person_from_request()
detail = customer_detail(ds, person) if person is not None else None

if detail is None:
    if person is not None:
        render_missing(person)
    render_person_picker(ds, "customer", ui.tr("customer.choose"))
    st.caption(ui.tr("customer.start"))
    st.stop()

st.session_state["customer_person"] = detail.person_id
st.query_params["person"] = str(detail.person_id)
name = detail.attributes.get("name") or detail.attributes.get("email") or ui.tr("customer.unnamed")
st.header(ui.tr("customer.heading", name=name, person=detail.person_id), anchor=False)
email = detail.attributes.get("email")
sources = detail.attributes.get("sources")
st.markdown(
    " · ".join(
        part
        for part in (
            f"[{email}](mailto:{email})" if email else "",
            f"{ui.tr('col.sources')}: {sources}" if sources else "",
        )
        if part
    )
)
with st.expander(ui.tr("customer.choose_other")):
    render_person_picker(ds, "other", ui.tr("customer.choose"), exclude=detail.person_id)
st.page_link(ui.CUSTOMERS_PAGE, label=ui.tr("customer.back"), icon=":material/arrow_back:")

render_tiles(detail)
ui_clv.render_tiles(detail.person_id)
left, right = st.columns([1, 2])
with left:
    render_value_by_source(detail)
with right:
    render_timeline(detail)
render_contacts(detail)
render_orders(detail)
render_products_and_refunds(detail)
render_history(ds, detail)
render_gdpr(detail.person_id)
