"""AWS's wire format as the simulated AWS's middlewares read and write it: who signed a request for which
service, and an error in the query protocol (IAM, STS, EC2)."""

from __future__ import annotations

import re
from typing import Any
from xml.sax.saxutils import escape

NAMESPACES = {"iam": "https://iam.amazonaws.com/doc/2010-05-08/", "sts": "https://sts.amazonaws.com/doc/2011-06-15/"}
NO_REQUEST_ID = "00000000-0000-0000-0000-000000000000"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]*)/([^/]*)/")


def credential_scope(environ: dict[str, Any]) -> tuple[str, str, str]:
    """``(access key id, region, service)`` of a SigV4 request (``Credential=AKID/date/region/service/…``);
    empty strings when it is not signed so."""
    match = _SCOPE.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return (match[1], match[2], match[3]) if match else ("", "", "")


def query_error(service: str, code: str, message: str, request_id: str = NO_REQUEST_ID) -> bytes:
    """An error as the query protocol writes it: EC2's own shape, or ``ErrorResponse`` (IAM, STS, …)."""
    code, message = escape(code), escape(message)
    if service == "ec2":
        return (
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
    xmlns = f' xmlns="{NAMESPACES[service]}"' if service in NAMESPACES else ""
    return (
        f"<ErrorResponse{xmlns}><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
