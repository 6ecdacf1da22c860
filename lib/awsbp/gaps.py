"""What a collection gap means to a client: the IAM action behind a collected API, and what to do about an
error code (the catalog's ``gap_*`` words). Read by the checks (a NOT_ASSESSED finding names both) and the
reports (the gaps section)."""

from __future__ import annotations

GAP_ADVICE = (  # error code -> what a client does about it (catalog ui keys gap_* and cause_*)
    (
        {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "Forbidden"},
        "gap_access",
    ),
    ({"AuthFailure", "OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId"}, "gap_region"),
    ({"NotImplemented", "HTTP500", "HTTP501", "InvalidResponse", "UnknownOperationException"}, "gap_unsupported"),
    ({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"}, "gap_throttled"),
)
NOT_COLLECTED = "gap_not_collected"  # no error recorded: the API was not asked (e.g. a region left out)
IAM_PREFIXES = {"elbv2": "elasticloadbalancing", "elb": "elasticloadbalancing", "accessanalyzer": "access-analyzer"}


def gap_advice(code: str | None) -> str:
    """The catalog key of what to do about a collection error code (``None``: nothing was recorded)."""
    if code is None:
        return NOT_COLLECTED
    return next((key for codes, key in GAP_ADVICE if code in codes), "gap_other")


def iam_action(service: str, api: str) -> str:
    """The IAM action behind a collected API: ``('elbv2', 'DescribeLoadBalancers')`` ->
    ``'elasticloadbalancing:DescribeLoadBalancers'``."""
    return f"{IAM_PREFIXES.get(service, service)}:{api}"
