"""EC2 user data decoded as cloud-init does (gzip, MIME multipart, cloud-config files), within bounds; what
cannot be read is named, never silently clean."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import boto3
import pytest
from awsbp.aws import AwsSession
from awsbp.collect import collect_account
from awsbp.collect import ec2 as ec2_collector
from awsbp.collect.userdata import MAX_DECODED_BYTES, scan_user_data
from secrets_corpus import KEY_ID, PASSWORD, SECRET_KEY

SCRIPT = f"#!/bin/bash\nyum -y install nginx\nexport AWS_ACCESS_KEY_ID={KEY_ID}\nmysql -u root -p{PASSWORD}\n"
CLOUD_CONFIG = "#cloud-config\npackages:\n  - nginx\n"


def b64(data: bytes | str) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def multipart(*parts) -> bytes:
    """A cloud-init MIME multipart, as Terraform's cloudinit_config writes it (base64 parts)."""
    message = MIMEMultipart(boundary="MIMEBOUNDARY")
    for part in parts:
        message.attach(part)
    return message.as_bytes()


def text_part(content: str, subtype: str, filename: str) -> MIMEText:
    part = MIMEText(content, subtype, "utf-8")  # utf-8: base64 transfer encoding
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def where(item) -> set[str]:
    return {s["where"] for s in item["AwsbpSecrets"]}


def test_plain_script_keeps_line_numbers():
    item = scan_user_data(b64(SCRIPT))
    assert where(item) == {"line 3", "line 4"}
    assert item["Size"] == len(SCRIPT) and "AwsbpUnreadable" not in item


def test_gzip_script_is_decompressed():
    item = scan_user_data(b64(gzip.compress(SCRIPT.encode())))
    assert where(item) == {"line 3", "line 4"}
    assert item["AwsbpDecodedSize"] == len(SCRIPT) and "AwsbpUnreadable" not in item


def test_gzipped_multipart_with_base64_parts_names_part_and_line():
    body = multipart(
        text_part(CLOUD_CONFIG, "cloud-config", "cloud-config.yaml"),
        text_part(SCRIPT, "x-shellscript", "setup.sh"),
    )
    item = scan_user_data(b64(gzip.compress(body)))
    assert where(item) == {"part 2 (setup.sh), line 3", "part 2 (setup.sh), line 4"}
    assert "AwsbpUnreadable" not in item


def test_gzip_part_inside_multipart_and_include_urls():
    zipped = MIMEApplication(gzip.compress(SCRIPT.encode()), "x-gzip")
    zipped.add_header("Content-Disposition", "attachment", filename="boot.sh.gz")
    include = text_part(f"#include\nhttps://deploy:{PASSWORD}@config.example.com/boot.sh\n", "x-include-url", "inc")
    item = scan_user_data(b64(multipart(include, zipped)))
    assert where(item) == {"part 1 (inc), line 2", "part 2 (boot.sh.gz), line 3", "part 2 (boot.sh.gz), line 4"}


def test_cloud_config_write_files_are_decoded():
    env = f"AWS_SECRET_ACCESS_KEY={SECRET_KEY}\n"
    config = (
        "#cloud-config\n"
        "write_files:\n"
        "  - path: /etc/motd\n"
        "    content: hello\n"
        "  - path: /etc/app.env\n"
        f"    encoding: b64\n    content: {b64(env)}\n"
        "  - path: /etc/db.env\n"
        f"    encoding: gz+b64\n    content: {b64(gzip.compress(f'DB_PASSWORD={PASSWORD}'.encode()))}\n"
        "  - path: /etc/nginx/nginx.conf\n"  # an innocuous compressed file: its base64 is no secret
        f"    encoding: gz+b64\n    content: {b64(gzip.compress(b'server { listen 80; root /srv/www; }'))}\n"
        "  - path: /etc/app/banner\n"
        "    encoding: gzip+base64\n    content: |\n"
        + "".join(f"      {chunk}\n" for chunk in _chunks(b64(gzip.compress(b"Welcome to shop-web\n" * 20)), 76))
    )
    item = scan_user_data(b64(config))
    assert where(item) == {"write_files[1] (/etc/app.env), line 1", "write_files[2] (/etc/db.env), line 1"}
    assert "AwsbpUnreadable" not in item


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (gzip.compress(SCRIPT.encode())[:-12], "user data: corrupt gzip (truncated)"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate", "user data: corrupt gzip"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "user data: binary content (not scanned)"),
    ],
    ids=["truncated-gzip", "corrupt-gzip", "binary"],
)
def test_unreadable_user_data_is_named_not_clean(raw, reason):
    item = scan_user_data(b64(raw))
    assert item["AwsbpSecrets"] == []
    assert item["AwsbpUnreadable"].startswith(reason)


def test_a_binary_part_does_not_hide_the_others():
    binary = MIMEApplication(b"\x00\x01\x02" * 100, "octet-stream")
    binary.add_header("Content-Disposition", "attachment", filename="blob.bin")
    item = scan_user_data(b64(multipart(binary, text_part(SCRIPT, "x-shellscript", "setup.sh"))))
    assert where(item) == {"part 2 (setup.sh), line 3", "part 2 (setup.sh), line 4"}
    assert item["AwsbpUnreadable"] == "part 1 (blob.bin): binary content (not scanned)"


def test_invalid_base64_part_is_unreadable():
    body = (
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=B\n\n--B\n"
        "Content-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n%%%not*base64%%%\n--B--\n"
    )
    item = scan_user_data(b64(body))
    assert "invalid base64" in item["AwsbpUnreadable"]


def _bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"A" * (1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


def test_zip_bomb_stops_at_the_bound_with_bounded_memory():
    nested = gzip.compress(_bomb(256 * 1024 * 1024), 9)  # 256 MiB of text in a few hundred bytes
    tracemalloc.start()
    try:
        item = scan_user_data(b64(nested))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "over 16 MiB once decompressed" in item["AwsbpUnreadable"]
    assert item["AwsbpSecrets"] == []
    assert peak < 3 * MAX_DECODED_BYTES, peak


def test_deep_nesting_is_bounded():
    data = SCRIPT.encode()
    for _ in range(20):
        data = gzip.compress(data)
    item = scan_user_data(b64(data))
    assert "nested deeper than" in item["AwsbpUnreadable"]


def test_collected_through_ec2_without_storing_a_byte(aws_env, tmp_path):
    ec2 = boto3.client("ec2", region_name="eu-west-1")
    body = gzip.compress(
        multipart(text_part(CLOUD_CONFIG, "cloud-config", "c.yaml"), text_part(SCRIPT, "x-shellscript", "s.sh"))
    )
    ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, UserData=body)
    ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, UserData=gzip.compress(SCRIPT.encode())[:-12])
    session = AwsSession.open()
    snap = collect_account(session, ["eu-west-1"], session.identity(), collectors=[ec2_collector])
    items = snap.items("ec2", "eu-west-1", "DescribeInstanceAttribute")
    assert sorted(where(i) != set() for i in items) == [False, True]
    assert [i["AwsbpUnreadable"] for i in items if "AwsbpUnreadable" in i] == ["user data: corrupt gzip (truncated)"]
    stored = gzip.decompress(snap.save(tmp_path / "s.json.gz").read_bytes())
    assert KEY_ID.encode() not in stored and PASSWORD.encode() not in stored
    assert json.loads(stored)["data"]["ec2"]["eu-west-1"]["DescribeInstanceAttribute"]


def test_a_script_mentioning_mime_headers_is_scanned_whole():
    script = (
        f"#!/bin/bash\nmysql -u root -p{PASSWORD} -e 'select 1'\n"
        "cat <<MAIL | sendmail ops@example.com\nMIME-Version: 1.0\nContent-Type: text/plain\n\nbooted\nMAIL\n"
    )
    item = scan_user_data(b64(script))
    assert where(item) == {"line 2"} and "AwsbpUnreadable" not in item
