"""Dubletten: persons that are probably one customer, to compare and merge by hand."""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

import ui
from kundenwert import i18n
from kundenwert.identity import merge_persons


def pairs_with_people(pairs: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Each pair with name, e-mail, value and sources of both persons."""
    people = customers.select("person_id", "name", "email", "value", "sources")
    return pairs.join(
        people.rename(lambda c: f"{c}_a"), left_on="person_a", right_on="person_id_a"
    ).join(people.rename(lambda c: f"{c}_b"), left_on="person_b", right_on="person_id_b")


def render_pair(pair: dict[str, Any]) -> None:
    a, b = int(pair["person_a"]), int(pair["person_b"])
    left, right = st.columns(2)
    for column, key, person in ((left, "a", a), (right, "b", b)):
        with column.container(border=True):
            st.markdown(
                f"**{ui.tr(f'col.person_{key}')}** · {ui.tr('customer.person_ref', person=person)}"
            )
            name = pair[f"name_{key}"] or ui.tr("customer.unnamed")
            st.markdown(f"{name}  \n{pair[f'email_{key}'] or ''}")
            value = ui.money(int(pair[f"value_{key}"] or 0))
            st.caption(f"{pair[f'sources_{key}'] or ''} · {value}")
            st.page_link(
                ui.CUSTOMER_PAGE,
                label=ui.tr("customer.open_person", person=person),
                query_params={"person": str(person)},
                icon=":material/person:",
            )
    st.button(
        ui.tr("duplicates.merge_button"),
        key="duplicate_ask",
        on_click=ui.ask,
        args=("duplicate_merge",),
    )

    def do_merge() -> str:
        merge_persons(ui.engine(), a, b, i18n.label("duplicate_reason", pair["reason"], ui.lang()))
        return ui.tr("customer.merged", other=b, person=a)

    ui.confirmation(
        "duplicate_merge",
        ui.tr(
            "customer.merge_confirm",
            other=ui.tr("customer.person_ref", person=b),
            person=ui.tr("customer.person_ref", person=a),
        ),
        do_merge,
    )


ui.inside_frame()
st.title(ui.tr("nav.duplicates"))
ds = ui.require_data()
st.caption(ui.tr("duplicates.caption"))
pairs = pairs_with_people(ui.load_duplicates(), ds.customers)
if pairs.height == 0:
    st.success(ui.tr("duplicates.none"))
    st.stop()

lang = ui.lang()
st.markdown(f"**{ui.tr('duplicates.count', count=ui.number(pairs.height))}**")
event = st.dataframe(
    pl.DataFrame(
        {
            "reason": [i18n.label("duplicate_reason", r, lang) for r in pairs["reason"]],
            "detail": pairs["detail"],
            "person_a": pairs["person_a"],
            "name_a": pairs["name_a"],
            "email_a": pairs["email_a"],
            "person_b": pairs["person_b"],
            "name_b": pairs["name_b"],
            "email_b": pairs["email_b"],
        }
    ),
    hide_index=True,
    placeholder="",
    key=ui.fresh_key("duplicates_table"),
    on_select="rerun",
    selection_mode="single-row",
    width="stretch",
    column_config={
        "reason": ui.tr("col.reason"),
        "detail": ui.tr("col.detail"),
        "person_a": st.column_config.NumberColumn(ui.tr("col.person_a"), format="%d"),
        "name_a": ui.tr("col.name"),
        "email_a": ui.tr("col.email"),
        "person_b": st.column_config.NumberColumn(ui.tr("col.person_b"), format="%d"),
        "name_b": ui.tr("col.name"),
        "email_b": ui.tr("col.email"),
    },
)
position = ui.selected_row(event)
if position is None:
    st.caption(ui.tr("duplicates.select_hint"))
else:
    render_pair(pairs.row(position, named=True))
