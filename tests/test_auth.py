"""The owner's login: the password hash, throttling, idle expiry, the CLI and the gate.

The AppTest tests here ask for the ``logged_out`` fixture (tests/conftest.py), so their
sessions start where a visitor starts: at the login form.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from kundenwert import auth, cli, cli_auth
from kundenwert.db import get_engine, make_engine, session_scope
from kundenwert.frames import data_version
from kundenwert.preferences import write_setting
from tests.databases import app_database_url
from tests.factories import contact, order, put
from tests.test_app import legacy_pages_mode, navigation_mode  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "pages").glob("*.py"))
PASSWORD = "Kundenwert-ist-geheim-2025"
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)


def stored_settings(engine: Engine) -> str:
    with engine.connect() as conn:
        return " ".join(row[0] for row in conn.execute(text("SELECT value_json FROM setting")))


def fail(engine: Engine, times: int, now: datetime = NOW) -> auth.LoginResult:
    result = auth.login(engine, "falsch-falsch-falsch", now=now)
    for _ in range(times - 1):
        result = auth.login(engine, "falsch-falsch-falsch", now=now)
    return result


@pytest.fixture
def owner(engine: Engine) -> Engine:
    auth.set_password(engine, PASSWORD, now=NOW)
    return engine


# --- password ----------------------------------------------------------------------------------


def test_the_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = auth.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert auth.verify_password(hashed, PASSWORD)
    assert not auth.verify_password(hashed, PASSWORD + "x")
    assert not auth.verify_password("kein-hash", PASSWORD)


def test_the_same_password_hashes_differently_every_time() -> None:
    assert auth.hash_password(PASSWORD) != auth.hash_password(PASSWORD)


@pytest.mark.parametrize("bad", ["kurz", "x" * 11, " " * 20, "x" * 1025])
def test_an_unusable_password_is_refused_and_nothing_is_stored(engine: Engine, bad: str) -> None:
    with pytest.raises(auth.PasswordError):
        auth.set_password(engine, bad)
    assert not auth.has_password(engine)


def test_only_the_hash_is_stored(owner: Engine) -> None:
    assert auth.has_password(owner)
    stored = stored_settings(owner)
    assert "$argon2id$" in stored
    assert PASSWORD not in stored


def test_a_right_password_logs_in_with_a_session(owner: Engine) -> None:
    result = auth.login(owner, PASSWORD, now=NOW)
    assert result.ok
    assert auth.session_active(owner, result.session, idle_minutes=60, now=NOW)


def test_without_a_password_nobody_logs_in(engine: Engine) -> None:
    assert auth.login(engine, PASSWORD).outcome is auth.Outcome.NO_PASSWORD


# --- throttling --------------------------------------------------------------------------------


def test_lock_out_grows_with_every_failure_up_to_a_cap() -> None:
    waits = [auth.lock_seconds(n) for n in range(1, 12)]
    assert waits == [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900]


def test_four_failures_cost_nothing_the_fifth_locks(owner: Engine) -> None:
    assert fail(owner, 4).locked_until is None
    fifth = fail(owner, 1)
    assert fifth.outcome is auth.Outcome.WRONG
    assert fifth.failures == 5
    assert fifth.locked_until == NOW + timedelta(seconds=30)


def test_while_locked_even_the_right_password_is_not_checked(owner: Engine) -> None:
    fail(owner, 5)
    during = auth.login(owner, PASSWORD, now=NOW + timedelta(seconds=29))
    assert during.outcome is auth.Outcome.LOCKED
    after = auth.login(owner, PASSWORD, now=NOW + timedelta(seconds=31))
    assert after.ok


def test_a_failure_after_the_lock_doubles_it(owner: Engine) -> None:
    fail(owner, 5)
    later = NOW + timedelta(seconds=31)
    sixth = fail(owner, 1, now=later)
    assert sixth.locked_until == later + timedelta(seconds=60)


def test_a_success_resets_the_count(owner: Engine) -> None:
    fail(owner, 4)
    assert auth.login(owner, PASSWORD, now=NOW).ok
    assert fail(owner, 4).locked_until is None


def test_the_lock_survives_a_restart(owner: Engine, sqlite_url: str) -> None:
    fail(owner, 5)
    reopened = make_engine(sqlite_url)  # another process, or the server after a restart
    assert auth.locked_until(reopened, now=NOW) == NOW + timedelta(seconds=30)
    assert auth.login(reopened, PASSWORD, now=NOW).outcome is auth.Outcome.LOCKED
    reopened.dispose()


def test_a_new_password_lifts_the_lock(owner: Engine) -> None:
    fail(owner, 5)
    auth.set_password(owner, "ein-ganz-neues-Passwort")
    assert auth.locked_until(owner, now=NOW) is None


def test_failed_logins_do_not_change_the_data_version(owner: Engine, sqlite_url: str) -> None:
    before = data_version(sqlite_url)
    fail(owner, 6)
    assert data_version(sqlite_url) == before


# --- session expiry ----------------------------------------------------------------------------


def test_a_session_expires_after_the_idle_minutes(owner: Engine) -> None:
    session = auth.login(owner, PASSWORD, now=NOW).session
    assert auth.session_active(owner, session, 60, now=NOW + timedelta(minutes=59))
    assert not auth.session_active(owner, session, 60, now=NOW + timedelta(minutes=61))


def test_activity_restarts_the_idle_timeout(owner: Engine) -> None:
    session = auth.login(owner, PASSWORD, now=NOW).session
    assert session is not None
    later = auth.touched(session, now=NOW + timedelta(minutes=50))
    assert auth.session_active(owner, later, 60, now=NOW + timedelta(minutes=100))


def test_a_new_password_ends_every_open_session(owner: Engine) -> None:
    session = auth.login(owner, PASSWORD, now=NOW).session
    auth.set_password(owner, "ein-ganz-neues-Passwort", now=NOW)
    assert not auth.session_active(owner, session, 60, now=NOW)


@pytest.mark.parametrize("state", [None, {}, {"stamp": "erfunden", "seen": NOW.isoformat()}])
def test_a_made_up_session_is_not_logged_in(owner: Engine, state: dict | None) -> None:
    assert not auth.session_active(owner, state, 60, now=NOW)


# --- without a password; OpenID Connect ---------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "demo", "opens"),
    [
        ("localhost", True, True),
        ("127.0.0.1", True, True),
        ("::1", True, True),
        ("[::1]", True, True),
        ("127.0.0.1", False, False),  # real data always needs a password
        ("0.0.0.0", True, False),
        ("", True, False),  # unset: Streamlit listens on every interface
        (None, True, False),
    ],
)
def test_without_a_password_only_local_demo_data_opens(
    address: str | None, demo: bool, opens: bool
) -> None:
    assert auth.open_without_password(address, demo) is opens


def test_only_the_owner_email_counts() -> None:
    assert auth.is_owner_email("Ich@MeineFirma.de ", "ich@meinefirma.de")
    assert not auth.is_owner_email("du@meinefirma.de", "ich@meinefirma.de")
    assert not auth.is_owner_email("ich@meinefirma.de", None)
    assert not auth.is_owner_email("", "")


# --- set-password --------------------------------------------------------------------------------


def run_cli(monkeypatch: pytest.MonkeyPatch, stdin: str, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["set-password", *args])


def test_set_password_from_stdin(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(monkeypatch, PASSWORD + "\n", "--password-stdin") == 0
    out = capsys.readouterr()
    assert PASSWORD not in out.out + out.err
    engine = get_engine(app_database_url())
    assert auth.login(engine, PASSWORD).ok


def test_set_password_refuses_a_short_one_and_changes_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(monkeypatch, PASSWORD + "\n", "--password-stdin") == 0
    assert run_cli(monkeypatch, "kurz\n", "--password-stdin") == 1
    assert "mindestens 12 Zeichen" in capsys.readouterr().err
    engine = get_engine(app_database_url())
    assert auth.login(engine, PASSWORD).ok


def test_set_password_asks_twice_and_refuses_a_mismatch(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "?"])
    monkeypatch.setattr(cli_auth.getpass, "getpass", lambda prompt: next(answers))
    assert cli.main(["set-password"]) == 1
    err = capsys.readouterr().err
    assert "stimmen nicht überein" in err
    assert PASSWORD not in err
    engine = get_engine(app_database_url())
    assert not auth.has_password(engine)


# --- the gate in the dashboard (AppTest) ---------------------------------------------------------


@pytest.fixture
def protected(data_dir: Path, logged_out: None) -> Engine:
    """A database with one customer and the owner's password."""
    engine = get_engine(app_database_url())
    put(
        engine,
        "Shop",
        [contact("c1", "geheim@kundin.de", first_name="Gerda", last_name="Geheim")],
        [order("o1", "c1", 12345)],
    )
    auth.set_password(engine, PASSWORD)
    return engine


@pytest.fixture
def server_address() -> Iterator[None]:
    """Restore ``server.address`` after a test sets it (AppTest reads the process config)."""
    before = streamlit_config.get_option("server.address")
    yield
    streamlit_config.set_option("server.address", before)


def open_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def everything_shown(at: AppTest) -> str:
    parts = [
        e.value for kind in ("markdown", "caption", "info", "error", "title") for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


def log_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_only_the_login_form(protected: Engine, page: str) -> None:
    at = open_app(page)
    assert [t.value for t in at.title] == ["Anmelden"]
    assert [t.key for t in at.text_input] == ["login_password"]
    assert not at.dataframe and not at.metric
    assert "geheim@kundin.de" not in everything_shown(at)
    assert "Übersicht" not in everything_shown(at)


@pytest.mark.usefixtures("legacy_pages_mode")
@pytest.mark.parametrize("page", ["pages/kunde.py", "pages/kunden.py"])
def test_a_deep_link_right_after_a_server_start_shows_only_the_login_form(
    protected: Engine, page: str
) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()  # an earlier visitor stopped at the login form
    at.query_params["person"] = "1"
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Anmelden"]
    assert "geheim@kundin.de" not in everything_shown(at)


def test_the_login_form_speaks_english_too(protected: Engine) -> None:
    at = open_app()
    at.sidebar.radio(key="lang__widget").set_value("en").run()
    assert [t.value for t in at.title] == ["Log in"]


def test_a_wrong_password_says_so_and_counts(protected: Engine) -> None:
    at = log_in(open_app(), "falsch-falsch-falsch")
    assert [t.value for t in at.title] == ["Anmelden"]
    assert any("Das Passwort stimmt nicht" in e.value for e in at.error)
    with session_scope(protected) as session:
        from kundenwert.preferences import read_setting

        assert read_setting(session, auth.THROTTLE_KEY)["failures"] == 1


def test_five_wrong_passwords_lock_the_login(protected: Engine) -> None:
    at = open_app()
    for _ in range(5):
        log_in(at, "falsch-falsch-falsch")
    assert any("gesperrt" in e.value for e in at.error)
    log_in(at, PASSWORD)  # the right one, too early
    assert [t.value for t in at.title] == ["Anmelden"]
    reloaded = open_app()  # a reload shows the lock before any attempt
    assert any("gesperrt" in e.value for e in reloaded.error)


def test_the_right_password_opens_the_page_and_logout_closes_it(protected: Engine) -> None:
    at = log_in(open_app(), PASSWORD)
    assert [t.value for t in at.title] == ["Übersicht"]
    at.switch_page("pages/kunden.py").run()
    assert [t.value for t in at.title] == ["Kunden"]
    at.sidebar.button(key="logout").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Anmelden"]
    at.switch_page("pages/kunden.py").run()
    assert [t.value for t in at.title] == ["Anmelden"]


def test_an_idle_session_has_to_log_in_again(protected: Engine) -> None:
    at = log_in(open_app(), PASSWORD)
    state = at.session_state[auth.SESSION_KEY]
    at.session_state[auth.SESSION_KEY] = {**state, "seen": "2000-01-01T00:00:00+00:00"}
    at.run()
    assert [t.value for t in at.title] == ["Anmelden"]
    assert any("inaktiv" in i.value for i in at.info)


def demo_database(data_dir: Path) -> Engine:
    engine = get_engine(app_database_url())
    put(engine, "Shop", [contact("c1", "demo@beispiel.de")], [order("o1", "c1", 4900)])
    with session_scope(engine) as session:
        write_setting(session, "demo_data", True)
    return engine


def test_without_a_password_local_demo_data_opens(
    data_dir: Path, logged_out: None, server_address: None
) -> None:
    demo_database(data_dir)
    streamlit_config.set_option("server.address", "127.0.0.1")
    at = open_app()
    assert [t.value for t in at.title] == ["Übersicht"]


@pytest.mark.parametrize("address", ["0.0.0.0", ""])
def test_without_a_password_a_reachable_server_explains_set_password(
    data_dir: Path, logged_out: None, server_address: None, address: str
) -> None:
    demo_database(data_dir)
    streamlit_config.set_option("server.address", address)
    at = open_app("pages/kunden.py")
    assert [t.value for t in at.title] == ["Noch kein Passwort gesetzt"]
    assert "set-password" in at.code[0].value
    assert not at.dataframe


def test_without_a_password_real_data_does_not_open_even_locally(
    data_dir: Path, logged_out: None, server_address: None
) -> None:
    engine = demo_database(data_dir)
    with session_scope(engine) as session:
        write_setting(session, "demo_data", False)
    streamlit_config.set_option("server.address", "localhost")
    at = open_app()
    assert [t.value for t in at.title] == ["Noch kein Passwort gesetzt"]


def test_the_session_state_never_holds_the_password(protected: Engine) -> None:
    at = log_in(open_app(), PASSWORD)
    dumped = json.dumps({k: str(at.session_state[k]) for k in at.session_state}, default=str)
    assert PASSWORD not in dumped


def test_with_an_oidc_provider_the_login_offers_single_sign_on(protected: Engine) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "nur-fuer-den-test",
    }
    at.secrets["kundenwert"] = {"owner_email": "ich@meinefirma.de"}
    at.run()
    assert not at.exception, at.exception
    assert at.button[0].label == "Mit Single Sign-on anmelden"
    assert [t.key for t in at.text_input] == ["login_password"]  # the password still works
