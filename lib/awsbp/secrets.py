"""Secret detection at collection time: values are scanned in memory and never stored.

**What is detected** (:func:`scan_line`, the one function every collector's scan goes through):

* detect-secrets 1.5's plugins: AWS key ids, private keys, keywords (``password = …``), URL basic-auth
  credentials, JWTs, high-entropy quoted strings, and the token formats it knows (GitHub ``ghp_…``, GitLab
  ``glpat-…``, Slack tokens and webhooks, Stripe, npm, SendGrid, Twilio, Discord, Artifactory, Azure
  storage, Mailchimp, OpenAI, PyPI, Telegram, Square). Regex plugins are asked for their matches only
  (``analyze_string``): nothing is ever sent anywhere to "verify" a value.
* awsbp's own rules (:data:`RULES`) for the shell and build-file idioms those plugins miss: AWS secret keys
  and session tokens named as such (``aws configure set aws_secret_access_key …``,
  ``export AWS_SECRET_ACCESS_KEY=…``), passwords as command-line arguments (``mysql -pS3cr3t``,
  ``--password=…``, ``--password …``, ``sshpass -p``, ``redis-cli -a``, ``curl -u user:pass``,
  ``echo 'root:pw' | chpasswd``), secrets on a command's environment (``PGPASSWORD=… psql``), a token as a
  URL's user (``https://TOKEN@host``), ``Authorization:`` and API-key headers, webhook URLs (Discord, Slack
  workflows, Teams) and token formats the plugins lack (``github_pat_…``, ``npm_…``, Google API keys).

**What is not a secret** (decided here, exercised by ``tests/secrets_corpus.py``):

* references — variables (``$X``, ``${X}``, ``$(command)``, backticks, ``%X%``), templates (``{{…}}``,
  ``{{resolve:…}}``, ``${{ secrets.X }}``), CloudFormation intrinsics (``!Ref``, ``!Sub``, …), Secrets
  Manager / Parameter Store / KMS ARNs, paths (``/run/secrets/db``), options naming a file or stdin
  (``--password-file``, ``--password-stdin``), and the lines under a buildspec's ``parameter-store:`` /
  ``secrets-manager:`` keys (names of references);
* placeholders — ``<password>``, ``xxxx``, ``****``, ``changeme``, ``password``, ``secret``, ``your-…``,
  ``…-here``, ``example``, ``dummy``, ``placeholder``, ``redacted``, ``none``/``null``, and AWS's documented
  example keys: a template's blank, not a leaked credential (a weak default password would be another
  finding, not this detector's).

**What is kept** of a detection: where it was (``name`` of the variable, or ``where`` — field and line —
and ``line``), the detector's type and a short fingerprint: the first four characters of an AWS key id
(``AKIA``: long-term, ``ASIA``: temporary) or a keyed hash whose key lives only in this process, so equal
secrets can be matched within a run and nothing can be recovered from the report.

**Free text a collector keeps** (a buildspec, a source URL, a pipeline setting) goes through
:func:`scan_and_redact_text`: credentials in a URL are replaced in place (``https://<redacted>@host/…``,
the host and path kept); a text still holding any detection after that is replaced as a whole by
``<redacted>`` (its detections say where the secrets were); a text without detection is kept verbatim.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets as _random
from collections.abc import Iterable
from functools import cache
from typing import Any

REDACTED = "<redacted>"
AWS_KEY = "AWS Access Key"
KEYWORD = "Secret Keyword"
BASIC_AUTH = "Basic Auth Credentials"
URL_TOKEN = "Token in URL"
PASSWORD_ARGUMENT = "Password Argument"
AUTH_HEADER = "Authorization Header"
WEBHOOK = "Webhook URL"
_RUN_KEY = _random.token_bytes(16)
REFERENCE = re.compile(r"^(arn:aws[\w-]*:(secretsmanager|ssm|kms):|\{\{resolve:|/aws/reference/)", re.I)
ASSIGNMENT = re.compile(r"""^\s*(?:export\s+|set\s+|\$env:)?([A-Za-z_][A-Za-z0-9_.-]*)\s*[:=]\s*['"]?(.*?)['"]?\s*$""")
AWS_KEY_ID = re.compile(r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}")
# a value on a command line: quoted, or up to the next blank, quote or shell operator
_VALUE = r"""("[^"\n]*"|'[^'\n]*'|[^\s'"`;&|<>()]+)"""
_SECRET_OPTION = (
    r"(?:[a-z0-9]+[-_])*(?:password|passwd|passphrase|pass|pwd|secret|token|api[-_]?key|access[-_]?key"
    r"|private[-_]?key|client[-_]?secret|secret[-_]string|(?:src|dest)?(?:storepass|keypass))"
)
# awsbp's own rules: (detector type, pattern); the secret is group 1 when the pattern has a group, else the match
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    # AWS secret keys and session tokens named as such: ini files, `aws configure set`, exports, JSON
    (
        AWS_KEY,
        re.compile(r"(?i)(?:aws_?)?secret_?access_?key['\"]?\s*(?:[=:]|\s)\s*['\"]?([A-Za-z0-9/+]{30,64})(?![\w/+=])"),
    ),
    (AWS_KEY, re.compile(r"(?i)(?:aws_?)?session_?token['\"]?\s*(?:[=:]|\s)\s*['\"]?([A-Za-z0-9/+=]{100,})")),
    # passwords as command-line arguments
    (PASSWORD_ARGUMENT, re.compile(rf"(?i)(?<![\w-])--?{_SECRET_OPTION}(?:=|\s+){_VALUE}")),
    (PASSWORD_ARGUMENT, re.compile(rf"(?i)\b(?:mysql\w*|mariadb[\w-]*)\b[^|;&\n]*?(?<!\S)-p(?!\s){_VALUE}")),
    (
        PASSWORD_ARGUMENT,
        re.compile(rf"(?i)\b(?:sshpass|(?:docker|podman|nerdctl)\s+login)\b[^|;&\n]*?(?<!\S)-p\s*{_VALUE}"),
    ),
    (PASSWORD_ARGUMENT, re.compile(rf"(?i)\bredis-cli\b[^|;&\n]*?(?<!\S)-a\s+{_VALUE}")),
    (
        PASSWORD_ARGUMENT,
        re.compile(r"""(?i)\b(?:curl|wget)\b[^|;&\n]*?(?<!\S)(?:-u|--user)(?:\s+|=)?['"]?[^\s:'"]+:([^\s'"]+)"""),
    ),
    (
        PASSWORD_ARGUMENT,
        re.compile(r"""(?i)\becho\s+(?:-\w+\s+)?['"]?[\w.-]+:([^\s'"]+)['"]?\s*\|\s*(?:sudo\s+)?chpasswd"""),
    ),
    # a secret on a command's environment: PGPASSWORD=… psql, MYSQL_PWD=… mysql, API_TOKEN=… ./deploy
    (KEYWORD, re.compile(rf"(?i)(?:^|[\s;&|(])\w*?(?:password|passwd|pwd|secret|token|api_?key)={_VALUE}")),
    # a token as the user of a URL (user:password@ is detect-secrets' BasicAuthDetector)
    (URL_TOKEN, re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://([^\s/:@'\"]{16,})@[\w.-]")),
    # headers
    (
        AUTH_HEADER,
        re.compile(r"(?i)\bauthorization\s*[:=]\s*['\"]?(?:bearer|basic|token|bot)\s+([A-Za-z0-9._~+/=-]{8,})"),
    ),
    (
        AUTH_HEADER,
        re.compile(
            rf"(?i)(?<![\w-])(?:x-api-key|x-auth-token|x-api-token|private-token|x-vault-token|api-key):\s*{_VALUE}"
        ),
    ),
    # webhook URLs (Slack's hooks.slack.com/services is detect-secrets' SlackDetector)
    (WEBHOOK, re.compile(r"(?i)https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/\d+/[\w-]{20,}")),
    (WEBHOOK, re.compile(r"(?i)https://hooks\.slack\.com/(?:workflows|triggers)/[\w/-]{20,}")),
    (WEBHOOK, re.compile(r"(?i)https://[\w-]+\.webhook\.office\.com/webhookb2/[\w@/-]{20,}")),
    # token formats detect-secrets 1.5 lacks
    ("GitHub Token", re.compile(r"\bgithub_pat_[A-Za-z0-9_]{60,}")),
    ("NPM tokens", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
    ("Google API Key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
)
# URL userinfo: what scan_and_redact_text replaces in place
URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s/@'\"<>]+)@(?=[\w.\[-])")
_INDIRECT = re.compile(r"^(?:[$`%]|\{\{|!(?:Ref|Sub|GetAtt|ImportValue|Join|FindInMap|Select|If)\b)|\$\{|\$\(|\{\{")
_PATH = re.compile(r"^/[\w./@-]+$")
_PLACEHOLDER = re.compile(
    r"(?i)<[^>]*>|\[[^\]]*\]|x{3,}|\*{3,}|\.{3,}|[-_#]+|change[-_]?me|changeit|password|passwd|secret|token"
    r"|example\w*|sample|dummy|placeholder|redacted|none|null|nil|undefined|your[-_][\w-]*|[\w-]+[-_]here"
    r"|AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
# buildspec keys whose entries are names of references (Parameter Store, Secrets Manager), not values
_REFERENCE_SECTION = re.compile(r"^(\s*)(?:parameter-store|secrets-manager)\s*:\s*$")


@cache
def _plugins() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(regex plugins asked for matches only, plugins whose own line analysis applies filters)."""
    from detect_secrets.plugins.artifactory import ArtifactoryDetector
    from detect_secrets.plugins.aws import AWSKeyDetector
    from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
    from detect_secrets.plugins.basic_auth import BasicAuthDetector
    from detect_secrets.plugins.discord import DiscordBotTokenDetector
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
    from detect_secrets.plugins.high_entropy_strings import Base64HighEntropyString, HexHighEntropyString
    from detect_secrets.plugins.jwt import JwtTokenDetector
    from detect_secrets.plugins.keyword import KeywordDetector
    from detect_secrets.plugins.mailchimp import MailchimpDetector
    from detect_secrets.plugins.npm import NpmDetector
    from detect_secrets.plugins.openai import OpenAIDetector
    from detect_secrets.plugins.private_key import PrivateKeyDetector
    from detect_secrets.plugins.pypi_token import PypiTokenDetector
    from detect_secrets.plugins.sendgrid import SendGridDetector
    from detect_secrets.plugins.slack import SlackDetector
    from detect_secrets.plugins.square_oauth import SquareOAuthDetector
    from detect_secrets.plugins.stripe import StripeDetector
    from detect_secrets.plugins.telegram_token import TelegramBotTokenDetector
    from detect_secrets.plugins.twilio import TwilioKeyDetector

    matches_only = (
        AWSKeyDetector(),
        PrivateKeyDetector(),
        BasicAuthDetector(),
        JwtTokenDetector(),
        GitHubTokenDetector(),
        GitLabTokenDetector(),
        SlackDetector(),
        StripeDetector(),
        NpmDetector(),
        SendGridDetector(),
        TwilioKeyDetector(),
        DiscordBotTokenDetector(),
        ArtifactoryDetector(),
        AzureStorageKeyDetector(),
        MailchimpDetector(),
        OpenAIDetector(),
        PypiTokenDetector(),
        TelegramBotTokenDetector(),
        SquareOAuthDetector(),
    )
    filtered = (KeywordDetector(), Base64HighEntropyString(limit=4.5), HexHighEntropyString(limit=3.0))  # keyword first
    return matches_only, filtered


def fingerprint(kind: str, value: str) -> str:
    """``AKIA…3f2a91c0`` for AWS key ids, else an 8-hex keyed hash; never the value."""
    digest = hmac.new(_RUN_KEY, value.encode(), hashlib.sha256).hexdigest()[:8]
    if kind == AWS_KEY and AWS_KEY_ID.fullmatch(value):
        return f"{value[:4]}…{digest}"
    return digest


def is_reference(value: Any) -> bool:
    """A Secrets Manager / Parameter Store / KMS reference rather than a secret value."""
    return isinstance(value, str) and bool(REFERENCE.match(value.strip()))


def is_placeholder(value: str) -> bool:
    """Whether a candidate value is no secret: a reference, variable, template, path or placeholder.

    ``is_placeholder('${DB_PASSWORD}') -> True``; ``('changeme') -> True``; ``('S3cr3t!') -> False``.
    """
    text = value.strip().strip("'\"").strip()
    if len(text) < 4 or is_reference(text) or _INDIRECT.search(text):
        return True
    return bool(_PATH.fullmatch(text) or _PLACEHOLDER.fullmatch(text))


# Cheap prechecks: a line holding none of these words (lower-cased) cannot match a rule / the keyword plugin.
# Every rule of RULES needs one of _RULE_WORDS: add the word with the rule.
_RULE_WORDS = (
    "secret", "session", "token", "pass", "pwd", "key", "mysql", "mariadb", "login", "redis-cli", "curl", "wget",
    "chpasswd", "://", "authorization", "discord", "hooks.slack", "webhook", "github_pat_", "npm_", "aiza",
)  # fmt: skip
_KEYWORD_WORDS = ("key", "pass", "pwd", "secret", "contras")


@cache
def _plugin_precheck() -> re.Pattern[str]:
    """One pattern matching wherever any matches-only plugin could: a line it misses is skipped at once."""
    parts = []
    for plugin in _plugins()[0]:
        for regex in getattr(plugin, "denylist", ()):
            flags = "i" if regex.flags & re.IGNORECASE else ""
            parts.append(f"(?{flags}:{regex.pattern})" if flags else f"(?:{regex.pattern})")
    return re.compile("|".join(parts))


def _rule_values(line: str) -> Iterable[tuple[str, str]]:
    lowered = line.lower()
    if not any(word in lowered for word in _RULE_WORDS):
        return
    for kind, pattern in RULES:
        for match in pattern.finditer(line):
            yield kind, match.group(1) if pattern.groups else match.group(0)


def _match_value(match: re.Match[str]) -> str:
    """The secret of a detect-secrets pattern's match: its last group when that group ends the match
    (``://user:(password)@``), else the whole match (``(ghp)_…`` names a prefix, not the secret)."""
    groups = [i for i in range(1, match.re.groups + 1) if match.group(i)]
    if groups and match.end(groups[-1]) >= match.end() - 1:
        return match.group(groups[-1])
    return match.group(0).strip(" \t=:\"'")


def _plugin_values(line: str) -> Iterable[tuple[str, str]]:
    from detect_secrets.plugins.base import RegexBasedDetector

    matches_only, (keyword, *entropy) = _plugins()
    if _plugin_precheck().search(line):
        for plugin in matches_only:
            if type(plugin).analyze_string is RegexBasedDetector.analyze_string:
                for regex in plugin.denylist:
                    for match in regex.finditer(line):
                        yield plugin.secret_type, _match_value(match)
            else:  # a plugin with its own validation of matches (JWT)
                for value in plugin.analyze_string(line):
                    yield plugin.secret_type, value
    match = ASSIGNMENT.match(line)
    if match and match.group(2):  # NAME=value lines are quoted first, as the keyword and entropy plugins want
        line = f'{match.group(1)}="{match.group(2)}"'
    lowered = line.lower()
    plugins = [keyword] if any(word in lowered for word in _KEYWORD_WORDS) else []
    if '"' in line or "'" in line:
        plugins += entropy
    for plugin in plugins:
        for secret in plugin.analyze_line(filename="awsbp", line=line, line_number=1):
            yield secret.type, secret.secret_value or ""


def scan_line(line: str) -> list[tuple[str, str]]:
    """(detector type, fingerprint) of the secrets in one line, one per type, sorted by type.

    ``scan_line('mysql -u root -pS3cr3t!') -> [('Password Argument', '1f0c…')]``;
    ``scan_line('mysql -u root -p"$DB_PASSWORD"') -> []``.
    """
    found: dict[str, str] = {}
    for kind, raw in (*_rule_values(line), *_plugin_values(line)):
        value = raw.strip().strip("'\"")
        if kind not in found and value and not is_placeholder(value):
            found[kind] = fingerprint(kind, value)
    return sorted(found.items())


def scan_variables(variables: dict[str, Any], where: str = "") -> tuple[list[dict[str, str]], list[str]]:
    """Secrets found in ``NAME -> value`` pairs, and the names whose values are references.

    Each finding: ``{"name": NAME, "where": where + NAME, "type", "fingerprint"}``.
    """
    findings: list[dict[str, str]] = []
    references: list[str] = []
    for name, value in variables.items():
        text = "" if value is None else str(value)
        if is_reference(text):
            references.append(name)
            continue
        lines = text.splitlines() or [""]
        hits = {kind: fp for line in lines for kind, fp in scan_line(f'{name}="{line}"')}
        findings += [
            {"name": name, "where": f"{where}{name}", "type": kind, "fingerprint": fp}
            for kind, fp in sorted(hits.items())
        ]
    return findings, references


def scan_text(text: str, where: str = "") -> list[dict[str, Any]]:
    """Secrets found in a script or file, by line: ``{"line": 3, "where": "<where>, line 3", "type",
    "fingerprint"}`` (``where`` is ``"line 3"`` without a label). Lines under a buildspec's
    ``parameter-store:`` / ``secrets-manager:`` keys are names of references and are skipped."""
    findings: list[dict[str, Any]] = []
    seen: dict[str, list[tuple[str, str]]] = {}  # repeated lines are scanned once
    section_indent: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if section_indent is not None:
            if indent > section_indent:
                continue
            section_indent = None
        section = _REFERENCE_SECTION.match(line)
        if section:
            section_indent = len(section.group(1))
            continue
        if is_reference(line) or len(stripped) < 6:
            continue
        if line not in seen:
            seen[line] = scan_line(line)
        label = f"{where}, line {number}" if where else f"line {number}"
        findings += [{"line": number, "where": label, "type": kind, "fingerprint": fp} for kind, fp in seen[line]]
    return findings


def _redact_url_credentials(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        userinfo = match.group(2)
        user, _, password = userinfo.partition(":")
        secret = password if password else user
        if is_placeholder(secret) and not scan_line(f"{match.group(1)}{userinfo}@host"):
            return match.group(0)
        return f"{match.group(1)}{REDACTED}@"

    return URL_USERINFO.sub(replace, text)


def scan_and_redact_text(text: str | None, where: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The one scan-and-redact step of every free-text field a collector keeps.

    Returns ``(what to store, detections)``: the text itself when nothing was found; the text with URL
    credentials replaced in place when they were all it held
    (``https://<redacted>@github.com/acme/app.git``); else ``<redacted>``. Detections name the field
    (``where``) and, for text of several lines, the line: ``source.buildspec, line 7``.
    """
    if not text:
        return text, []
    multiline = "\n" in text.strip()
    if multiline:
        detections = scan_text(text, where)
    else:
        detections = [
            {"name": where, "where": where, "type": kind, "fingerprint": fp} for kind, fp in scan_line(text.strip())
        ]
    if not detections:
        return text, []
    for detection in detections:
        detection.setdefault("name", detection["where"])
    redacted = _redact_url_credentials(text)
    remaining = scan_text(redacted) if multiline else scan_line(redacted.strip())
    return (redacted if redacted != text and not remaining else REDACTED), detections


def redact_mapping(mapping: dict[str, Any]) -> dict[str, str]:
    """``{'DB_PASSWORD': 'hunter2'} -> {'DB_PASSWORD': '<redacted>'}``."""
    return dict.fromkeys(mapping, REDACTED)
