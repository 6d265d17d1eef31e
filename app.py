"""Kundenwert dashboard: the frame around the pages (``streamlit run app.py``).

Page config, the shared sidebar (language, value basis), navigation, the demo-data notice;
then the chosen page runs. The database comes from the settings (``KUNDENWERT_DATA_DIR`` or
``KUNDENWERT_DATABASE_URL``).
"""

from __future__ import annotations

import streamlit as st

import ui

st.set_page_config(page_title="Kundenwert", page_icon=":material/euro:", layout="wide")

ui.start_run()
ui.render_sidebar()

pages = [
    st.Page(
        "pages/uebersicht.py",
        title=ui.tr("nav.overview"),
        icon=":material/dashboard:",
        url_path="uebersicht",
        default=True,
    ),
    st.Page(
        "pages/kunden.py", title=ui.tr("nav.customers"), icon=":material/group:", url_path="kunden"
    ),
    st.Page(
        "pages/kundenmatrix.py",
        title=ui.tr("nav.matrix"),
        icon=":material/table_view:",
        url_path="kundenmatrix",
    ),
    st.Page("pages/rfm.py", title=ui.tr("nav.rfm"), icon=":material/grid_on:", url_path="rfm"),
    st.Page(
        "pages/kundenreise.py",
        title=ui.tr("nav.journey"),
        icon=":material/conversion_path:",
        url_path="kundenreise",
    ),
    st.Page(
        "pages/kunde.py", title=ui.tr("nav.customer"), icon=":material/person:", url_path="kunde"
    ),
    st.Page(
        "pages/dubletten.py",
        title=ui.tr("nav.duplicates"),
        icon=":material/join:",
        url_path="dubletten",
    ),
    st.Page(
        "pages/datenquellen.py",
        title=ui.tr("nav.sources"),
        icon=":material/upload_file:",
        url_path="datenquellen",
    ),
    st.Page(
        "pages/datenqualitaet.py",
        title=ui.tr("nav.quality"),
        icon=":material/fact_check:",
        url_path="datenqualitaet",
    ),
    st.Page(
        "pages/einstellungen.py",
        title=ui.tr("nav.settings"),
        icon=":material/settings:",
        url_path="einstellungen",
    ),
]
page = st.navigation(pages)

if ui.is_demo():
    st.info(ui.tr("app.demo_notice"), icon=":material/science:")

page.run()
