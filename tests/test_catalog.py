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


# --- every message as a client reads it ---------------------------------------------------------------------
# Words of English origin a Japanese report may keep: product and service names, protocols, units, formats.
JA_KEEPS = {
    "Lambda",
    "CodeBuild",
    "CodePipeline",
    "CodeCommit",
    "CodeConnections",
    "CloudTrail",
    "Secrets",
    "Manager",
    "Parameter",
    "Store",
    "Session",
    "Access",
    "Analyzer",
    "Identity",
    "Center",
    "Git",
    "GitHub",
    "GitLab",
    "Slack",
    "Stripe",
    "npm",
    "SendGrid",
    "Twilio",
    "Discord",
    "Artifactory",
    "Azure",
    "Mailchimp",
    "OpenAI",
    "PyPI",
    "Telegram",
    "Square",
    "Google",
    "Webhook",
    "OAuth",
    "MySQL",
    "MariaDB",
    "PostgreSQL",
    "Aurora",
    "Oracle",
    "Enterprise",
    "Standard",
    "Edition",
    "Server",
    "Express",
    "Web",
    "IMDSv1",
    "IMDSv2",
    "git-remote-codecommit",
    "base64",
    "gzip",
    "MiB",
    "KiB",
}
JA_COUNTERS = ("件", "人", "個", "つ", "日", "台", "行目", "年", "月", "文字", "世代", "層", "進数", "MiB", "KiB")
JA_NUMBER_BEFORE = ("ポート", "キー", "パート")
AWS_ID = re.compile(r"\b(?:sg|sgr|i|vpc|subnet|rtb|igw|nat|eni|vpce)-[0-9a-z-]+")


def _every_finding():
    """Findings of every simulated account (formats.worlds: each check says each of its verdicts there), with
    the cross-account ones, and a few made by hand where the worlds hold no example (long lists, the default
    VPC, a check that raised)."""
    from formats import harness
    from formats.worlds import WORLD_NAMES, collected

    inventories = [harness.inventory_of(collected(name).snapshot()) for name in WORLD_NAMES]
    found = [f for inv in inventories for f in harness.findings_of(inv)] + harness.cross_account_findings(inventories)
    vpc08, vpc01 = REGISTRY["BP-VPC-08"], REGISTRY["BP-VPC-01"]
    found += [
        vpc08.finding("no_flow_logs", "eu-west-1", "vpc", "vpc-1", vpc_name="default VPC"),
        vpc01.finding(
            "untagged_workloads", "eu-west-1", "vpc", "vpc-2", vpc_name="x", count=8, untagged=list("abcdefgh")
        ),
        vpc08.gap("111122223333", "global", ["check failed: KeyError: 'x'"], "check_error"),
    ]
    return found


@pytest.fixture(scope="module")
def rendered():
    findings = _every_finding()
    said = {(f.check_id, f.reason) for f in findings}
    declared = {(c, r) for c, spec in REGISTRY.items() for r in spec.reasons}
    assert not declared - said, f"reasons without an example to render: {sorted(declared - said)}"
    return [(f, Catalog("ja").message(f), Catalog("en").message(f)) for f in findings]


def _setting_keys() -> set[str]:
    from awsbp.params import PasswordPolicy, Settings

    return set(Settings.model_fields) | set(PasswordPolicy.model_fields)


def _outside(text: str, opening: str, closing: str) -> str:
    """``text`` without what is set off between ``opening`` and ``closing`` (names in code style)."""
    return re.sub(re.escape(opening) + r"[^" + re.escape(closing) + r"]*" + re.escape(closing), " ", text)


def test_every_message_reads_as_written_by_a_person_in_both_languages(rendered):
    keys = _setting_keys()
    problems = []
    for f, ja, en in rendered:
        where = f"{f.check_id} {f.reason}"
        for lang, text in (("ja", ja), ("en", en)):
            if "{" in text or "}" in text:
                problems.append(f"{where} {lang}: a placeholder is left: {text}")
            if re.search(r"\b(True|False|None|nan)\b", text):
                problems.append(f"{where} {lang}: a raw value: {text}")
            plain = _outside(_outside(text, "「", "」"), '"', '"')
            if found := {k for k in keys if re.search(rf"\b{k}\b", plain)}:
                problems.append(f"{where} {lang}: setting keys {sorted(found)}: {text}")
            if re.search(r"\b[a-z]+_[a-z_]+\b", AWS_ID.sub(" ", plain)):
                problems.append(f"{where} {lang}: an identifier outside code style: {text}")
        if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", en):
            problems.append(f"{where} en: Japanese in English: {en}")
        plain = AWS_ID.sub(" ", _outside(ja, "「", "」"))
        english = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9.-]*", plain) if w not in JA_KEEPS and not w.isupper()]
        english = [w for w in english if not re.fullmatch(r"[A-Z0-9]+[a-z]?[0-9]*", w)]  # S3, IMDSv2-like acronyms
        if english:
            problems.append(f"{where} ja: English words {english}: {ja}")
        for m in re.finditer(r"(?<![\w.:/-])\d[\d,]*(?![\w.:/-])", plain):
            after, before = plain[m.end() :].lstrip(" "), plain[: m.start()].rstrip(" ")
            if not after.startswith(JA_COUNTERS) and not before.endswith(JA_NUMBER_BEFORE):
                problems.append(f"{where} ja: a number without its counter ({m.group()}): {ja}")
    assert not problems, "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")


def test_lists_dates_and_the_default_vpc_are_written_per_language(rendered):
    by_reason = {}
    for f, ja, en in rendered:
        by_reason.setdefault((f.check_id, f.reason, str(f.evidence.get("vpc_name", ""))), (ja, en))
    ja, en = by_reason[("BP-VPC-08", "no_flow_logs", "default VPC")]
    assert ja.startswith("デフォルト VPC に") and "the default VPC" in en and "VPC default VPC" not in en
    ja, en = by_reason[("BP-VPC-01", "untagged_workloads", "x")]
    assert "「a」、「b」、「c」、「d」、「e」ほか 3 件" in ja and '"a", "b", "c", "d", "e" and 3 more' in en
    root = next((ja, en) for f, ja, en in rendered if f.reason == "root_not_recent")
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", root[0]) and re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4}", root[1])
