"""Datenquellen: the sources with their accounts (connect, test, sync, edit, remove), and the
CSV/Excel import with a preview first."""

from __future__ import annotations

import polars as pl
import streamlit as st

import ui
from connectors.base import ConnectorSpec, UnknownConnectorError, get_spec, specs
from kundenwert import i18n, jobs
from kundenwert.customers import source_overview
from kundenwert.db_errors import DATABASE_ERRORS, database_error_message
from kundenwert.import_formats import FORMATS
from kundenwert.importer import (
    FIELD_LABELS_DE,
    ImportFileError,
    ImportPreview,
    import_file,
    preview,
)
from kundenwert.models import SyncRun
from kundenwert.sources import (
    SourceError,
    SourceInfo,
    add_source,
    list_sources,
    masked_credentials,
    remove_source,
    update_source,
)
from kundenwert.sync import SyncError, check_connection

JOBS_KEY = "sync_jobs"  # ids of the background syncs this session started and waits for
ROUND_KEY = "import_round"  # a new uploader after each import, so the file is not sent twice
NEW_SOURCE = "__new__"
AUTO_FORMAT = "__auto__"  # not None: a select box shows None as "nothing chosen"
MONEY_FIELDS = ("amount_cents", "tax_cents", "refunded_cents")


@st.cache_resource(max_entries=4, show_spinner=False)
def load_preview(data: bytes, filename: str, format_name: str | None) -> ImportPreview:
    # cache_resource, not cache_data: the preview holds exceptions, which do not pickle.
    return preview(data, filename, format_name)


def field_label(name: str) -> str:
    if ui.lang() == "de":
        return f"{FIELD_LABELS_DE.get(name, name)} ({name})"
    return name


def error_detail(error: ImportFileError) -> str:
    """The message without its "Zeile 3, Spalte 'x': " prefix (the table has those columns)."""
    message = error.message(ui.lang())
    return message.split(": ", 1)[1] if error.row is not None and ": " in message else message


def suggested_source(overview: pl.DataFrame, result: ImportPreview, synced: set[str]) -> int:
    """Index in [new, *labels]: the one file source of the detected tool, else "new".

    A source with a connected API account (``synced``) is never suggested: the export's rows
    would land beside what the sync reads and may count twice.
    """
    fmt = FORMATS.get(result.format_name)
    if fmt is None:
        return 0
    same_tool = overview.with_row_index("position").filter(
        (pl.col("kind") == fmt.kind) & ~pl.col("label").is_in(list(synced))
    )
    return int(same_tool["position"][0]) + 1 if same_tool.height == 1 else 0


def warn_double_count(label: str, result: ImportPreview, accounts: list[SourceInfo]) -> None:
    """Say so when the file is an export of a tool this dashboard already syncs."""
    fmt = FORMATS.get(result.format_name)
    synced = [a.label for a in accounts if a.can_sync and (fmt and a.kind == fmt.kind)]
    if label in {a.label for a in accounts if a.can_sync}:
        st.warning(ui.tr("sources.into_synced", label=label))
    elif synced:
        st.warning(ui.tr("sources.tool_synced", labels=", ".join(synced)))


def column_label(column: str) -> str:
    """Preview columns are canonical field names, amounts with a ``_cents`` suffix."""
    names = {"row": ui.tr("col.row"), "date": ui.tr("col.date")}
    return names.get(column) or field_label(column.removesuffix("_cents"))


def render_sources(overview: pl.DataFrame) -> None:
    if overview.height == 0:
        st.info(ui.tr("sources.none"))
        return
    lang = ui.lang()
    st.dataframe(
        pl.DataFrame(
            {
                "label": overview["label"],
                "kind": [i18n.label("tool", k, lang) for k in overview["kind"]],
                "counts_towards_totals": overview["counts_towards_totals"],
                "contacts": overview["contacts"],
                "orders": overview["orders"],
                "counted_orders": overview["counted_orders"],
                "value": ui.money_list(overview["value"].to_list()),
                "last_import_at": overview["last_import_at"],
            }
        ),
        hide_index=True,
        placeholder="",
        key="sources_table",
        width="stretch",
        column_config={
            "label": ui.tr("col.source"),
            "kind": ui.tr("col.tool"),
            "counts_towards_totals": st.column_config.CheckboxColumn(
                ui.tr("col.counts_towards_totals")
            ),
            "contacts": ui.tr("col.contacts"),
            "orders": ui.tr("col.orders"),
            "counted_orders": ui.tr("col.counted_orders"),
            "value": ui.money_column(ui.tr("col.value", basis=ui.basis_label())),
            "last_import_at": ui.datetime_column(ui.tr("col.last_import")),
        },
    )


# --- accounts ---------------------------------------------------------------------------------


def spec_of(kind: str) -> ConnectorSpec | None:
    try:
        return get_spec(kind)
    except UnknownConnectorError:
        return None


def credential_label(spec: ConnectorSpec, name: str) -> str:
    return i18n.label("credential", name, ui.lang(), default=spec.credential_labels.get(name))


def run_summary(run: SyncRun) -> str:
    return ui.tr(
        "accounts.run_counts",
        **{
            name: ui.number(getattr(run, name))
            for name in (
                "contacts_added",
                "contacts_updated",
                "orders_added",
                "orders_updated",
                "refunds_added",
            )
        },
    )


def set_counts(label: str, key: str) -> None:
    """on_change of the "counts towards totals" toggle: store it, say so on the next run."""
    counts = bool(st.session_state[key])
    try:
        update_source(ui.engine(), label, counts_towards_totals=counts)
    except SourceError as error:
        ui.flash(ui.tr("common.error", message=str(error)), "error")
        return
    ui.flash(ui.tr("accounts.counts_on" if counts else "accounts.counts_off", label=label))


def render_key_status(info: SourceInfo, spec: ConnectorSpec) -> None:
    masked = masked_credentials(ui.engine(), info.label)
    if masked is None:
        st.warning(f"{ui.tr('accounts.keys')}: {ui.tr('accounts.key_unreadable')}")
        return
    parts = [
        f"{credential_label(spec, name)}: {ui.tr('accounts.key_stored', masked=value)}"
        for name, value in masked.items()
    ]
    st.markdown(f"**{ui.tr('accounts.keys')}:** " + " · ".join(parts))


def render_last_sync(info: SourceInfo) -> None:
    run = info.last_run
    if run is None:
        st.caption(ui.tr("accounts.never_synced"))
        return
    status = i18n.label("sync_status", run.status, ui.lang())
    at = i18n.format_datetime(run.finished_at or run.started_at, ui.lang())
    line = ui.tr("accounts.last_sync", status=status, at=at)
    if run.error:
        st.error(f"{line}. {run.error}")
    else:
        st.caption(f"{line}. {run_summary(run)}")


def render_test(info: SourceInfo) -> None:
    with st.spinner(ui.tr("accounts.test")):
        try:
            result = check_connection(ui.engine(), info.label)
        except SyncError as error:
            st.error(ui.tr("common.error", message=str(error)))
            return
    if result.ok:
        st.success(
            ui.tr(
                "accounts.test_ok",
                tool=result.title,
                contacts=ui.number(result.contacts),
                orders=ui.number(result.orders),
            )
        )
    else:
        st.error(ui.tr("accounts.test_failed", tool=result.title, error=result.error))


def start_sync(labels: list[str], everything: bool = False) -> None:
    """Hand the sync to a background job; the page shows its progress (see render_jobs)."""
    job = jobs.start(ui.engine(), labels)
    st.session_state.setdefault(JOBS_KEY, {})[job.id] = everything
    st.rerun()


def busy_labels() -> set[str]:
    return {label for job in jobs.running(ui.engine()) for label in job.labels}


def job_summary(job: jobs.SyncJob, everything: bool) -> tuple[str, str]:
    """The flash message of a finished job and its kind (success or error)."""
    lines = []
    for label, outcome in job.outcomes.items():
        if isinstance(outcome, SyncError):
            lines.append(ui.tr("accounts.sync_failed", label=label, error=str(outcome)))
        elif outcome.error:
            lines.append(ui.tr("accounts.sync_failed", label=label, error=outcome.error))
        elif not everything:
            lines.append(ui.tr("accounts.synced", label=label, summary=run_summary(outcome)))
    if everything:
        ok = len(job.labels) - len(job.failed)
        total = ui.number(len(job.labels))
        lines.insert(0, ui.tr("accounts.sync_all_done", ok=ui.number(ok), total=total))
    return "\n\n".join(lines), "error" if job.failed else "success"


def show_jobs() -> None:
    """Progress of the running syncs; when one this session started ends, say how it went."""
    watched: dict[int, bool] = st.session_state.setdefault(JOBS_KEY, {})
    for job in jobs.jobs(ui.engine()):
        if job.running:
            label = job.current or ", ".join(job.labels)
            note = job.note if ui.lang() == "de" and job.note else ""
            text = note or ui.tr("accounts.syncing", label=label)
            st.progress(min(max(job.fraction, 0.0), 1.0), text=text)
            st.caption(ui.tr("jobs.background"))
        elif job.id in watched:
            message, kind = job_summary(job, watched.pop(job.id))
            ui.flash(message, kind)
            st.rerun(scope="app")


def render_jobs() -> None:
    """Redraw the progress every second while a sync runs, without rerunning the page."""
    busy = bool(jobs.running(ui.engine())) or bool(st.session_state.get(JOBS_KEY))
    st.fragment(show_jobs, run_every=1.0 if busy else None)()


def render_edit(info: SourceInfo, spec: ConnectorSpec | None) -> None:
    with st.expander(ui.tr("accounts.edit"), icon=":material/edit:"):
        with st.form(f"edit:{info.label}", clear_on_submit=True, border=False):
            new_label = st.text_input(
                ui.tr("accounts.label"), value=info.label, key=f"edit_label:{info.label}"
            )
            base_url: str | None = None
            keys: dict[str, str] = {}
            if spec is not None and info.has_credentials:
                base_url = st.text_input(
                    ui.tr("accounts.base_url"),
                    value=info.base_url or "",
                    placeholder=spec.default_base_url or "",
                    help=base_url_help(spec),
                    key=f"edit_url:{info.label}",
                )
                for name in sorted(set(spec.credential_fields.values())):
                    keys[name] = st.text_input(
                        credential_label(spec, name),
                        type="password",
                        help=ui.tr("accounts.keep_key"),
                        key=f"edit_key:{info.label}:{name}",
                    )
            if not st.form_submit_button(ui.tr("accounts.save"), type="primary"):
                return
        entered = {name: value.strip() for name, value in keys.items()}
        if any(entered.values()) and not all(entered.values()):
            st.error(ui.tr("accounts.need_all_keys"))
            return
        try:
            update_source(
                ui.engine(),
                info.label,
                new_label=new_label,
                base_url=base_url,
                credentials=entered if any(entered.values()) else None,
            )
        except SourceError as error:
            st.error(ui.tr("common.error", message=str(error)))
            return
        ui.flash(ui.tr("accounts.saved", label=new_label.strip()))
        st.rerun()


def render_remove(info: SourceInfo) -> None:
    key = f"remove:{info.label}"

    def do_remove() -> str:
        removed = remove_source(ui.engine(), info.label)
        return ui.tr(
            "accounts.removed",
            label=info.label,
            **{name: ui.number(count) for name, count in removed.items()},
        )

    ui.confirmation(
        key,
        ui.tr(
            "accounts.remove_confirm",
            label=info.label,
            contacts=ui.number(info.contacts),
            orders=ui.number(info.orders),
        ),
        do_remove,
        yes_label=ui.tr("accounts.remove_yes"),
    )


def render_account(info: SourceInfo) -> None:
    spec = spec_of(info.kind)
    connected = spec is not None and info.has_credentials
    with st.container(border=True):
        st.subheader(info.label, anchor=False)
        tool = i18n.label("tool", info.kind, ui.lang(), default=spec.title if spec else None)
        st.caption(
            ui.tr(
                "accounts.summary",
                tool=tool if connected else f"{tool} · {ui.tr('accounts.import_only')}",
                contacts=ui.number(info.contacts),
                orders=ui.number(info.orders),
            )
        )
        counts_key = f"counts:{info.label}"
        st.toggle(
            ui.tr("accounts.counts"),
            value=info.counts_towards_totals,
            key=counts_key,
            help=ui.tr("accounts.counts_help"),
            on_change=set_counts,
            args=(info.label, counts_key),
        )
        if connected and spec is not None:
            url = info.base_url or ui.tr("accounts.official_url", url=spec.default_base_url)
            st.markdown(f"**{ui.tr('accounts.base_url')}:** {url}")
            render_key_status(info, spec)
            render_last_sync(info)
        buttons = st.container(horizontal=True)
        test = sync = False
        if connected:
            test = buttons.button(
                ui.tr("accounts.test"), key=f"test:{info.label}", icon=":material/lan:"
            )
            sync = buttons.button(
                ui.tr("accounts.sync"),
                key=f"sync:{info.label}",
                icon=":material/sync:",
                disabled=not info.can_sync or info.label in busy_labels(),
            )
        buttons.button(
            ui.tr("accounts.remove"),
            key=f"remove_ask:{info.label}",
            icon=":material/delete:",
            on_click=ui.ask,
            args=(f"remove:{info.label}",),
        )
        if test:
            render_test(info)
        if sync:
            start_sync([info.label])
        render_remove(info)
        render_edit(info, spec)


def render_sync_all(infos: list[SourceInfo]) -> None:
    syncable = [info.label for info in infos if info.can_sync]
    if syncable and st.button(ui.tr("accounts.sync_all"), key="sync_all", icon=":material/sync:"):
        start_sync(syncable, everything=True)
    render_jobs()


def base_url_help(spec: ConnectorSpec) -> str:
    if spec.default_base_url:
        return ui.tr("accounts.base_url_default", url=spec.default_base_url)
    return ui.tr("accounts.base_url_own")


def render_connect() -> None:
    st.header(ui.tr("accounts.connect"), anchor=False)
    st.caption(ui.tr("accounts.connect_caption"))
    tools = specs()
    kind = st.selectbox(
        ui.tr("accounts.tool"),
        options=list(tools),
        format_func=ui.labels(list(tools), lambda k: tools[k].title),
        key="connect_tool",
    )
    if kind is None:
        return
    spec = tools[kind]
    with st.form(f"connect_form:{kind}", clear_on_submit=True):
        label = st.text_input(
            ui.tr("accounts.label"),
            placeholder=ui.tr("accounts.label_placeholder"),
            key=f"connect_label:{kind}",
        )
        base_url = st.text_input(
            ui.tr("accounts.base_url"),
            placeholder=spec.default_base_url or "https://",
            help=base_url_help(spec),
            key=f"connect_url:{kind}",
        )
        keys = {
            name: st.text_input(
                credential_label(spec, name), type="password", key=f"connect_key:{kind}:{name}"
            )
            for name in sorted(set(spec.credential_fields.values()))
        }
        if not st.form_submit_button(ui.tr("accounts.connect_button"), type="primary"):
            return
    try:
        add_source(ui.engine(), kind, label, base_url=base_url or None, credentials=keys)
    except SourceError as error:
        st.error(ui.tr("common.error", message=str(error)))
        return
    ui.flash(ui.tr("accounts.connected", label=label.strip()))
    st.rerun()


def render_preview(result: ImportPreview) -> None:
    st.subheader(ui.tr("sources.preview"))
    st.markdown(
        ui.tr(
            "sources.detected",
            format=result.format_label,
            mode=ui.tr(f"sources.mode_{result.mode}"),
            rows=ui.number(result.row_count),
        )
    )
    mapping, unmapped = st.columns([2, 1])
    with mapping:
        st.markdown(f"**{ui.tr('sources.mapping')}**")
        st.dataframe(
            pl.DataFrame(
                {
                    "canonical": [field_label(f) for f in result.mapping],
                    "file_column": list(result.mapping.values()),
                },
                schema={"canonical": pl.String, "file_column": pl.String},
            ),
            hide_index=True,
            placeholder="",
            key="mapping_table",
            column_config={
                "canonical": ui.tr("col.canonical"),
                "file_column": ui.tr("col.file_column"),
            },
        )
    with unmapped:
        if result.unmapped:
            st.caption(ui.tr("sources.unmapped", columns=", ".join(result.unmapped)))
    if result.errors:
        st.error(
            ui.tr("sources.problems", count=len(result.errors))
            + "\n\n"
            + result.errors[0].message(ui.lang())
        )
        st.dataframe(
            pl.DataFrame(
                {
                    "row": [e.row for e in result.errors],
                    "column": [e.column for e in result.errors],
                    "problem": [error_detail(e) for e in result.errors],
                },
                schema={"row": pl.Int64, "column": pl.String, "problem": pl.String},
            ),
            hide_index=True,
            placeholder="",
            key="problems_table",
            width="stretch",
            column_config={
                "row": ui.tr("col.row"),
                "column": ui.tr("col.column"),
                "problem": ui.tr("col.problem"),
            },
        )
    else:
        st.success(ui.tr("sources.no_problems"))
    if result.rows.height:
        st.markdown(f"**{ui.tr('sources.first_rows')}**")
        rows = result.rows
        st.dataframe(
            rows.with_columns(
                pl.Series(
                    column,
                    [
                        ui.money(cents, code)
                        for cents, code in zip(rows[column], rows["currency"], strict=True)
                    ],
                )
                for column in MONEY_FIELDS
            ).with_columns(
                pl.Series("status", [i18n.label("status", s, ui.lang()) for s in rows["status"]]),
                pl.Series("kind", [i18n.label("kind", k, ui.lang()) for k in rows["kind"]]),
            ),
            hide_index=True,
            placeholder="",
            key="preview_rows",
            column_config={
                **{column: column_label(column) for column in rows.columns},
                "date": ui.datetime_column(column_label("date")),
                **{column: ui.money_column(column_label(column)) for column in MONEY_FIELDS},
            },
        )


ui.inside_frame()
st.title(ui.tr("nav.sources"))
ds = ui.load_dataset()
st.caption(ui.tr("sources.caption", basis=ui.basis_label(), currency=ui.currency()))
overview = source_overview(ds)
render_sources(overview)

st.header(ui.tr("accounts.title"), anchor=False)
st.caption(ui.tr("accounts.caption"))
accounts = list_sources(ui.engine())
render_sync_all(accounts)
for account in accounts:
    render_account(account)
render_connect()

st.header(ui.tr("sources.import"), anchor=False)
st.caption(ui.tr("sources.import_caption"))
round_number = st.session_state.setdefault(ROUND_KEY, 0)
file_col, format_col = st.columns([2, 1])
uploaded = file_col.file_uploader(
    ui.tr("sources.file"), type=["csv", "xlsx", "xls", "txt"], key=f"import_file_{round_number}"
)
format_choice = ui.choice(
    format_col.selectbox,
    ui.tr("sources.format"),
    options=[AUTO_FORMAT, *FORMATS],
    state="import_format",
    default=AUTO_FORMAT,
    format_func=lambda name: (
        ui.tr("sources.format_auto") if name == AUTO_FORMAT else FORMATS[name].label
    ),
)
format_name = None if format_choice == AUTO_FORMAT else format_choice
if uploaded is None:
    st.stop()

data = uploaded.getvalue()
with st.spinner(ui.tr("app.loading")):
    result = load_preview(data, uploaded.name, format_name)
render_preview(result)

st.subheader(ui.tr("sources.target"), anchor=False)
labels = overview["label"].to_list()
label_col, new_col = st.columns(2)
choice = label_col.selectbox(
    ui.tr("sources.label"),
    options=[NEW_SOURCE, *labels],
    index=suggested_source(overview, result, {a.label for a in accounts if a.can_sync}),
    format_func=ui.labels(
        [NEW_SOURCE, *labels],
        lambda value: ui.tr("sources.new_label") if value == NEW_SOURCE else value,
    ),
    key=f"import_label_{round_number}_{uploaded.file_id}_{ui.lang()}",
    help=ui.tr("sources.label_help"),
)
label = choice
if choice == NEW_SOURCE:
    label = new_col.text_input(
        ui.tr("sources.new_label_input"),
        key=f"import_new_label_{round_number}",
        placeholder=ui.tr("sources.new_label_placeholder"),
    ).strip()
    if label in labels:
        st.info(ui.tr("sources.label_exists", label=label))
warn_double_count(label, result, accounts)
if not label:
    st.info(ui.tr("sources.need_label"))
if st.button(
    ui.tr("sources.import_button"),
    type="primary",
    disabled=not (result.ok and label),
    key="import_button",
    icon=":material/upload:",
):
    try:
        with st.spinner(ui.tr("app.loading")):
            report = import_file(ui.engine(), data, uploaded.name, label, format_name)
    except ImportFileError as error:
        st.error(error.message(ui.lang()))
    except DATABASE_ERRORS as error:  # full disk, read-only file: nothing was imported
        st.error(database_error_message(error, ui.lang()))
    else:
        summary = ui.tr(
            "report.summary",
            rows=ui.number(report.rows_read),
            contacts_added=ui.number(report.contacts_added),
            contacts_updated=ui.number(report.contacts_updated),
            orders_added=ui.number(report.orders_added),
            orders_updated=ui.number(report.orders_updated),
            refunds_added=ui.number(report.refunds_added),
        )
        ui.flash(ui.tr("sources.imported", label=report.source_label, summary=summary))
        st.session_state[ROUND_KEY] = round_number + 1
        st.rerun()
