"""Kundenwert dashboard: the frame around the pages (``streamlit run app.py``).

Page config, the login gate (:mod:`ui_login`), the shared sidebar (language, value basis),
navigation, the demo-data notice; then the chosen page runs. The database comes from the
settings (``KUNDENWERT_DATA_DIR`` or ``KUNDENWERT_DATABASE_URL``).
"""

from __future__ import annotations

import streamlit as st

import ui
import ui_login

st.set_page_config(page_title="Kundenwert", page_icon=":material/euro:", layout="wide")

ui.start_run()
# Before st.navigation: a visitor who is not logged in sees the login form and nothing else.
ui_login.require_login()
ui.render_sidebar()
ui_login.render_logout()

analysis = [
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
        "pages/kennzahlen.py",
        title=ui.tr("nav.business"),
        icon=":material/monitoring:",
        url_path="kennzahlen",
    ),
    st.Page(
        "pages/kundenreise.py",
        title=ui.tr("nav.journey"),
        icon=":material/conversion_path:",
        url_path="kundenreise",
    ),
    st.Page(
        "pages/segmente.py",
        title=ui.tr("nav.segments"),
        icon=":material/filter_alt:",
        url_path="segmente",
    ),
    st.Page(
        "pages/prognose.py",
        title=ui.tr("nav.forecast"),
        icon=":material/trending_up:",
        url_path="prognose",
    ),
]
people = [
    st.Page(
        "pages/kunde.py", title=ui.tr("nav.customer"), icon=":material/person:", url_path="kunde"
    ),
    st.Page(
        "pages/dubletten.py",
        title=ui.tr("nav.duplicates"),
        icon=":material/join:",
        url_path="dubletten",
    ),
]
data = [
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
# Sections keep 13 pages readable; expanded, so no page hides behind "View more".
page = st.navigation(
    {
        ui.tr("nav.section_analysis"): analysis,
        ui.tr("nav.section_people"): people,
        ui.tr("nav.section_data"): data,
    },
    expanded=True,
)

if ui.is_demo():
    st.info(ui.tr("app.demo_notice"), icon=":material/science:")

page.run()
