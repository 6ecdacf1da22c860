"""The IAM credential report as AWS writes it (moto writes no ``<root_account>`` row and few special values).

The shop account's report (:func:`formats.worlds.shop_report`) goes through the real collector (CSV parsing)
and the inventory: root used 10 days ago with an access key and no MFA; ``no_information`` for passwords
never used, ``N/A`` for missing credentials, ``not_supported`` in root's password columns, timestamps with
``+00:00``; users whose password or keys were never used, a key rotated by a second one, two active keys.
"""

from __future__ import annotations

from formats import harness
from formats.samples import CREDENTIAL_REPORT_COLUMNS, ROOT
from formats.verdicts import of, only, verdicts
from formats.worlds import collected

PASS, FAIL, REVIEW = "PASS", "FAIL", "REVIEW"


def stored_rows() -> dict[str, dict[str, str]]:
    snapshot = collected("shop").snapshot()
    return {row["user"]: row for row in snapshot.items("iam", harness.GLOBAL, "GetCredentialReport")}


def test_special_values_are_kept_as_text_not_missing_values():
    rows = stored_rows()
    assert set(rows[ROOT]) == set(CREDENTIAL_REPORT_COLUMNS)
    assert rows[ROOT]["password_enabled"] == "not_supported"
    assert rows[ROOT]["password_next_rotation"] == "not_supported"
    assert rows["bob"]["password_last_used"] == "no_information"
    assert rows["frank"]["password_last_used"] == "N/A"
    assert rows["gina"]["access_key_1_last_used_date"] == "N/A"
    assert rows["alice"]["password_last_used"].endswith("+00:00")
    assert all(isinstance(v, str) for row in rows.values() for v in row.values())


def test_the_inventory_types_every_special_value():
    inventory = harness.inventory_of(collected("shop").snapshot())
    report = inventory.iam.credential_report.set_index("user")
    assert report.loc[ROOT, "is_root"] and not report.loc[ROOT, "password_enabled"]
    assert report.loc["bob", "password_last_used"] is None  # no_information: never signed in
    assert report.loc["alice", "password_last_used"].utcoffset().total_seconds() == 0
    keys = inventory.iam.access_keys.set_index(["user", "key"])
    assert not keys.loc[("dave", 1), "active"] and keys.loc[("dave", 2), "active"]
    assert keys.loc[("gina", 1), "last_used"] is None and keys.loc[("gina", 1), "last_service"] == ""
    assert keys.loc[("frank", 1), "last_service"] == "s3"


def test_root_usage_mfa_and_keys(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-01")
    assert found == {
        (ROOT, "root_no_mfa"): FAIL,
        (ROOT, "root_access_keys"): FAIL,
        (ROOT, "root_recent_use"): REVIEW,
    }
    assert only(shop_findings, "BP-IAM-01", ROOT, "root_recent_use").evidence["days"] == 10


def test_console_users_without_mfa(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-03")
    assert found == {
        ("alice", "console_with_mfa"): PASS,
        ("bob", "console_without_mfa"): FAIL,
        ("carol", "console_with_mfa"): PASS,
        ("dave", "console_with_mfa"): PASS,
        ("erin", "console_with_mfa"): PASS,
        ("ci", "console_with_mfa"): PASS,
        ("taro.yamada", "console_with_mfa"): PASS,
    }  # root's password_enabled is not_supported: root is BP-IAM-01's


def test_service_users_are_reviewed_with_key_age_and_last_service(shop_findings):
    users = {f.resource_id: f.evidence for f in shop_findings if f.reason == "service_user"}
    assert set(users) == {"frank", "gina", "henry"}
    assert users["frank"]["last_services"] == ["s3"] and users["frank"]["key_age_days"] == 300
    assert users["gina"]["last_services"] == users["henry"]["last_services"] == ["never"]


def test_key_rotation_unused_keys_and_two_active_keys(shop_findings):
    found = {k: v for k, v in verdicts(shop_findings, "BP-IAM-05").items() if not k[0].startswith(ROOT)}
    assert found == {
        ("carol", "keys_ok"): PASS,
        ("dave", "keys_ok"): PASS,  # key 1 deactivated when key 2 replaced it: one active key
        ("erin", "two_active_keys"): FAIL,
        ("frank:key1", "key_not_rotated"): FAIL,
        ("gina:key1", "key_not_rotated"): FAIL,
        ("gina:key1", "key_unused"): FAIL,  # never used: idle since it was created
        ("henry", "keys_ok"): PASS,  # never used, but created 5 days ago
    }
    assert only(shop_findings, "BP-IAM-05", "gina:key1", "key_unused").evidence["last_used"] == "never"


def test_root_keys_are_judged_by_bp_iam_01_only(shop_findings):
    assert not [f for f in shop_findings if f.check_id == "BP-IAM-05" and f.resource_id.startswith(ROOT)]


def test_unused_identities(shop_findings):
    found = verdicts(shop_findings, "BP-IAM-10")
    unused = {user for (user, reason), status in found.items() if reason == "unused_user" and status == FAIL}
    assert unused == {"bob", "gina", "henry"}  # never signed in / keys never used, created 400 days ago
    active = {user for (user, reason) in found if reason == "active_user"}
    assert active == {"alice", "carol", "dave", "erin", "frank", "ci", "taro.yamada"}
    assert ROOT not in {user for user, _ in found}
    assert of(shop_findings, "BP-IAM-10", "dave")[0].evidence["last_activity"] == "2026-11-26"  # key 2, not key 1
