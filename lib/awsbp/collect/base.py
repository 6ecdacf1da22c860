"""What every collector shares: declarative API specs and one function that calls them safely.

A collector module declares ``SERVICE``, ``SCOPE`` (``"regional"`` or ``"global"``), the IAM
``ACTIONS`` it needs and its ``APIS``. :func:`call_api` pages through one API and turns every
failure into an error record, so one denied call never stops the collection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from awsbp.errors import ReadOnlyViolation

Transform = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True)
class Api:
    """One listing API: ``Api("DescribeVpcs", "Vpcs")`` collects ``describe_vpcs()['Vpcs']`` over all pages."""

    name: str
    result_key: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    transform: Transform | None = None

    @property
    def method(self) -> str:
        """``DescribeDBInstances -> describe_db_instances``."""
        return xform_name(self.name)


@dataclass
class ApiResult:
    items: list[Any] | None
    error: dict[str, str] | None = None


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": " ".join(str(message).split())[:500]}


def call_api(client: Any, api: Api) -> ApiResult:
    """All items of one API, paginated when botocore can; a failure becomes an error record."""
    try:
        if client.can_paginate(api.method):
            items: list[Any] = []
            for page in client.get_paginator(api.method).paginate(**api.kwargs):
                items.extend(page.get(api.result_key, []))
        else:
            items = list(getattr(client, api.method)(**api.kwargs).get(api.result_key, []))
        return ApiResult(api.transform(items) if api.transform else items)
    except ClientError as err:
        error = err.response.get("Error", {})
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = error.get("Code") or (f"HTTP{status}" if status else "ClientError")
        return ApiResult(None, _error(code, error.get("Message") or str(err)))
    except ReadOnlyViolation as err:
        return ApiResult(None, _error("ReadOnlyViolation", str(err)))
    except BotoCoreError as err:
        return ApiResult(None, _error(type(err).__name__, str(err)))
    except NotImplementedError as err:
        return ApiResult(None, _error("NotImplemented", str(err) or "operation not implemented by the endpoint"))
