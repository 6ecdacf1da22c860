"""Bad input that used to reach a traceback: one line on stderr and exit 2, through the command line."""

from __future__ import annotations

import pytest
from awsbp.cli import main


def run(tmp_path, body: str, *extra: str) -> list[str]:
    path = tmp_path / "client.yaml"
    path.write_text(body, encoding="utf-8")
    return ["run", str(path), "--output", str(tmp_path / "out"), "--quiet", *extra]


def one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err


def test_deeply_nested_yaml(tmp_path, capsys):
    body = "client: acme\nsettings:\n  system_tag_keys: " + "[" * 10_000 + "]" * 10_000 + "\n"
    assert main(run(tmp_path, body)) == 2
    assert "nested too deeply" in one_line(capsys)


@pytest.mark.parametrize(
    ("patterns", "bad"),
    [("['SECRET', 'PASS(WORD']", "PASS(WORD"), ("['[a-z']", "[a-z"), ("['*TOKEN']", "*TOKEN")],
)
def test_invalid_regular_expression_in_settings(tmp_path, capsys, patterns, bad):
    body = f"client: acme\nsettings:\n  secret_name_patterns: {patterns}\n"
    assert main(run(tmp_path, body)) == 2
    err = one_line(capsys)
    assert "settings.secret_name_patterns" in err and f"{bad!r} is not a valid regular expression" in err


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ("  - profile: prod\n  - profile: prod\n    name: again\n", "account 2 repeats account 1 (profile 'prod')"),
        (
            "  - role_arn: arn:aws:iam::111122223333:role/audit\n"
            "  - role_arn: arn:aws:iam::111122223333:role/audit\n    external_id: other\n",
            "account 2 repeats account 1 (role_arn arn:aws:iam::111122223333:role/audit)",
        ),
        (
            "  - name: shop\n    profile: a\n  - name: shop\n    profile: b\n",
            "account 2 has the name 'shop' of account 1",
        ),
        ("  - name: a\n  - name: b\n", "account 2 repeats account 1 (the default credentials)"),
    ],
    ids=["same-profile", "same-role", "same-name", "default-twice"],
)
def test_the_same_account_twice(tmp_path, capsys, accounts, message):
    assert main(run(tmp_path, f"client: acme\naccounts:\n{accounts}")) == 2
    err = one_line(capsys)
    assert "accounts: " in err and message in err


def test_the_same_profile_for_two_roles_is_fine():
    from awsbp.params import parse

    params = parse(
        {
            "client": "acme",
            "accounts": [
                {"profile": "hub", "role_arn": "arn:aws:iam::111122223333:role/audit"},
                {"profile": "hub", "role_arn": "arn:aws:iam::444455556666:role/audit"},
            ],
        }
    )
    assert len(params.accounts) == 2


@pytest.mark.parametrize("where", ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"])
def test_malformed_aws_config_file(aws_env, tmp_path, capsys, monkeypatch, where):
    broken = tmp_path / "broken"
    broken.write_text("[default\nregion = eu-west-1\n  = = =\n", encoding="utf-8")
    monkeypatch.setenv(where, str(broken))
    if where == "AWS_SHARED_CREDENTIALS_FILE":  # only read when the environment holds no keys
        monkeypatch.delenv("AWS_ACCESS_KEY_ID")
        monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    assert main(run(tmp_path, "client: acme\nregions: [eu-west-1]\n")) == 2
    err = one_line(capsys)
    assert f"{broken}: not a valid AWS config or credentials file" in err


def test_params_file_that_is_not_utf8(tmp_path, capsys):
    path = tmp_path / "client.yaml"
    path.write_bytes("client: acme\n# 本番\n".encode("shift_jis"))
    assert main(["run", str(path), "--quiet"]) == 2
    assert "cannot be read" in one_line(capsys)
