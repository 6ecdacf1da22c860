"""Secret detection at collection: what is found, and that values never survive."""

from __future__ import annotations

import json

from awsbp.secrets import REDACTED, fingerprint, is_reference, redact_mapping, scan_text, scan_variables

KEY_ID = "AKIAZ7TESTEXAMPLE99Q"
SECRET_KEY = "tEst0SimuLat3dk3YnotReAlxQ9vB2rT7wLpZ4mNc"


def test_variables_detect_keys_keywords_and_skip_references():
    found, refs = scan_variables(
        {
            "AWS_ACCESS_KEY_ID": KEY_ID,
            "DB_PASSWORD": "correct-horse-battery",
            "TABLE": "orders",
            "DB_SECRET": "arn:aws:secretsmanager:eu-west-1:1:secret:db",
            "PARAM": "{{resolve:ssm-secure:/db/pw}}",
        }
    )
    assert {(f["name"], f["type"]) for f in found} == {
        ("AWS_ACCESS_KEY_ID", "AWS Access Key"),
        ("DB_PASSWORD", "Secret Keyword"),
    }
    assert sorted(refs) == ["DB_SECRET", "PARAM"]
    text = json.dumps(found)
    assert KEY_ID not in text and "correct-horse-battery" not in text
    assert next(f for f in found if f["name"] == "AWS_ACCESS_KEY_ID")["fingerprint"].startswith("AKIA…")


def test_user_data_lines_unquoted_exports_are_scanned():
    script = (
        f"#!/bin/bash\nexport AWS_ACCESS_KEY_ID={KEY_ID}\nexport AWS_SECRET_ACCESS_KEY={SECRET_KEY}\nyum -y update\n"
    )
    found = scan_text(script)
    assert {f["line"] for f in found} == {2, 3}
    assert SECRET_KEY not in json.dumps(found) and KEY_ID not in json.dumps(found)


def test_clean_values_are_not_flagged():
    assert scan_variables({"LOG_LEVEL": "debug", "REGION": "ap-northeast-1", "PORT": "8080"}) == ([], [])
    assert scan_text("#!/bin/bash\nyum install -y nginx\nsystemctl start nginx\n") == []


def test_fingerprints_match_within_a_run_and_hide_the_value():
    assert fingerprint("Secret Keyword", "abc") == fingerprint("Secret Keyword", "abc") != fingerprint("x", "abd")
    assert "abc" not in fingerprint("Secret Keyword", "abc") and len(fingerprint("k", "abc")) == 8


def test_redaction_keeps_names_only():
    assert redact_mapping({"A": "1", "B": "2"}) == {"A": REDACTED, "B": REDACTED}
    assert is_reference("arn:aws:ssm:eu-west-1:1:parameter/x") and not is_reference("hunter2")
