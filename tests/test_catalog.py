"""The catalog covers every check and every reason a check can emit, in both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from awsbp.catalog import LANGS, Catalog, CatalogError
from awsbp.checks import REGISTRY, load_all
from awsbp.findings import Finding, Severity, Status

load_all()
CHECKS_DIR = Path(__file__).parents[1] / "lib" / "awsbp" / "checks"


def emitted_reasons(check_id: str) -> set[str]:
    """Reason codes passed to emit(...) in the check's module, read from the source."""
    domain = REGISTRY[check_id].domain
    tree = ast.parse((CHECKS_DIR / f"{domain}.py").read_text())
    reasons: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "emit":
            args = node.args
            is_this_check = len(args) >= 2 and isinstance(args[0], ast.Constant) and args[0].value == check_id
            if is_this_check and isinstance(args[-1], ast.Constant):  # the reason is the last positional argument
                reasons.add(args[-1].value)
    return reasons


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_has_words_and_every_reason_a_message(lang, check_id):
    text = Catalog(lang).check(check_id)
    assert text.title and text.why and text.check and text.fix and text.remediation
    reasons = emitted_reasons(check_id)
    assert reasons, "the source scan found no reasons: the test would prove nothing"
    assert reasons == set(text.messages), f"{lang}: reasons in code and catalog differ"


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
