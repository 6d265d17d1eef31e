"""connectors.http: retries with backoff and Retry-After, no retry on 4xx, clear messages, limits.

Every test talks real HTTP to a local fake server; delays are recorded, never slept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from connectors.http import (
    AuthenticationError,
    ConnectionFailedError,
    HttpClient,
    HttpOptions,
    InvalidResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimiter,
    RateLimitError,
    RequestRejectedError,
    RetryPolicy,
    ServerError,
    normalise_base_url,
    parse_retry_after,
)
from tests.fakes.server import FakeRequest, FakeResponse, FakeServer


def ok_app(request: FakeRequest) -> FakeResponse:
    return FakeResponse.json({"path": request.path, "page": request.param("page")})


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer(ok_app) as server:
        yield server


@pytest.fixture
def delays() -> list[float]:
    return []


def client(server: FakeServer, delays: list[float], **options: float) -> HttpClient:
    retry = RetryPolicy(sleep=delays.append, random=lambda: 0.0, attempts=4)
    http = HttpOptions(timeout=options.get("timeout", 5.0), retry=retry, rate_limit=0)
    return HttpClient("Testtool", server.url + "/api", options=http, secrets=["sk_live_SECRET"])


def test_a_plain_get_returns_json(server: FakeServer, delays: list[float]) -> None:
    with client(server, delays) as http:
        body, response = http.get_json("items", {"page": 2})
    assert body == {"path": "/api/items", "page": "2"}
    assert response.status_code == 200 and delays == []


def test_429_waits_exactly_the_retry_after_seconds(server: FakeServer, delays: list[float]) -> None:
    server.fail(429, headers={"Retry-After": "7"})
    with client(server, delays) as http:
        body, _ = http.get_json("items")
    assert body["path"] == "/api/items"
    assert delays == [7.0]
    assert len(server.requests) == 2


def test_retry_after_as_http_date_is_honoured() -> None:
    now = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=42), usegmt=True)
    assert parse_retry_after(header, now=now) == 42.0
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_500_and_502_are_retried_with_growing_backoff(
    server: FakeServer, delays: list[float]
) -> None:
    server.fail(500)
    server.fail(502)
    with client(server, delays) as http:
        http.get_json("items")
    # equal jitter with random() = 0: half of 1 s, then half of 2 s
    assert delays == [0.5, 1.0]


def test_backoff_is_capped_and_jittered_within_its_step() -> None:
    policy = RetryPolicy(backoff_base=1, backoff_max=8, random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    low = RetryPolicy(backoff_base=1, backoff_max=8, random=lambda: 0.0)
    assert low.backoff(4) == 4


def test_a_server_error_that_persists_fails_after_all_attempts(
    server: FakeServer, delays: list[float]
) -> None:
    server.fail(503, times=10, body={"message": "Wartungsmodus"})
    with client(server, delays) as http, pytest.raises(ServerError) as failure:
        http.get_json("items")
    assert len(server.requests) == 4 and len(delays) == 3
    assert "Serverfehler (503 – Wartungsmodus)" in str(failure.value)
    assert "4 Versuchen" in str(failure.value)


def test_a_dropped_connection_is_retried(server: FakeServer, delays: list[float]) -> None:
    server.drop(times=2)
    with client(server, delays) as http:
        body, _ = http.get_json("items")
    assert body["path"] == "/api/items" and len(delays) == 2


def test_a_slow_answer_times_out_and_is_retried(server: FakeServer, delays: list[float]) -> None:
    server.slow(1.0)
    with client(server, delays, timeout=0.2) as http:
        body, _ = http.get_json("items")
    assert body["path"] == "/api/items" and len(delays) == 1


def test_an_unreachable_server_fails_with_a_clear_message(delays: list[float]) -> None:
    with FakeServer(ok_app) as server:
        url = server.url
    retry = RetryPolicy(sleep=delays.append, random=lambda: 0.0, attempts=2)
    http = HttpClient("Testtool", url, options=HttpOptions(timeout=1, retry=retry, rate_limit=0))
    with http, pytest.raises(ConnectionFailedError) as failure:
        http.get_json("items")
    assert "Testtool ist nicht erreichbar" in str(failure.value)
    assert "2 Versuche" in str(failure.value)


@pytest.mark.parametrize(
    ("status", "error", "text"),
    [
        (400, RequestRejectedError, "lehnt die Anfrage ab (400"),
        (401, AuthenticationError, "lehnt den Zugang ab (401"),
        (403, PermissionDeniedError, "verweigert den Zugriff (403"),
        (404, NotFoundError, "kennt die Adresse nicht (404"),
        (422, RequestRejectedError, "lehnt die Anfrage ab (422"),
    ],
)
def test_client_errors_are_not_retried(
    server: FakeServer, delays: list[float], status: int, error: type[Exception], text: str
) -> None:
    server.fail(status, body={"code": "some_code", "message": "Nope."})
    with client(server, delays) as http, pytest.raises(error) as failure:
        http.get_json("items")
    assert len(server.requests) == 1 and delays == []
    assert text in str(failure.value) and "Nope." in str(failure.value)
    assert getattr(failure.value, "code", None) == "some_code"


def test_401_message_says_what_to_check(server: FakeServer, delays: list[float]) -> None:
    server.fail(401, body={"message": "Invalid token"})
    with client(server, delays) as http, pytest.raises(AuthenticationError) as failure:
        http.get_json("items")
    assert str(failure.value) == (
        "Testtool lehnt den Zugang ab (401 – Invalid token): "
        "bitte den API-Schlüssel in Datenquellen prüfen"
    )


def test_a_retry_after_beyond_the_limit_is_reported_not_waited(
    server: FakeServer, delays: list[float]
) -> None:
    server.fail(429, headers={"Retry-After": "3600"})
    with client(server, delays) as http, pytest.raises(RateLimitError) as failure:
        http.get_json("items")
    assert delays == [] and "3600 s zu warten" in str(failure.value)


def test_secrets_echoed_by_the_api_are_blanked(server: FakeServer, delays: list[float]) -> None:
    server.fail(401, body={"message": "Key sk_live_SECRET is revoked"})
    with client(server, delays) as http, pytest.raises(AuthenticationError) as failure:
        http.get_json("items")
    assert "sk_live_SECRET" not in str(failure.value)
    assert "Key *** is revoked" in str(failure.value)


def test_a_non_json_answer_is_an_invalid_response(delays: list[float]) -> None:
    def html(_request: FakeRequest) -> FakeResponse:
        return FakeResponse(200, b"<html>Wartung</html>", {"Content-Type": "text/html"})

    with (
        FakeServer(html) as server,
        client(server, delays) as http,
        pytest.raises(InvalidResponseError) as failure,
    ):
        http.get_json("items")
    assert "nicht mit JSON (text/html)" in str(failure.value)


def test_the_rate_limiter_spaces_requests_evenly() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        limiter.wait()
    assert waits == [0.25, 0.25, 0.25]


def test_the_rate_limit_applies_to_real_requests(server: FakeServer, delays: list[float]) -> None:
    retry = RetryPolicy(sleep=delays.append, random=lambda: 0.0)
    with HttpClient("T", server.url, options=HttpOptions(retry=retry), rate_limit=1000) as http:
        for _ in range(3):
            http.get_json("x")
    # recorded, not slept: every wait is at most one interval
    assert all(0 < d <= 0.001 for d in delays)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://shop.example/", "https://shop.example"),
        ("  http://127.0.0.1:8080/wp ", "http://127.0.0.1:8080/wp"),
    ],
)
def test_base_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_base_url(given) == expected


@pytest.mark.parametrize("bad", ["shop.example", "ftp://shop.example", "https://x.de/?a=1"])
def test_bad_base_urls_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="Basis-URL"):
        normalise_base_url(bad)


def test_repr_shows_no_credentials(server: FakeServer, delays: list[float]) -> None:
    with client(server, delays) as http:
        assert "SECRET" not in repr(http)
