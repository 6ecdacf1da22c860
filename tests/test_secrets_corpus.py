"""Every corpus sample through the collectors' own scan step: positives found, negatives left alone,
values never in what is kept."""

from __future__ import annotations

import json

import pytest
from awsbp.secrets import REDACTED, fingerprint, scan_and_redact_text, scan_text, scan_variables
from secrets_corpus import BUILDSPEC, BUILDSPEC_SECRET_LINES, CLEAN, KEY_ID, PASSWORD, SECRET, SECRET_KEY, VALUES


@pytest.mark.parametrize(("line", "expected"), SECRET, ids=[s[:48] for s, _ in SECRET])
def test_secret_samples_are_detected_and_redacted(line, expected):
    kept, found = scan_and_redact_text(line, "sample")
    types = {f["type"] for f in found}
    assert types & expected, (types, expected)
    assert all(f["where"] == "sample" for f in found)
    stored = json.dumps([kept, found])
    for value in VALUES:
        if value in line:
            assert value not in stored


@pytest.mark.parametrize("line", CLEAN)
def test_clean_samples_are_left_alone(line):
    assert scan_and_redact_text(line, "sample") == (line, [])


def test_buildspec_secrets_by_line_and_references_skipped():
    kept, found = scan_and_redact_text(BUILDSPEC, "source.buildspec")
    assert kept == REDACTED
    assert {f["line"] for f in found} == BUILDSPEC_SECRET_LINES
    assert {f["where"] for f in found} == {f"source.buildspec, line {n}" for n in BUILDSPEC_SECRET_LINES}
    assert PASSWORD not in json.dumps(found)


def test_url_credentials_are_replaced_in_place_keeping_the_host():
    url = f"https://deploy:{PASSWORD}@git.example.com/acme/shop.git"
    kept, found = scan_and_redact_text(url, "source.location")
    assert kept == "https://<redacted>@git.example.com/acme/shop.git"
    assert found and {f["name"] for f in found} == {"source.location"}
    # a URL credential inside a script with another secret: the whole text goes
    kept, _ = scan_and_redact_text(f"git clone {url}\nexport AWS_SECRET_ACCESS_KEY={SECRET_KEY}\n", "script")
    assert kept == REDACTED


def test_variables_named_as_aws_secret_keys_are_aws_keys():
    found, _ = scan_variables({"AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_ACCESS_KEY_ID": KEY_ID}, "env.")
    assert {(f["name"], f["where"], f["type"]) for f in found} >= {
        ("AWS_SECRET_ACCESS_KEY", "env.AWS_SECRET_ACCESS_KEY", "AWS Access Key"),
        ("AWS_ACCESS_KEY_ID", "env.AWS_ACCESS_KEY_ID", "AWS Access Key"),
    }


def test_user_data_lines_keep_their_numbers():
    script = "#!/bin/bash\n\n" + "\n".join(line for line, _ in SECRET[:3]) + "\nyum -y update\n"
    assert {f["line"] for f in scan_text(script)} == {3, 4, 5}


def test_fingerprints_never_reveal_a_secret_key_prefix():
    assert fingerprint("AWS Access Key", KEY_ID).startswith("AKIA…")
    secret_like = "ASIA" + SECRET_KEY[4:]  # a secret key that happens to start like a key id
    assert not fingerprint("AWS Access Key", secret_like).startswith("ASIA")
