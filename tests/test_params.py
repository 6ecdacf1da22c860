"""The params file: valid files load, every mistake is one line naming the key and the fix."""

from __future__ import annotations

import pytest
from awsbp.errors import ParamsError
from awsbp.params import Settings, load, parse


def write(tmp_path, text: str):
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_and_demo_params_are_valid():
    from importlib.resources import files
    from pathlib import Path

    import yaml

    example = load(Path(__file__).parents[1] / "params" / "example.yaml")
    assert example.client and example.accounts
    demo = parse(yaml.safe_load(files("awsbp.demo").joinpath("params.yaml").read_text()))
    assert demo.regions == ["ap-northeast-1", "us-east-1"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client: acme\nregion: [eu-west-1]\n", "p.yaml: region: unknown key"),
        ("client: acme\nregions: eu-west-1\n", "p.yaml: regions"),
        ("client: acme\nregions: [tokyo]\n", "'tokyo' is not a region name"),
        ("client: acme\nmax_workers: many\n", "p.yaml: max_workers: "),
        ("regions: [eu-west-1]\n", "p.yaml: client: required key is missing"),
        ("client: acme\naccounts:\n  - role_arn: arn:aws:iam::12:role/x\n", "accounts.0.role_arn: must look like"),
        ("client: acme\naccounts:\n  - external_id: abc\n", "external_id is only used with role_arn"),
        ("client: acme\nsettings:\n  public_ports: [http]\n", "settings.public_ports.0"),
        ("client: acme\nlang: fr\n", "p.yaml: lang"),
        ("client: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
    ],
)
def test_bad_params_give_one_line(tmp_path, text, expected):
    with pytest.raises(ParamsError) as err:
        load(write(tmp_path, text))
    message = str(err.value)
    assert expected in message and "\n" not in message


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match=r"no such params file; copy params/example\.yaml"):
        load(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("tags", "env"),
    [
        ({"Environment": "Production"}, "prod"),
        ({"environment": "本番"}, "prod"),
        ({"Environment": "stg"}, "dev"),
        ({"Environment": "開発"}, "dev"),
        ({"Environment": "sandbox-42"}, "other"),
        ({}, ""),
    ],
)
def test_environment_mapping(tags, env):
    assert Settings().environment_of(tags) == env


def test_system_tag_keys_in_order():
    settings = Settings(system_tag_keys=["Project", "System"])
    assert settings.system_of({"System": "a", "Project": "b"}) == "b"
    assert settings.system_of({"Owner": "x"}) == ""
