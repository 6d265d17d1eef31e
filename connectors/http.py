"""Robust HTTP for every connector: timeouts, retries, Retry-After, a rate limit, clear errors.

httpx itself retries nothing that reached the server: a 429, a 500 or a connection dropped in the
middle of a response is handed straight to the caller. :class:`HttpClient` adds, for all tools:

* a timeout on every request (connect, read, write, pool);
* retries with exponential backoff and jitter on connection errors, timeouts, 429 and 5xx; a
  ``Retry-After`` header (seconds or HTTP date) is honoured exactly instead of the backoff, and
  a wait longer than :attr:`RetryPolicy.retry_after_max` is not waited out but reported;
* a client-side rate limit (requests per second, evenly spaced) per client, i.e. per account;
* no retry on 400/401/403/404 and other 4xx: they become an :class:`ApiError` subclass whose
  ``str()`` is a German sentence the owner can act on, e.g. "WooCommerce lehnt den Zugang ab
  (401): Consumer Key und Consumer Secret in Datenquellen prüfen".

Messages never contain credentials: the client knows the secret values it was given and blanks
them out of anything the API echoes back, and it never puts query strings into messages or logs.
Callers catch :class:`ApiError` as the one base class. Every delay goes through
:attr:`RetryPolicy.sleep`, so tests run with a recording no-op instead of real waiting.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger("kundenwert.connectors")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "Kundenwert (self-hosted customer-value dashboard)"


# --- Errors --------------------------------------------------------------------------------------


class ApiError(Exception):
    """A request to a tool's API failed; ``str(error)`` is the message for the owner."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code  # the API's own error code, e.g. woocommerce_rest_cannot_view


class AuthenticationError(ApiError):
    """401: the key, token or secret is wrong, revoked or lacks read access."""


class PermissionDeniedError(ApiError):
    """403: the credentials are valid but may not read this resource."""


class NotFoundError(ApiError):
    """404: usually a wrong base URL (or, for a single resource, one that is gone)."""


class RequestRejectedError(ApiError):
    """Another 4xx: the API refuses the request as we sent it; retrying would not help."""


class RateLimitError(ApiError):
    """429 still after every retry, or a Retry-After longer than we are willing to wait."""


class ServerError(ApiError):
    """5xx still after every retry."""


class ConnectionFailedError(ApiError):
    """No answer: DNS, refused or dropped connection, or a timeout, still after every retry."""


class InvalidResponseError(ApiError):
    """The API answered 2xx with something that is not the documented format."""


# --- Policies ------------------------------------------------------------------------------------


@dataclass
class RetryPolicy:
    """How often and how long to retry. ``sleep`` and ``random`` are injectable for tests."""

    attempts: int = 5  # tries in total, the first one included
    backoff_base: float = 1.0  # seconds before the first retry (before jitter)
    backoff_max: float = 60.0
    retry_after_max: float = 300.0  # a longer Retry-After fails the request with a clear message
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random

    def backoff(self, retry: int) -> float:
        """Delay before retry number ``retry`` (1-based): exponential, capped, "equal jitter".

        Half of the exponential step is fixed and half random, so clients that failed together
        do not come back together, and no delay is ever near zero.
        """
        step = min(self.backoff_max, self.backoff_base * 2 ** (retry - 1))
        return step / 2 + step / 2 * self.random()


class RateLimiter:
    """At most ``per_second`` requests per second, evenly spaced; safe to share between threads."""

    def __init__(
        self,
        per_second: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = 1.0 / per_second if per_second else 0.0
        self._clock = clock
        self._sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self._clock()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self._sleep(delay)


@dataclass
class HttpOptions:
    """Transport settings a sync hands to every connector (tests inject fast ones)."""

    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    rate_limit: float | None = None  # requests per second; None: the connector's default, 0: none
    transport: httpx.BaseTransport | None = None


# --- Helpers -------------------------------------------------------------------------------------


def normalise_base_url(url: str) -> str:
    """``https://shop.example/`` → ``https://shop.example``; rejects anything but http(s)."""
    text = url.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            f"Basis-URL „{url.strip()}“ ist keine http(s)-Adresse (z. B. https://mein-shop.de)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"Basis-URL „{text.split('?')[0]}…“ darf keine Parameter enthalten")
    return text


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def api_error_detail(response: httpx.Response) -> tuple[str | None, str | None]:
    """(code, message) from the common JSON error envelopes; (None, None) if there is none.

    WordPress/WooCommerce: ``{"code", "message", "data": {"status"}}``; others use ``error``,
    ``error_description`` or ``errors: [{"message"}]``.
    """
    try:
        body = response.json()
    except ValueError:
        return None, None
    if not isinstance(body, dict):
        return None, None
    code = body.get("code") if isinstance(body.get("code"), str) else None
    for key in ("message", "error_description", "error", "detail"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return code, value.strip()
        if isinstance(value, dict) and isinstance(value.get("message"), str):
            return code or value.get("code"), value["message"].strip()
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
        if isinstance(message, str):
            return code, message.strip()
    return code, None


@dataclass(frozen=True)
class Hints:
    """What the owner should check, per tool, appended to the German error messages."""

    auth: str = "bitte den API-Schlüssel in Datenquellen prüfen"
    forbidden: str = "bitte die Berechtigungen des API-Schlüssels prüfen"
    not_found: str = "bitte die Basis-URL in Datenquellen prüfen"


# --- The client ----------------------------------------------------------------------------------


class HttpClient:
    """One account's HTTP access to one tool. Use as a context manager or call :meth:`close`."""

    def __init__(
        self,
        tool: str,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        options: HttpOptions | None = None,
        rate_limit: float | None = None,
        hints: Hints | None = None,
        secrets: Iterable[str] = (),
    ):
        options = options or HttpOptions()
        self.tool = tool
        self.base_url = base_url
        self.retry = options.retry
        self.hints = hints or Hints()
        per_second = options.rate_limit if options.rate_limit is not None else rate_limit
        self.limiter = RateLimiter(per_second, sleep=options.retry.sleep)
        self._secrets = [s for s in secrets if s]
        self._client = httpx.Client(
            base_url=base_url,
            auth=auth,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            timeout=httpx.Timeout(options.timeout),
            transport=options.transport,
            follow_redirects=True,
        )

    def __repr__(self) -> str:
        return f"HttpClient(tool={self.tool!r}, base_url={self.base_url!r})"

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def get_json(
        self, path: str, params: Mapping[str, Any] | None = None
    ) -> tuple[Any, httpx.Response]:
        """GET ``path`` (relative to the base URL) and decode its JSON body."""
        response = self.request("GET", path, params=params)
        try:
            return response.json(), response
        except ValueError as error:
            raise InvalidResponseError(
                f"{self.tool} antwortet auf {path} nicht mit JSON "
                f"({response.headers.get('content-type', 'ohne Inhaltstyp')}): "
                f"{self.hints.not_found}",
                status=response.status_code,
            ) from error

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send with retries; returns a 2xx/3xx response or raises an :class:`ApiError`.

        ``json`` is sent as the JSON body (a GraphQL query is a POST that only reads).
        """
        attempt = 0
        while True:
            attempt += 1
            self.limiter.wait()
            try:
                response = self._client.request(method, path, params=params, json=json)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as error:
                if attempt >= self.retry.attempts:
                    raise self._connection_error(error, attempt) from None
                delay = self.retry.backoff(attempt)
                logger.info(
                    "%s: %s on %s, retry %d in %.1f s",
                    self.tool,
                    type(error).__name__,
                    path,
                    attempt,
                    delay,
                )
                self.retry.sleep(delay)
                continue
            except httpx.HTTPError as error:  # invalid URL, unsupported protocol, …
                raise ConnectionFailedError(
                    f"{self.tool}: Anfrage nicht möglich ({type(error).__name__}): "
                    f"{self.hints.not_found}"
                ) from None
            if response.status_code < 400:
                return response
            if response.status_code not in RETRY_STATUSES:
                raise self._client_error(response)
            wait = parse_retry_after(response.headers.get("Retry-After"))
            if wait is not None and wait > self.retry.retry_after_max:
                raise self._exhausted(response, attempt, wait)
            if attempt >= self.retry.attempts:
                raise self._exhausted(response, attempt, None)
            delay = wait if wait is not None else self.retry.backoff(attempt)
            logger.info(
                "%s: HTTP %d on %s, retry %d in %.1f s%s",
                self.tool,
                response.status_code,
                path,
                attempt,
                delay,
                " (Retry-After)" if wait is not None else "",
            )
            response.close()
            self.retry.sleep(delay)

    # -- messages --

    def _detail(self, response: httpx.Response) -> tuple[str | None, str]:
        code, message = api_error_detail(response)
        return code, f" – {self.redact(message)}" if message else ""

    def _client_error(self, response: httpx.Response) -> ApiError:
        status = response.status_code
        code, detail = self._detail(response)
        if status == 401:
            return AuthenticationError(
                f"{self.tool} lehnt den Zugang ab (401{detail}): {self.hints.auth}",
                status=status,
                code=code,
            )
        if status == 403:
            return PermissionDeniedError(
                f"{self.tool} verweigert den Zugriff (403{detail}): {self.hints.forbidden}",
                status=status,
                code=code,
            )
        if status == 404:
            return NotFoundError(
                f"{self.tool} kennt die Adresse nicht (404{detail}): {self.hints.not_found}",
                status=status,
                code=code,
            )
        return RequestRejectedError(
            f"{self.tool} lehnt die Anfrage ab ({status}{detail})", status=status, code=code
        )

    def _exhausted(self, response: httpx.Response, attempts: int, wait: float | None) -> ApiError:
        status = response.status_code
        code, detail = self._detail(response)
        if status == 429:
            if wait is not None:
                return RateLimitError(
                    f"{self.tool} begrenzt die Anfragen (429) und bittet, {wait:.0f} s zu warten: "
                    "Synchronisierung später erneut starten",
                    status=status,
                    code=code,
                )
            return RateLimitError(
                f"{self.tool} begrenzt die Anfragen (429), auch nach {attempts} Versuchen: "
                "Synchronisierung später erneut starten",
                status=status,
                code=code,
            )
        return ServerError(
            f"{self.tool} meldet einen Serverfehler ({status}{detail}), auch nach {attempts} "
            "Versuchen: später erneut versuchen",
            status=status,
            code=code,
        )

    def _connection_error(self, error: httpx.HTTPError, attempts: int) -> ApiError:
        what = (
            "antwortet nicht rechtzeitig"
            if isinstance(error, httpx.TimeoutException)
            else "ist nicht erreichbar"
        )
        return ConnectionFailedError(
            f"{self.tool} {what} ({type(error).__name__}, {attempts} Versuche): "
            f"Internetverbindung und Basis-URL prüfen"
        )
