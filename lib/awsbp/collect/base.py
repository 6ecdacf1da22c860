"""What every collector shares: declarative API specs and one function that calls them safely.

A collector module declares ``SERVICE``, ``SCOPE`` (``"regional"`` or ``"global"``), the IAM
``ACTIONS`` it needs and its ``APIS``. :func:`call_api` pages through one API and turns every
failure — a denied call, a throttled one, an endpoint that never answers, a loop that would never end,
any exception of a fetch — into an error record, so one API never stops the collection of the account.

Every loop is bounded: listings stop after :data:`MAX_PAGES` pages or when a page token comes back
(:class:`PaginationLoop`), the token being read where the operation's paginator model declares it
(:func:`output_tokens`); waits (the IAM credential report) are bounded in time and reported with
:func:`note`, which ``collect_account`` puts in ``snapshot.meta["notes"]``.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import botocore.session
from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awsbp.errors import ReadOnlyViolation

Transform = Callable[[list[Any]], list[Any]]
Fetch = Callable[[Any], list[Any]]


@dataclass(frozen=True)
class Api:
    """One API: ``Api("DescribeVpcs", "Vpcs")`` collects ``describe_vpcs()['Vpcs']`` over all pages.

    ``fetch`` replaces the default listing for APIs of another shape (reports, per-user calls);
    ``empty_on`` names error codes that mean "nothing there" (``NoSuchEntity``), not a failure;
    ``slow`` APIs (per-resource calls, reports, the largest answers) are started first, so that the
    collection's wall time is not one slow API started last.
    """

    name: str
    result_key: str = ""
    kwargs: dict[str, Any] = field(default_factory=dict)
    transform: Transform | None = None
    fetch: Fetch | None = None
    empty_on: tuple[str, ...] = ()
    slow: bool = False

    @property
    def method(self) -> str:
        """``DescribeDBInstances -> describe_db_instances``."""
        return xform_name(self.name)


@dataclass
class ApiResult:
    """What one API gave: its items, or the error that stopped it; and the notes its fetch made."""

    items: list[Any] | None
    error: dict[str, str] | None = None
    notes: dict[str, Any] = field(default_factory=dict)


log = logging.getLogger("awsbp.collect")
MAX_PAGES = 10_000  # pages of one listing: far beyond any account (10 M items at 1,000 a page)
_notes: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("awsbp_notes", default=None)


class PaginationLoop(Exception):
    """A listing that would never end: a page token came back, or more than :data:`MAX_PAGES` pages."""


def note(**facts: Any) -> None:
    """Record facts about the API being collected (``note(report_wait_seconds=3.5)``): they go to
    ``snapshot.meta["notes"]`` with the service, region and API. Outside :func:`call_api`, nothing happens."""
    current = _notes.get()
    if current is not None:
        current.update(facts)


@cache
def _paginator_models() -> Any:
    return botocore.session.get_session()  # models only (no credentials, no call): the loader botocore uses


@cache
def _output_tokens(service: str, api_version: str, operation: str) -> tuple[tuple[str, ...], ...]:
    config = _paginator_models().get_paginator_model(service, api_version).get_paginator(operation)
    declared = config["output_token"]
    return tuple(tuple(token.split(".")) for token in (declared if isinstance(declared, list) else [declared]))


def output_tokens(client: Any, method: str) -> tuple[tuple[str, ...], ...]:
    """Where the next page's token is in an answer, as the operation's paginator model declares it:
    ``output_tokens(ec2, "describe_vpcs") -> (("NextToken",),)``, IAM's ``(("Marker",),)``, Lambda's
    ``(("NextMarker",),)``; a dotted token (``EngineDefaults.Marker``) is a path."""
    model = client.meta.service_model
    operation = client.meta.method_to_api_mapping[method]
    return _output_tokens(model.service_name, model.api_version, operation)


def page_token(page: dict[str, Any], tokens: tuple[tuple[str, ...], ...]) -> str | None:
    """The token of the next page in a response (read at ``tokens``, see :func:`output_tokens`), ``None`` on the
    last page."""
    values = []
    for path in tokens:
        value: Any = page
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value:
            values.append(str(value))
    return "|".join(values) if values else None


class PageGuard:
    """Counts pages and remembers tokens: :meth:`check` raises :class:`PaginationLoop` on a repeated token or
    past :data:`MAX_PAGES` pages."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.pages = 0
        self.seen: set[str] = set()

    def check(self, token: str | None) -> None:
        self.pages += 1
        if token is None:
            return
        if token in self.seen:
            raise PaginationLoop(f"{self.what}: a page token came back after {self.pages} pages; listing stopped")
        if self.pages >= MAX_PAGES:
            raise PaginationLoop(f"{self.what}: more than {MAX_PAGES} pages; listing stopped")
        self.seen.add(token)


_once_guard = threading.Lock()


def once_per_client(client: Any, name: str, compute: Callable[[Any], Any]) -> Any:
    """``compute(client)`` once per client (one account and region), its result — or its exception — shared
    by every API that asks. Each client has its own lock: regions and accounts never wait for each other."""
    with _once_guard:
        lock = client.__dict__.setdefault("_awsbp_once_lock", threading.Lock())
    with lock:
        cache = client.__dict__.setdefault("_awsbp_once", {})
        if name not in cache:
            try:
                cache[name] = (compute(client), None)
            except Exception as err:  # noqa: BLE001 - kept and re-raised below, for every API that asks
                cache[name] = (None, err)
        result, error = cache[name]
    if error is not None:
        raise error
    return result


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": " ".join(str(message).split())[:500]}


# The largest page each listing API accepts: fewer calls than the defaults (IAM's is 100, EC2's unbounded
# answers are capped by AWS). Anything not listed keeps the API's default.
MAX_PAGE_SIZE = {
    "ec2": 1000,  # every Describe* used here accepts MaxResults up to 1000 …
    ("ec2", "describe_route_tables"): 100,  # … but these
    ("ec2", "describe_nat_gateways"): 1000,
    "iam": 1000,
    ("lambda", "list_functions"): 50,
    ("rds", "describe_db_instances"): 100,
    ("rds", "describe_db_clusters"): 100,
    ("rds", "describe_db_subnet_groups"): 100,
    ("elbv2", "describe_load_balancers"): 400,
    ("elb", "describe_load_balancers"): 400,
    ("secretsmanager", "list_secrets"): 100,
    ("ecr", "describe_repositories"): 1000,
    ("codepipeline", "list_pipelines"): 1000,
}


def page_size(client: Any, method: str) -> int | None:
    """``page_size(iam_client, "list_users") -> 1000``; ``None`` where the default is kept."""
    service = client.meta.service_model.service_name
    return MAX_PAGE_SIZE.get((service, method)) or MAX_PAGE_SIZE.get(service)  # type: ignore[call-overload]


def all_items(client: Any, method: str, result_key: str, **kwargs: Any) -> list[Any]:
    """Every item under ``result_key`` across all pages, at the largest page size the API takes (one call
    when the API does not paginate)."""
    if client.can_paginate(method):
        items: list[Any] = []
        size = page_size(client, method)
        if size and "PaginationConfig" not in kwargs:
            kwargs["PaginationConfig"] = {"PageSize": size}
        guard, tokens = PageGuard(method), output_tokens(client, method)
        for page in client.get_paginator(method).paginate(**kwargs):
            items.extend(page.get(result_key, []))
            guard.check(page_token(page, tokens))
        return items
    return list(getattr(client, method)(**kwargs).get(result_key, []))


def error_code(err: ClientError) -> str:
    """``AccessDenied``, ``Throttling``, … or ``HTTP500`` when the answer had no code."""
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return err.response.get("Error", {}).get("Code") or (f"HTTP{status}" if status else "ClientError")


def call_api(client: Any, api: Api) -> ApiResult:
    """All items of one API; a failure — any exception — becomes an error record, never an exception."""
    notes: dict[str, Any] = {}
    token = _notes.set(notes)
    try:
        result = _call(client, api)
    finally:
        _notes.reset(token)
    result.notes = notes
    return result


def _call(client: Any, api: Api) -> ApiResult:
    try:
        items = api.fetch(client) if api.fetch else all_items(client, api.method, api.result_key, **api.kwargs)
        return ApiResult(api.transform(items) if api.transform else items)
    except ClientError as err:
        code = error_code(err)
        if code in api.empty_on:
            return ApiResult([])
        return ApiResult(None, _error(code, err.response.get("Error", {}).get("Message") or str(err)))
    except ReadOnlyViolation as err:
        return ApiResult(None, _error("ReadOnlyViolation", str(err)))
    except BotoCoreError as err:
        return ApiResult(None, _error(type(err).__name__, str(err)))
    except ResponseParserError as err:  # e.g. an HTML error page where XML/JSON was expected
        return ApiResult(None, _error("InvalidResponse", str(err).splitlines()[0]))
    except NotImplementedError as err:
        return ApiResult(None, _error("NotImplemented", str(err) or "operation not implemented by the endpoint"))
    except Exception as err:  # any failure of one API is a recorded gap, never a lost account
        log.debug("%s failed", api.name, exc_info=True)
        lines = str(err).strip().splitlines()
        return ApiResult(None, _error(type(err).__name__, lines[0] if lines else type(err).__name__))
