"""Friendly frames: real time columns, ages in days, joined names, the report's look, no global switch."""

from __future__ import annotations

import pandas as pd
import pytest
from awsbp.report.followup import Frame, RunError

from followup.world import MGMT, PROD

UTC = "datetime64[ns, UTC]"


def test_every_inventory_table_across_accounts(run):
    assert "security_groups" in run.tables and "access_keys" in run.tables
    for name in run.tables:
        table = run.inventory(name)
        assert isinstance(table, Frame) and list(table.columns[:2]) == ["account_id", "account_name"], name
    groups = run.inventory("security_groups")
    assert set(groups.account_id) == {MGMT, PROD} and set(groups.account_name) == {"acme-management", "acme-prod"}
    with pytest.raises(RunError, match="no inventory table 'nope'; tables: vpcs"):
        run.inventory("nope")


def test_iam_times_are_datetimes_with_ages(run):
    report = run.inventory("credential_report")
    for column in ("created", "password_last_used"):
        assert str(report[column].dtype) == UTC
    assert report.password_last_used.isna().any()  # NaT, not None: .dt works
    assert report.created.notna().all() and report.created.dt.year.min() >= 2000  # the users' real history
    keys = run.inventory("access_keys")
    assert str(keys.last_rotated.dtype) == UTC and str(keys.last_used.dtype) == UTC
    bob = keys[keys.user == "bob"].iloc[0]
    assert bob.key_age_days == 322 and bob.days_since_use == 8 and bob.password_enabled and not bob.mfa_active
    assert bob.user_arn.endswith(":user/bob")
    never = keys[keys.last_used.isna()]
    assert len(never) and never.days_since_use.isna().all()  # never used: <NA>, not 0
    secrets = run.inventory("secrets_manager")
    assert str(secrets.created.dtype) == UTC and str(secrets.days_since_access.dtype) == "Int64"


def test_empty_tables_keep_their_time_types(run):
    assert run.inventory("code_repositories").empty
    assert str(run.account("acme-prod").inventory("access_keys").iloc[0:0].last_used.dtype) == UTC


def test_names_joined_where_questions_need_them(run):
    rules = run.inventory("sg_rules")
    ssh = rules[(rules.account_id == PROD) & (rules.ports == "22/tcp") & rules.is_open_to_internet]
    assert list(ssh.group_name) == ["shop-dev-app"]
    assert (rules[rules.ref_group_id != ""].ref_group_name != "").all()
    assert not rules[rules.is_egress].is_open_to_internet.any()
    instances = run.inventory("instances")
    assert set(instances.subnet_tier) <= {"public", "private", ""} and "public" in set(instances.subnet_tier)
    assert (instances.subnet_name != "").any() and (instances.vpc_name != "").any()
    workloads = run.inventory("workloads")
    assert workloads.is_in_public_subnet.dtype == bool and workloads.is_in_public_subnet.any()
    usage = run.inventory("sg_usage")
    assert (usage.group_name != "").all()
    functions = run.inventory("lambda_functions").set_index("function_name")
    assert "AWS_SECRET_ACCESS_KEY" in functions.loc["orders-api"].secret_variables.iloc[0]
    assert functions.loc["orders-worker"].secret_variables.map(len).eq(0).all()
    permissions = run.inventory("principal_permissions")
    assert permissions.actions.map(lambda a: isinstance(a, list)).all() and (permissions.action_count >= 0).all()


def test_frames_show_with_the_report_table_style_and_escape_data(run):
    html = run.findings.head(3)._repr_html_()
    assert '<table class="awsbp">' in html and "table.awsbp" in html and ".st-FAIL" in html
    assert "3 rows × " in html
    hostile = Frame({"name": ['<script>alert("x")</script>'], "when": pd.to_datetime(["2026-01-01"], utc=True)})
    shown = hostile._repr_html_()
    assert "<script>alert" not in shown and "&lt;script&gt;" in shown
    with pd.option_context("display.max_rows", 10, "display.min_rows", 4):
        long = run.findings._repr_html_()
    assert long.count("<tr>") == 1 + 4 + 1 and f"{len(run.findings)} rows" in long
    derived = run.findings.groupby(["account_name", "severity"], observed=True).size().unstack(fill_value=0)
    assert isinstance(derived, Frame)


def test_no_global_display_or_plotting_switch(run):
    import matplotlib

    backend, plotting = matplotlib.get_backend(), pd.get_option("plotting.backend")
    options = {k: pd.get_option(k) for k in ("display.max_rows", "display.max_columns", "display.width")}
    run.findings._repr_html_()
    run.account("acme-prod").workbook("vpc").overview()
    assert matplotlib.get_backend() == backend and pd.get_option("plotting.backend") == plotting == "matplotlib"
    assert options == {k: pd.get_option(k) for k in options}
