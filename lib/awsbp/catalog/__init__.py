r"""The catalog: commentary and messages per check, in Japanese and English, kept as Markdown.

``catalog/<lang>/<domain>.md`` holds a domain title (``# …``), an introduction, then one section
per check (``## BP-VPC-01 Title``) with four subsections: why it matters, what we check, how to
fix, and messages (``- `reason`: template with {placeholders}``), and last a words section (``## Words`` /
``## 用語``) saying how evidence values read in that language. UI labels live in ``ui.yaml``.
Like parliament's config, an unknown check id or reason raises: words never go missing silently.

How a message is written from a finding's evidence (checks give language-neutral values: names, numbers,
ISO dates, setting keys, lists of these):

* ``- `key=value`: word`` replaces that value of that key by a word (``setting=minimum_length``: 最小文字数);
* ``- `key~pattern`: replacement`` writes a value that matches a regular expression in full (``^(.+), line
  (\d+)$`` → ``「\1」の \2 行目``); the first pattern that matches wins;
* ``- `key`: 「{}」`` is the form of every other value of the key (a name set off as the language does it);
* a list is each item in that way, joined as the language joins them (``「a」、「b」``), the first
  :data:`LIST_SHOWN` items and then how many more (``ほか 3 件``); ``- `key[]`: （…: {}）`` is the form of the
  whole list, which then reads as nothing when the list is empty (otherwise an empty list is the word for none);
* a record (a dict, e.g. one access key) is written by its key's form with named fields
  (``キー {key}（作成から {age_days} 日）``), each field written by these same rules (its words keyed
  ``record.field``);
* an ISO date (``2026-11-30``) is written as the language writes dates (``2026年11月30日``, ``30 Nov 2026``);
  ``True``/``False`` are on/off and ``"never"`` the language's word for it, unless the words say otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from awsbp.checks.spec import NOT_ASSESSED_REASON, RUNNER_REASONS
from awsbp.domains import domain_of
from awsbp.findings import Finding

LANGS = ("ja", "en")
SECTIONS = {
    "why": {"en": "Why it matters", "ja": "なぜ重要か"},
    "check": {"en": "What we check", "ja": "確認内容"},
    "fix": {"en": "How to fix", "ja": "対処方法"},
    "messages": {"en": "Messages", "ja": "メッセージ"},
}
CHECK_HEADING = re.compile(r"^## (BP-[A-Z]+-\d+)\s+(.+)$")
MESSAGE_LINE = re.compile(r"^- `([a-z0-9_]+)`:\s*(.+)$")
WORDS_HEADING = {"en": "## Words", "ja": "## 用語"}
WORD_LINE = re.compile(r"^- `([a-z0-9_.]+(?:\[\])?)(?:([=~])([^`]*))?`: ?(.*)$")  # a 2nd space after ':' is kept
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
LIST_SHOWN = 5
"""Items of a list shown in a message; the rest are counted (the evidence keeps them all)."""
LIST_SEPARATOR = {"ja": "、", "en": ", "}
MORE = {"ja": "ほか {n} 件", "en": "and {n} more"}
NONE = {"ja": "なし", "en": "none"}
CODE_NAME = {"ja": "「{}」", "en": "{}"}  # a name of AWS's (an IAM action) in running text
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class CatalogError(KeyError):
    """A check, section or message is missing from the catalog."""


@dataclass
class CheckText:
    id: str
    title: str
    why: str = ""
    check: str = ""
    fix: str = ""
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def remediation(self) -> str:
        """The first paragraph of 'how to fix', as a one-paragraph summary for exports."""
        for para in self.fix.split("\n\n"):
            text = para.strip()
            if text and not text.startswith(("```", "#", "-", "|")):
                return " ".join(text.split())
        return ""


@dataclass
class DomainText:
    domain: str
    title: str
    intro: str
    checks: dict[str, CheckText]
    forms: dict[str, str] = field(default_factory=dict)
    """Evidence key -> the form of its values (``「{}」``)."""
    words: dict[tuple[str, str], str] = field(default_factory=dict)
    """(evidence key, value) -> the word for that value."""
    rewrites: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)
    """Evidence key -> (pattern, replacement) applied in order to its values."""


def parse_domain(domain: str, lang: str, text: str) -> DomainText:
    """Parse one catalog file (format in the module docstring)."""
    section_names = {v[lang]: k for k, v in SECTIONS.items()}
    title, intro_lines = domain, list[str]()
    checks: dict[str, CheckText] = {}
    current: CheckText | None = None
    part: str | None = None
    buffer: list[str] = []
    in_code = False
    forms: dict[str, str] = {}
    words: dict[tuple[str, str], str] = {}
    rewrites: dict[str, list[tuple[re.Pattern[str], str]]] = {}
    in_words = False

    def flush() -> None:
        if current is not None and part is not None:
            body = "\n".join(buffer).strip()
            if part == "messages":
                for line in body.splitlines():
                    m = MESSAGE_LINE.match(line.strip())
                    if m:
                        current.messages[m.group(1)] = m.group(2).strip()
            else:
                setattr(current, part, body)
        buffer.clear()

    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        if not in_code and line.strip() == WORDS_HEADING[lang]:
            flush()
            current, part, in_words = None, None, True
            continue
        if in_words:
            m = WORD_LINE.match(line.rstrip())
            if m:
                key, kind, value, word = m.groups()
                if kind is None:
                    forms[key] = word
                elif kind == "=":
                    words[(key, value)] = word
                else:
                    rewrites.setdefault(key, []).append((re.compile(value), word))
            elif line.strip() and not line.startswith(">"):
                raise CatalogError(f"{lang}/{domain}.md: not a word line in {WORDS_HEADING[lang]}: {line!r}")
            continue
        if not in_code and line.startswith("# ") and current is None and not intro_lines:
            title = line[2:].strip()
            continue
        m = CHECK_HEADING.match(line) if not in_code else None
        if m:
            flush()
            current = checks.setdefault(m.group(1), CheckText(m.group(1), m.group(2).strip()))
            part = None
            continue
        if not in_code and line.startswith("### ") and current is not None:
            flush()
            name = line[4:].strip()
            if name not in section_names:
                raise CatalogError(f"{lang}/{domain}.md: unknown section {name!r} under {current.id}")
            part = section_names[name]
            continue
        if current is None:
            intro_lines.append(line)
        else:
            buffer.append(line)
    flush()
    return DomainText(domain, title, "\n".join(intro_lines).strip(), checks, forms, words, rewrites)


@cache
def _ui() -> dict[str, dict[str, str]]:
    return yaml.safe_load(files("awsbp.catalog").joinpath("ui.yaml").read_text(encoding="utf-8"))


class Catalog:
    """All words of one language."""

    def __init__(self, lang: str = "ja"):
        if lang not in LANGS:
            raise CatalogError(f"language {lang!r} is not available; use one of {', '.join(LANGS)}")
        self.lang = lang
        self._domains: dict[str, DomainText] = {}
        self._article: ArticleText | None = None

    def domain(self, name: str) -> DomainText:
        if name not in self._domains:
            path = files("awsbp.catalog").joinpath(self.lang, f"{name}.md")
            if not path.is_file():
                raise CatalogError(f"no catalog for domain {name!r} in {self.lang}")
            self._domains[name] = parse_domain(name, self.lang, path.read_text(encoding="utf-8"))
        return self._domains[name]

    def check(self, check_id: str) -> CheckText:
        try:
            domain = domain_of(check_id).key
        except KeyError as err:
            raise CatalogError(str(err)) from None
        try:
            return self.domain(domain).checks[check_id]
        except KeyError:
            raise CatalogError(f"{check_id} has no section in catalog/{self.lang}/{domain}.md") from None

    def ui(self, key: str, **values: Any) -> str:
        try:
            text = _ui()[key][self.lang]
        except KeyError:
            raise CatalogError(f"UI label {key!r} missing for {self.lang} in catalog/ui.yaml") from None
        return text.format(**values) if values else text

    def article(self) -> ArticleText:
        """The source of the practices and its points, in this language (``catalog/<lang>/article.md``)."""
        if self._article is None:
            path = files("awsbp.catalog").joinpath(self.lang, "article.md")
            self._article = parse_article(path.read_text(encoding="utf-8"))
        return self._article

    def when(self, moment: str | datetime | None, timezone: str, *, time: bool = True) -> str:
        """A moment in the client's time zone, as people write it: ``2026年11月30日 17:30 (JST)`` /
        ``30 Nov 2026 17:30 JST`` (``time=False``: the date only). Empty for an unknown moment."""
        if not moment:
            return ""
        when = moment if isinstance(moment, datetime) else datetime.fromisoformat(str(moment).replace("Z", "+00:00"))
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        local = when.astimezone(ZoneInfo(timezone))
        zone = local.strftime("%Z")
        if self.lang == "ja":
            day = f"{local.year}年{local.month}月{local.day}日"
            return f"{day} {local:%H:%M} ({zone})" if time else day
        day = f"{local.day} {MONTHS_EN[local.month - 1]} {local.year}"
        return f"{day} {local:%H:%M} {zone}" if time else day

    def day(self, value: date) -> str:
        """A calendar date: ``2026年11月30日`` / ``30 Nov 2026``."""
        if self.lang == "ja":
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year}"

    def labels(self) -> dict[str, str]:
        """Every UI label of this language, for templates (``labels.run_client``, ``labels["status_FAIL"]``)."""
        return {key: texts[self.lang] for key, texts in _ui().items()}

    def status(self, status: str) -> str:
        """``'FAIL' -> '不適合'`` (ja) / ``'Fail'`` (en): the one status vocabulary."""
        return self.ui(f"status_{status}")

    def severity(self, severity: str) -> str:
        """``'high' -> '高'`` (ja) / ``'High'`` (en)."""
        return self.ui(f"severity_{severity}")

    def message(self, finding: Finding) -> str:
        """The finding's one-line detail in this language, from its reason and evidence."""
        if finding.reason in RUNNER_REASONS:
            domain = self.domain(domain_of(finding.check_id).key)
            values = {k: self.value(domain, k, v) for k, v in finding.evidence.items()}
            if finding.reason == NOT_ASSESSED_REASON and finding.evidence.get("actions"):
                named = replace(domain, forms={**domain.forms, "actions": CODE_NAME[self.lang]})
                values["actions"] = self.value(named, "actions", finding.evidence["actions"])
                values["cause"] = self.ui(f"cause_{finding.evidence.get('cause') or 'gap_other'}")
                values["section"] = self.ui("collection_gaps")
                return self._spaced(self.ui("not_assessed_read", **values))
            return self.ui(finding.reason, **values)
        template = self.check(finding.check_id).messages.get(finding.reason)
        if template is None:
            raise CatalogError(f"{finding.check_id}: no message for reason {finding.reason!r} in {self.lang}")
        domain = self.domain(domain_of(finding.check_id).key)
        evidence = {k: self.value(domain, k, v) for k, v in finding.evidence.items()}
        values = {
            "resource_id": finding.resource_id,
            "resource_name": finding.resource_name,
            "environment": finding.environment or "-",
            "region": finding.region,
            **evidence,
        }
        return self._spaced(template.format_map(_Missing(values)))

    def _spaced(self, text: str) -> str:
        """Japanese sets a Latin word off from kana and kanji with a space (``デフォルト VPC に``), whether the word
        comes from the template or from a value; digits (``2026年``) and punctuation stay as they are."""
        if self.lang != "ja":
            return text
        text = re.sub(r"([A-Za-z])([\u3040-\u30ff\u4e00-\u9fff])", r"\1 \2", text)
        return re.sub(r"([\u3040-\u30ff\u4e00-\u9fff])([A-Za-z])", r"\1 \2", text)

    def value(self, domain: DomainText, key: str, value: Any) -> str:
        """One evidence value as this language writes it (rules in the module docstring)."""
        if isinstance(value, list | tuple):
            whole = domain.forms.get(f"{key}[]")
            if not value:
                return "" if whole else NONE[self.lang]
            items = [self.value(domain, key, item) for item in value]
            shown = LIST_SEPARATOR[self.lang].join(items[:LIST_SHOWN])
            if len(items) > LIST_SHOWN:
                gap = " " if shown[-1:].isascii() else ""  # 「a」ほか 3 件 / a, b and 3 more
                shown += gap + MORE[self.lang].format(n=len(items) - LIST_SHOWN)
            return whole.replace("{}", shown) if whole else shown
        if isinstance(value, dict):
            fields = {k: self.value(domain, f"{key}.{k}", v) for k, v in value.items()}
            form = domain.forms.get(key)
            if form is None:
                return ", ".join(f"{k}: {v}" for k, v in fields.items())
            return form.format_map(_Missing(fields))
        if isinstance(value, bool):
            word = domain.words.get((key, str(value).lower()))
            return word if word is not None else self.ui("value_on" if value else "value_off")
        if value is None:
            return "-"
        text = str(value)
        word = domain.words.get((key, text))
        if word is not None:
            return word
        if text == "never":
            return self.ui("value_never")
        date = ISO_DATE.match(text)
        if date and not isinstance(value, int | float):
            year, month, day = (int(part) for part in date.groups())
            return f"{year}年{month}月{day}日" if self.lang == "ja" else f"{day} {MONTHS[month - 1]} {year}"
        for pattern, replacement in domain.rewrites.get(key, []):
            if pattern.search(text):
                return pattern.sub(replacement, text)
        form = domain.forms.get(key)
        return form.replace("{}", text) if form else text

    def localize(self, findings: list[Finding]) -> list[Finding]:
        """Fill title, detail and remediation of each finding in this language (in place)."""
        for finding in findings:
            text = self.check(finding.check_id)
            finding.title = text.title
            finding.detail = self.message(finding)
            finding.remediation = text.remediation
        return findings


@dataclass
class ArticleText:
    """The source of the practices: a title, an introduction (source and scope), and one text per article point
    (``vpc.one_system``…) plus ``beyond`` (checks that go beyond the article) and ``departures``."""

    title: str
    intro: str
    points: dict[str, str]


def parse_article(text: str) -> ArticleText:
    """``# title``, an introduction, then ``## key`` sections."""
    title, intro, points, current = "", [], dict[str, list[str]](), ""
    for line in text.splitlines():
        if line.startswith("# ") and not title:
            title = line[2:].strip()
        elif line.startswith("## "):
            current = line[3:].strip()
            points[current] = []
        elif current:
            points[current].append(line)
        else:
            intro.append(line)
    return ArticleText(title, "\n".join(intro).strip(), {k: "\n".join(v).strip() for k, v in points.items()})


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "-"
