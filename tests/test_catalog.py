"""The catalog covers every check and every reason its spec declares, in both languages."""

from __future__ import annotations

import re

import pytest
from awsbp.catalog import LANGS, Catalog, CatalogError
from awsbp.checks.registry import REGISTRY
from awsbp.findings import Finding, Severity, Status


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_has_words_and_every_reason_a_message(lang, check_id):
    text = Catalog(lang).check(check_id)
    assert text.title and text.why and text.check and text.fix and text.remediation
    assert set(REGISTRY[check_id].reasons) == set(text.messages), f"{lang}: reasons in the spec and catalog differ"


def test_languages_agree_on_messages_and_placeholders():
    en, ja = Catalog("en"), Catalog("ja")
    for check_id in REGISTRY:
        for reason, template in en.check(check_id).messages.items():
            fields = set(re.findall(r"{(\w+)}", template))
            assert fields == set(re.findall(r"{(\w+)}", ja.check(check_id).messages[reason])), (check_id, reason)


def test_messages_render_evidence_and_unknown_reason_raises():
    finding = Finding(
        "BP-VPC-02",
        Status.FAIL,
        Severity.CRITICAL,
        "1",
        "r",
        "security_group_rule",
        "sgr-1",
        reason="world_open",
        resource_name="app",
        evidence={"group_name": "app", "group_id": "sg-1", "source": "0.0.0.0/0", "ports": "22/tcp", "used_by": "i-1"},
    )
    for lang in LANGS:
        line = Catalog(lang).message(finding)
        assert "0.0.0.0/0" in line and "22/tcp" in line and "{" not in line
    finding.reason = "no_such_reason"
    with pytest.raises(CatalogError):
        Catalog("en").message(finding)


def test_unknown_language_is_refused():
    with pytest.raises(CatalogError, match="language 'fr'"):
        Catalog("fr")


def test_japanese_catalog_is_japanese():
    text = Catalog("ja").check("BP-VPC-04")
    assert re.search(r"[\u3040-\u30ff]", text.why) and "Session Manager" in text.why + text.check + text.fix


def test_language_neutral_values_are_worded_per_language():
    finding = Finding(
        "BP-IAM-02",
        Status.FAIL,
        Severity.MEDIUM,
        "1",
        "global",
        "password_policy",
        "1:require_symbols",
        reason="weak_setting",
        evidence={"setting": "require_symbols", "actual": False, "expected": True},
    )
    assert "有効" in Catalog("ja").message(finding) and "False" not in Catalog("ja").message(finding)
    assert "off" in Catalog("en").message(finding)


def test_a_check_cannot_report_a_reason_its_spec_does_not_declare():
    spec = REGISTRY["BP-VPC-05"]
    with pytest.raises(KeyError, match="not declared"):
        spec.finding("no_such_reason", "eu-west-1", "db_instance", "orders")
    finding = spec.finding("publicly_accessible", "eu-west-1", "db_instance", "orders")
    assert (finding.status, finding.severity) == (Status.FAIL, Severity.CRITICAL)  # from the declared reason


def test_every_article_point_a_check_names_has_words_and_the_languages_agree():
    en, ja = Catalog("en").article(), Catalog("ja").article()
    assert set(en.points) == set(ja.points) and {"beyond", "departures"} <= set(en.points)
    named = {spec.article for spec in REGISTRY.values() if spec.article}
    assert named and named <= set(en.points), named - set(en.points)
    assert set(en.points) - named == {"beyond", "departures"}  # every article point is implemented by a check
    assert en.intro and ja.intro and "AWS_Security_Best_Practices.pdf" in en.intro + ja.intro


def test_every_ui_label_exists_in_both_languages():
    from awsbp.catalog import _ui

    for key, texts in _ui().items():
        assert set(texts) == set(LANGS), key
        assert set(re.findall(r"{(\w+)}", texts["en"])) == set(re.findall(r"{(\w+)}", texts["ja"])), key
