"""run.sql and `awsbp query`: DuckDB over the run's tables, one line for a bad query, no file access."""

from __future__ import annotations

import csv

import pytest
from awsbp.cli import main
from awsbp.report.followup.sql import QueryError


def test_sql_over_findings_and_inventory(run):
    high = run.sql("select count(*) as n from findings where status = 'FAIL' and severity = 'high'")
    assert int(high.n.iloc[0]) == int(((run.findings.status == "FAIL") & (run.findings.severity == "high")).sum())
    people = run.sql(
        "select user, count(distinct account_id) as accounts from iam_users group by user having accounts > 1"
    )
    assert {"alice", "bob"} <= set(people.user) and (people.accounts == 2).all()
    keys = run.sql("select user, key_age_days, last_rotated from access_keys where key_age_days > 90")
    assert "bob" in set(keys.user) and (keys.key_age_days > 90).all()
    assert str(keys.last_rotated.dtype) == "datetime64[ns, UTC]"
    lists = run.sql("select function_name, secret_variables from lambda_functions where len(secret_variables) > 0")
    assert isinstance(lists.secret_variables.iloc[0], list)
    everything = run.sql("select * from findings")  # evidence columns of mixed types included
    assert len(everything) == len(run.findings) and list(everything.columns) == list(run.findings.columns)
    joined = run.sql(
        "select g.group_name, count(*) n from sg_rules r join security_groups g using (account_id, group_id) "
        "where r.is_open_to_internet group by all"
    )
    assert "shop-dev-app" in set(joined.group_name)


def test_tables_are_registered_only_when_named(run_dir):
    from awsbp.report.followup import open_run

    fresh = open_run(run_dir)
    fresh.sql("select count(*) from findings")
    assert fresh._inventories == {}  # no snapshot read for a findings query
    fresh.sql("select count(*) from vpcs")
    assert set(fresh._inventories) == set(fresh.assessments)


def test_bad_sql_is_one_line(run):
    with pytest.raises(QueryError) as err:
        run.sql("selec * from findings")
    assert str(err.value).startswith("Parser Error") and "\n" not in str(err.value)
    with pytest.raises(QueryError, match=r"Table with name nope does not exist!.*\(tables: findings, changes"):
        run.sql("select * from nope")


def test_sql_cannot_touch_files(run, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(QueryError, match="disabled by configuration"):
        run.sql(f"copy findings to '{target}'")
    with pytest.raises(QueryError):
        run.sql("set enable_external_access = true")
    assert not target.exists()


def test_query_command_prints_a_table_and_writes_csv(run_dir, tmp_path, capsys):
    assert (
        main(["query", str(run_dir), "select account_name, count(*) as n from findings group by all order by 1"]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["account_name", "n"] and out[1].split()[0] == "acme-management" and out[-1] == "(2 rows)"
    target = tmp_path / "open.csv"
    assert main(["query", str(run_dir), "select * from sg_rules where is_open_to_internet", "--csv", str(target)]) == 0
    rows = list(csv.DictReader(target.open()))
    assert rows and {r["cidr"] for r in rows} <= {"0.0.0.0/0", "::/0"} and "group_name" in rows[0]
    assert (target.stat().st_mode & 0o777) == 0o600  # client data
    assert main(["query", str(run_dir)]) == 0
    assert {"findings", "sg_rules", "access_keys"} <= set(capsys.readouterr().out.split())


def test_query_command_bad_input_is_one_line_exit_2(run_dir, tmp_path, capsys):
    assert main(["query", str(run_dir), "select * from"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("awsbp: Parser Error") and err.count("\n") == 1
    assert main(["query", str(tmp_path / "missing"), "select 1"]) == 2
    err = capsys.readouterr().err
    assert "no run at" in err and "looked from" in err and err.count("\n") == 1


def test_every_table_reads_whole_in_sql(run):
    from awsbp.report.followup.run import INVENTORY_TABLES, RESULT_TABLES

    for name in [*RESULT_TABLES, *INVENTORY_TABLES]:
        assert len(run.sql(f"select * from {name}")) == len(run.table(name)), name
