"""Friendly frames for follow-up: real time columns, ages in days, the names a question needs, the report's look.

Every frame :mod:`awsbp.report.followup` returns is a :class:`Frame` — a DataFrame that JupyterLab shows with the
report's table style (``table.awsbp``) and that behaves as a DataFrame everywhere else. Times are
``datetime64[ns, UTC]`` (``NaT`` when missing), so ``.dt`` works; ages are whole days before the collection
(nullable ``Int64``), the clock the checks use::

    keys = friendly_table("access_keys", inventory)
    keys[["user", "password_enabled", "mfa_active", "last_rotated", "key_age_days", "days_since_use"]]
    #    user  password_enabled  mfa_active               last_rotated  key_age_days  days_since_use
    # 0   bob              True       False  2026-01-10 00:00:00+00:00           322               8

Nothing here changes a global option: no plotting backend, no pandas display setting.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from awsbp.inventory import WORLD, Inventory
from awsbp.report.assets import report_css
from awsbp.report.html import esc

UTC_DTYPE = "datetime64[ns, UTC]"
TIME_COLUMNS = ("created", "password_last_used", "last_rotated", "last_used", "last_accessed")
"""Inventory columns that hold times, converted even when a table is empty (then nothing says they are times)."""


class Frame(pd.DataFrame):
    """A DataFrame shown in JupyterLab with the report's table style; anything derived from it is one too."""

    @property
    def _constructor(self) -> Callable[..., Frame]:
        return Frame

    @property
    def _constructor_sliced(self) -> Callable[..., Column]:
        return Column

    def _repr_html_(self) -> str | None:
        if not pd.get_option("display.notebook_repr_html"):
            return None
        return f"<style>{report_css()}</style>{frame_html(self)}"


class Column(pd.Series):
    """A column of a :class:`Frame`; a frame made from it (``groupby(...).size().unstack()``) is a Frame again."""

    @property
    def _constructor(self) -> Callable[..., Column]:
        return Column

    @property
    def _constructor_expanddim(self) -> Callable[..., Frame]:
        return Frame


def frame_html(frame: pd.DataFrame) -> str:
    """A frame as ``<table class="awsbp">``: every value escaped, long cells cut at ``display.max_colwidth``, the
    middle rows left out past ``display.max_rows`` (as pandas does), and its size under it."""
    max_rows, min_rows = pd.get_option("display.max_rows"), pd.get_option("display.min_rows")
    width = pd.get_option("display.max_colwidth")
    shown = frame
    if max_rows is not None and len(frame) > max_rows:
        half = max((min_rows or max_rows) // 2, 1)
        shown = pd.concat([frame.head(half), frame.tail(half)])
    index = not isinstance(frame.index, pd.RangeIndex)
    head = ([esc(frame.index.name or "")] if index else []) + [esc(c) for c in frame.columns]
    rows = []
    for position, (label, values) in enumerate(zip(shown.index, shown.itertuples(index=False), strict=True)):
        if max_rows is not None and len(frame) > max_rows and position == len(shown) // 2:
            rows.append(f'<tr><td colspan="{len(head)}" class="note">…</td></tr>')
        cells = ([f"<th>{esc(label)}</th>"] if index else []) + [f"<td>{esc(_cell(v, width))}</td>" for v in values]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    columns = "".join(f"<th>{h}</th>" for h in head)
    size = f"{len(frame)} rows × {len(frame.columns)} columns"
    return (
        f'<table class="awsbp"><thead><tr>{columns}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f'<p class="note"><small>{size}</small></p>'
    )


def _cell(value: Any, width: int | None) -> str:
    if isinstance(value, set | frozenset):
        value = sorted(value)
    elif isinstance(value, np.ndarray):
        value = value.tolist()
    if value is None or (not isinstance(value, list | tuple | dict) and pd.isna(value)):
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


# --- times and ages ------------------------------------------------------------------------------
def to_utc(values: Iterable[Any]) -> pd.Series:
    """Datetimes, ISO strings or ``None`` as ``datetime64[ns, UTC]`` (``NaT`` for missing or unreadable)."""
    series = pd.Series(list(values), dtype=object)
    return pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601").astype(UTC_DTYPE)


def days_before(times: pd.Series, now: datetime) -> pd.Series:
    """Whole days from each time to ``now`` (the collection), never negative; ``<NA>`` where the time is missing."""
    days = (pd.Timestamp(now) - times).dt.days
    return days.clip(lower=0).astype("Int64")


def with_times(table: pd.DataFrame) -> pd.DataFrame:
    """Object columns holding times become ``datetime64[ns, UTC]``: the known time columns, and any column whose
    values are all datetimes."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object:
            continue
        present = [v for v in values if not _missing(v)]
        if column in TIME_COLUMNS or (present and all(isinstance(v, datetime) for v in present)):
            out[column] = to_utc(values).set_axis(out.index)
    return out


# --- names a question needs ------------------------------------------------------------------------
def _insert_after(table: pd.DataFrame, after: str, columns: dict[str, Any]) -> pd.DataFrame:
    at = list(table.columns).index(after) + 1 if after in table.columns else len(table.columns)
    for offset, (name, values) in enumerate(columns.items()):
        table.insert(at + offset, name, values)
    return table


def _credential_report(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    t["age_days"] = days_before(t["created"], inv.now)
    t["days_since_password_use"] = days_before(t["password_last_used"], inv.now)
    return t


def _access_keys(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    report = inv.iam.credential_report.drop_duplicates("user").set_index("user")
    _insert_after(
        t,
        "user",
        {
            "user_arn": t["user"].map(report["arn"]).fillna("").astype(str),
            "password_enabled": t["user"].map(report["password_enabled"]).fillna(False).astype(bool),
            "mfa_active": t["user"].map(report["mfa_active"]).fillna(False).astype(bool),
        },
    )
    t["key_age_days"] = days_before(t["last_rotated"], inv.now)
    t["days_since_use"] = days_before(t["last_used"], inv.now)
    return t


def _secrets_manager(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    t["age_days"] = days_before(t["created"], inv.now)
    t["days_since_access"] = days_before(t["last_accessed"], inv.now)
    return t


def _group_names(inv: Inventory) -> pd.Series:
    groups = inv.network.security_groups.drop_duplicates("group_id").set_index("group_id")
    return groups["group_name"]


def _sg_rules(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    groups = inv.network.security_groups.drop_duplicates("group_id").set_index("group_id")
    names = groups["group_name"]
    _insert_after(
        t,
        "group_id",
        {
            "group_name": t["group_id"].map(names).fillna("").astype(str),
            "vpc_id": t["group_id"].map(groups["vpc_id"]).fillna("").astype(str),
            "environment": t["group_id"].map(groups["environment"]).fillna("").astype(str),
        },
    )
    _insert_after(t, "ref_group_id", {"ref_group_name": t["ref_group_id"].map(names).fillna("").astype(str)})
    t["is_open_to_internet"] = (~t["is_egress"].astype(bool)) & t["cidr"].isin(WORLD)
    return t


def _sg_usage(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    return _insert_after(t, "group_id", {"group_name": t["group_id"].map(_group_names(inv)).fillna("").astype(str)})


def _subnet_facts(inv: Inventory) -> pd.DataFrame:
    return inv.network.subnets.drop_duplicates("subnet_id").set_index("subnet_id")


def _instances(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    subnets = _subnet_facts(inv)
    vpcs = inv.network.vpcs.drop_duplicates("vpc_id").set_index("vpc_id")
    _insert_after(t, "vpc_id", {"vpc_name": t["vpc_id"].map(vpcs["name"]).fillna("").astype(str)})
    return _insert_after(
        t,
        "subnet_id",
        {
            "subnet_name": t["subnet_id"].map(subnets["name"]).fillna("").astype(str),
            "subnet_tier": t["subnet_id"].map(subnets["tier"]).fillna("").astype(str),
        },
    )


def _network_interfaces(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    tiers = _subnet_facts(inv)["tier"]
    return _insert_after(t, "subnet_id", {"subnet_tier": t["subnet_id"].map(tiers).fillna("").astype(str)})


def _workloads(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    tiers = _subnet_facts(inv)["tier"].to_dict()
    listed = [[tiers.get(s, "") for s in ids] for ids in t["subnet_ids"]]
    _insert_after(t, "subnet_ids", {"subnet_tiers": pd.Series(listed, index=t.index, dtype=object)})
    t["is_in_public_subnet"] = pd.Series([("public" in x) for x in listed], index=t.index, dtype=bool)
    return t


def _secret_variables(source: str, key: str) -> Callable[[pd.DataFrame, Inventory], pd.DataFrame]:
    """The variable names (never values: none are collected) the secret scan flagged, per function or project."""

    def enrich(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
        found = inv.devtools.secret_detections
        found = found[found["source"] == source]
        names = found.groupby("resource_id")["where"].agg(lambda w: sorted(set(w))).to_dict()
        t["secret_variables"] = pd.Series([names.get(k, []) for k in t[key]], index=t.index, dtype=object)
        return t

    return enrich


def _principal_permissions(t: pd.DataFrame, inv: Inventory) -> pd.DataFrame:
    t["actions"] = pd.Series([sorted(a) for a in t["actions"]], index=t.index, dtype=object)
    t["action_count"] = pd.Series([len(a) for a in t["actions"]], index=t.index, dtype="int64")
    return t


ENRICH: dict[str, Callable[[pd.DataFrame, Inventory], pd.DataFrame]] = {
    "credential_report": _credential_report,
    "access_keys": _access_keys,
    "secrets_manager": _secrets_manager,
    "sg_rules": _sg_rules,
    "sg_usage": _sg_usage,
    "instances": _instances,
    "network_interfaces": _network_interfaces,
    "workloads": _workloads,
    "lambda_functions": _secret_variables("lambda", "arn"),
    "codebuild_projects": _secret_variables("codebuild", "arn"),
    "principal_permissions": _principal_permissions,
}
"""Per table: the ages and joined names its follow-up questions need (added columns; none is removed)."""


def friendly_table(name: str, inventory: Inventory) -> pd.DataFrame:
    """One inventory table of one account, with real time columns and the ages and names :data:`ENRICH` adds."""
    table = with_times(inventory.table(name).reset_index(drop=True))
    enrich = ENRICH.get(name)
    return enrich(table, inventory) if enrich else table


def with_account(table: pd.DataFrame, account_id: str, account_name: str) -> pd.DataFrame:
    """``account_id`` and ``account_name`` as the first two columns."""
    out = table.copy()
    out.insert(0, "account_name", account_name)
    out.insert(0, "account_id", account_id)
    return out.astype({"account_id": str, "account_name": str})


def stack(frames: list[pd.DataFrame]) -> Frame:
    """Frames of several accounts (at least one) as one; empty ones only lend their columns and types."""
    kept = [f for f in frames if not f.empty]
    return Frame(pd.concat(kept, ignore_index=True) if kept else frames[0].iloc[0:0])


# --- SQL --------------------------------------------------------------------------------------------
def sql_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The same frame in shapes DuckDB reads: sets and lists of strings as string lists, any other nested value
    (policy documents, tags) as JSON text, a column mixing scalar types as text."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        values = out[column]
        if values.dtype != object:
            continue
        present = [v for v in values if not _missing(v)]
        if not any(isinstance(v, list | tuple | set | frozenset | dict) for v in present):
            if len({type(v) for v in present}) > 1:  # evidence mixing types (a count here, a flag there): text
                out[column] = pd.Series(
                    [None if _missing(v) else str(v) for v in values], index=out.index, dtype=object
                )
            continue
        strings = all(
            isinstance(v, list | tuple | set | frozenset) and all(isinstance(x, str) for x in v) for v in present
        )
        converted: list[Any] = []
        for v in values:
            if _missing(v):
                converted.append(None)
            elif strings:
                converted.append(sorted(v) if isinstance(v, set | frozenset) else list(v))
            else:
                converted.append(json.dumps(v, default=_json_default, sort_keys=True))
        out[column] = pd.Series(converted, index=out.index, dtype=object)
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value))


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
