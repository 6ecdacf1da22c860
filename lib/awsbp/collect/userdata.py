"""EC2 user data decoded as cloud-init decodes it, within bounds, then scanned for secrets in memory.

What EC2 returns (base64) is decoded layer by layer, as cloud-init does:

* gzip (magic ``1f 8b``; Terraform's ``cloudinit_config`` gzips by default), concatenated members too;
* MIME multipart (``MIME-Version:`` or ``Content-Type: multipart/…`` at the top, read with :mod:`email`): each
  part's ``Content-Transfer-Encoding`` (base64, quoted-printable) is undone, and a part may itself be gzip or
  multipart;
* ``#cloud-config``: scanned as text, and each ``write_files`` entry with ``encoding: b64 | gzip | gz+b64``
  is decoded and scanned as a part of its own;
* anything else that is text (``#!`` scripts, ``#include`` URL lists, boothooks, PowerShell) is scanned as is.

Bounds: :data:`MAX_DECODED_BYTES` of decompressed data in all (a zip bomb stops there, memory stays
bounded), :data:`MAX_DEPTH` nested layers, :data:`MAX_PARTS` parts, and lines scanned up to
:data:`MAX_LINE` characters. What cannot be read — binary content, over a bound, corrupt gzip, invalid
base64 — is named in ``AwsbpUnreadable`` (English, no content), so that no PASS is said for it.

Where a detection is: ``line 3`` for a single script (gzip or not), ``part 2 (setup.sh), line 3`` in a
multipart, ``part 1 (cloud-config) write_files[0] (/etc/app.env), line 1`` for a decoded file.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.errors
import email.policy
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from awsbp.secrets import scan_text

MAX_DECODED_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 6
MAX_PARTS = 500
MAX_LINE = 64 * 1024
GZIP_MAGIC = b"\x1f\x8b"
_BASE64_DEFECTS = (
    email.errors.InvalidBase64PaddingDefect,
    email.errors.InvalidBase64CharactersDefect,
    email.errors.InvalidBase64LengthDefect,
)
_SAFE_NAME = re.compile(r"[^\w./@+-]")


class _Unreadable(Exception):
    """One layer or part that cannot be read; the message is the reason (no content)."""


@dataclass
class DecodedText:
    """One piece of text to scan: ``label`` says where it came from ("" for a single script)."""

    label: str
    text: str
    encoded: list[str] = field(default_factory=list)  # write_files contents decoded separately: not text


@dataclass
class Decoded:
    """User data decoded into texts, with what could not be read and how many bytes were decoded."""

    texts: list[DecodedText] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    decoded_bytes: int = 0


class _Decoder:
    def __init__(self) -> None:
        self.out = Decoded()
        self.parts = 0
        self.inflated = 0  # bytes produced by decompression, all layers together: the memory bound

    def budget(self) -> int:
        return MAX_DECODED_BYTES - self.inflated

    def gunzip(self, data: bytes) -> bytes:
        """Every gzip member of ``data``, never more than the remaining budget."""
        chunks: list[bytes] = []
        total = 0
        while data[:2] == GZIP_MAGIC:
            inflater = zlib.decompressobj(wbits=31)
            try:
                chunk = inflater.decompress(data, self.budget() - total + 1)
            except zlib.error as err:
                raise _Unreadable(f"corrupt gzip ({err})") from None
            total += len(chunk)
            if total > self.budget() or inflater.unconsumed_tail:
                raise _Unreadable(f"over {MAX_DECODED_BYTES // (1024 * 1024)} MiB once decompressed (not scanned)")
            if not inflater.eof:
                raise _Unreadable("corrupt gzip (truncated)")
            chunks.append(chunk)
            data = inflater.unused_data
        self.inflated += total
        return b"".join(chunks)

    def decode(self, data: bytes, label: str, depth: int, cloud_config: bool = False) -> None:
        """Decode one blob (gzip, multipart, cloud-config or text) into texts; never raises."""
        where = label or "user data"
        try:
            if depth > MAX_DEPTH:
                raise _Unreadable(f"nested deeper than {MAX_DEPTH} layers (not scanned)")
            if data[:2] == GZIP_MAGIC:
                self.decode(self.gunzip(data), label, depth + 1, cloud_config)
                return
            head = data[:4096].lower()
            if b"mime-version:" in head or head.lstrip().startswith(b"content-type: multipart/"):
                self.multipart(data, label, depth)
                return
            self.text(data, label, depth, cloud_config)
        except _Unreadable as err:
            self.out.unreadable.append(f"{where}: {err}")

    def text(self, data: bytes, label: str, depth: int, cloud_config: bool) -> None:
        """Keep ``data`` as a text to scan (cloud-config: its encoded write_files too); binary is unreadable."""
        if b"\x00" in data:
            raise _Unreadable("binary content (not scanned)")
        if self.out.decoded_bytes + len(data) > MAX_DECODED_BYTES:
            raise _Unreadable(f"over {MAX_DECODED_BYTES // (1024 * 1024)} MiB once decoded (not scanned)")
        self.out.decoded_bytes += len(data)
        text = data.decode("utf-8", errors="replace")
        piece = DecodedText(label, text)
        self.out.texts.append(piece)
        if cloud_config or text.lstrip().startswith("#cloud-config"):
            piece.encoded = self.cloud_config_files(text, label, depth)

    def multipart(self, data: bytes, label: str, depth: int) -> None:
        message = email.message_from_bytes(data, policy=email.policy.compat32)
        if not message.is_multipart():
            encoding = str(message.get("Content-Transfer-Encoding", "")).strip().lower()
            if encoding in ("base64", "quoted-printable"):  # a single encoded MIME part
                self.leaf(message, label, depth)
            else:  # text that merely mentions MIME headers (a mail script): scanned whole, headers included
                self.text(data, label, depth, cloud_config=False)
            return
        for index, part in enumerate(message.get_payload(), start=1):
            self.parts += 1
            if self.parts > MAX_PARTS:
                raise _Unreadable(f"more than {MAX_PARTS} parts (the rest not scanned)")
            name = part.get_filename() or part.get_param("name") or part.get_content_type()
            name = _SAFE_NAME.sub("_", str(name))[:80]
            prefix = f"{label} part {index}" if label else f"part {index}"
            part_label = f"{prefix} ({name})"
            if part.is_multipart():
                self.decode(part.as_bytes(), part_label, depth + 1)
            else:
                self.leaf(part, part_label, depth)

    def leaf(self, part: Any, label: str, depth: int) -> None:
        try:
            payload = part.get_payload(decode=True) or b""
            if any(isinstance(d, _BASE64_DEFECTS) for d in part.defects):
                raise _Unreadable("invalid base64 (not scanned)")
        except _Unreadable as err:
            self.out.unreadable.append(f"{label or 'user data'}: {err}")
            return
        self.decode(payload, label, depth + 1, part.get_content_type() == "text/cloud-config")

    def cloud_config_files(self, text: str, label: str, depth: int) -> list[str]:
        """``write_files`` entries cloud-init would decode (b64, gzip, gz+b64) become texts of their own; returns
        their encoded contents (not to be scanned again as text: a base64 blob is no secret in itself)."""
        import yaml

        encoded: list[str] = []
        try:
            config = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError, ValueError):  # the text itself is scanned anyway
            return encoded
        files = config.get("write_files") if isinstance(config, dict) else None
        if not isinstance(files, list):
            return encoded
        for index, entry in enumerate(files):
            if not isinstance(entry, dict):
                continue
            encoding = str(entry.get("encoding") or "").lower()
            content = entry.get("content")
            if encoding in ("", "text/plain") or content is None:
                continue
            path = _SAFE_NAME.sub("_", str(entry.get("path") or "?"))[:80]
            prefix = f"{label} " if label else ""
            file_label = f"{prefix}write_files[{index}] ({path})"
            if isinstance(content, str):
                encoded.append(content)
            try:
                raw = content if isinstance(content, bytes) else str(content).encode()
                if "b64" in encoding or "base64" in encoding:
                    raw = base64.b64decode(raw, validate=False)
                if "gz" in encoding and raw[:2] != GZIP_MAGIC:
                    raise _Unreadable("declared gzip but is not (not scanned)")
            except (binascii.Error, ValueError):
                self.out.unreadable.append(f"{file_label}: invalid base64 (not scanned)")
                continue
            except _Unreadable as err:
                self.out.unreadable.append(f"{file_label}: {err}")
                continue
            self.decode(raw, file_label, depth + 1)
        return encoded


def _is_encoded(line: str, encoded: list[str]) -> bool:
    """Whether a cloud-config line holds (part of) a write_files content that is decoded and scanned apart."""
    value = line.strip()
    if value.startswith("content:"):
        value = value.removeprefix("content:").strip()
    value = value.strip("'\"|>-").strip()
    return len(value) >= 16 and any(value in content for content in encoded)


def decode_user_data(raw: bytes) -> Decoded:
    """``raw`` (user data as EC2 stores it, base64 already undone) decoded into the texts cloud-init would see."""
    decoder = _Decoder()
    decoder.decode(raw, "", 0)
    return decoder.out


def scan_user_data(encoded: str) -> dict[str, Any]:
    """The fields kept for one instance's user data (``encoded``: base64, as DescribeInstanceAttribute returns).

    ``{"Size": bytes of user data, "AwsbpDecodedSize": bytes of text scanned, "AwsbpSecrets": [...]}``, plus
    ``"AwsbpUnreadable": "<reasons>"`` when part of it could not be read. Detections are
    ``{"line", "where", "type", "fingerprint"}``; never a value.
    """
    try:
        raw = base64.b64decode(encoded, validate=True) if encoded else b""
    except (binascii.Error, ValueError):
        return {"Size": len(encoded), "AwsbpDecodedSize": 0, "AwsbpSecrets": [], "AwsbpUnreadable": "not base64"}
    decoded = decode_user_data(raw)
    secrets: list[dict[str, Any]] = []
    unreadable = list(decoded.unreadable)
    for piece in decoded.texts:
        text = piece.text
        if piece.encoded:  # blank (keeping line numbers) what is decoded and scanned as a file of its own
            text = "\n".join("" if _is_encoded(line, piece.encoded) else line for line in text.splitlines())
        if any(len(line) > MAX_LINE for line in text.splitlines()):
            lines = text.splitlines()
            long_lines = [n for n, line in enumerate(lines, start=1) if len(line) > MAX_LINE]
            where = piece.label or "user data"
            shown = ", ".join(str(n) for n in long_lines[:5]) + (" …" if len(long_lines) > 5 else "")
            unreadable.append(f"{where}: line {shown} longer than {MAX_LINE // 1024} KiB (scanned in part)")
            text = "\n".join(line[:MAX_LINE] for line in lines)
        secrets += scan_text(text, piece.label)
    item: dict[str, Any] = {"Size": len(raw), "AwsbpDecodedSize": decoded.decoded_bytes, "AwsbpSecrets": secrets}
    if unreadable:
        item["AwsbpUnreadable"] = "; ".join(unreadable)
    return item
