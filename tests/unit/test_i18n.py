"""The one catalogue of operator- and reader-facing texts (lpse/i18n.py): every key says it in both
languages with the same placeholders, every key the code and the templates use exists, and only
lpse.i18n reads LPSE_LANG."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from lpse import i18n
from lpse.access import web
from lpse.access.cli import STATUS_WORDS
from lpse.comply.catalogue import SEVERITIES
from lpse.comply.results import STATUSES
from lpse.report.room import POWER_EVENTS

ROOT = Path(__file__).resolve().parents[2]
LPSE = ROOT / "lpse"
PY = sorted(LPSE.rglob("*.py"))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def exists(key: str) -> bool:
    return key in i18n.MESSAGES


def prefixed(prefix: str) -> bool:
    return any(k.startswith(prefix) for k in i18n.MESSAGES)


def test_every_key_says_it_in_both_languages_with_the_same_placeholders():
    problems = []
    for key, texts in i18n.MESSAGES.items():
        if set(texts) != {"id", "en"}:
            problems.append(f"{key}: languages {sorted(texts)}")
            continue
        if not all(isinstance(v, str) and v.strip() for v in texts.values()):
            problems.append(f"{key}: an empty text")
            continue
        try:
            ids, ens = placeholders(texts["id"]), placeholders(texts["en"])
        except ValueError as exc:
            problems.append(f"{key}: {exc}")
            continue
        if ids != ens:
            problems.append(f"{key}: placeholders id {sorted(ids)} != en {sorted(ens)}")
    assert not problems, "\n".join(problems)


def test_no_key_is_written_twice():
    """A dict literal keeps the last of two equal keys silently; the sections are merged with a check."""
    tree = ast.parse((LPSE / "i18n.py").read_text())
    twice = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            twice += sorted({k for k in keys if keys.count(k) > 1})
    assert not twice, f"keys written twice in lpse/i18n.py: {twice}"


# t("key") or i18n.t("key") / f"prefix.{...}" in Python (web.py's own t() is web.<key>)
CALL = re.compile(r"""(?<![\w.])(?:i18n\.)?t\(\s*(f?)(["'])([^"']*)\2""")


def test_every_key_the_code_uses_exists():
    missing = []
    for path in PY:
        if path.name == "i18n.py":
            continue
        for is_f, _, key in CALL.findall(path.read_text()):
            if path == LPSE / "access/web.py" and not key.startswith("web."):
                key = f"web.{key}"
            if is_f:
                if not prefixed(key.split("{", 1)[0]):
                    missing.append(f"{path.relative_to(ROOT)}: no key starts with {key.split('{', 1)[0]!r}")
            elif not exists(key):
                missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert not missing, "\n".join(missing)


def test_the_keys_made_from_codes_exist():
    """Keys the code builds from a code: severities, statuses, refusals, power events, door events."""
    wanted = [f"severity.{s}" for s in SEVERITIES]
    wanted += [f"html.{s}" for s in STATUSES]
    wanted += [f"web.{s}" for s in web.STATUS] + [f"web.{k}" for k in ("not_found", "forbidden", "bad_request")]
    wanted += [f"access.status.{s}" for s in STATUS_WORDS]
    wanted += [f"report.power.{e.lower()}" for e in POWER_EVENTS]
    wanted += [f"report.door_event.{e}" for e in ("open", "granted", "forced")]
    wanted += [f"report.month.{m}" for m in range(1, 13)]
    wanted += [f"report.status_{s}" for s in ("ok", "warn", "crit")]
    wanted += [f"report.room_{s}" for s in ("temperature", "humidity", "firing", "resolved")]
    codes = set()
    for path in PY:
        codes |= set(re.findall(r"""AccessRefused\(\s*["'](\w+)["']""", path.read_text()))
    assert codes, "no refusal found in lpse/"
    wanted += [f"access.refused.{c}" for c in codes | {"field"}]
    from lpse.report.build import FINDINGS

    wanted += [f"report.finding.{k}" for k, _ in FINDINGS]
    assert not [k for k in wanted if not exists(k)]


TEMPLATES = {
    # template: (namespace of L, namespace of the template's own t(), if any)
    LPSE / "templates/report.html.j2": ("report", ""),
    LPSE / "templates/compliance.html.j2": ("html", ""),
    **{p: ("", "web") for p in sorted((LPSE / "access/templates").glob("*.html"))},
}


@pytest.mark.parametrize("path", list(TEMPLATES), ids=lambda p: p.name)
def test_every_label_a_template_uses_exists(path):
    text = path.read_text()
    namespace, t_namespace = TEMPLATES[path]
    missing = []
    for name in re.findall(r"\bL\.(\w+)", text):
        if name not in ("format",) and not exists(f"{namespace}.{name}"):
            missing.append(f"L.{name}")
    for name in re.findall(r"""\bL\[\s*(["'])(\w+)\1\s*\]""", text):
        if not exists(f"{namespace}.{name[1]}"):
            missing.append(f"L[{name[1]!r}]")
    for prefix in re.findall(r"""\bL\[\s*["'](\w+)["']\s*~""", text):
        if not prefixed(f"{namespace}.{prefix}"):
            missing.append(f"L[{prefix!r} ~ ...]")
    for quote_key in re.findall(r"""(?<![\w.])t\(\s*(["'])([\w.-]+)\1\s*([,)~+])""", text):
        key, after = quote_key[1], quote_key[2]
        full = f"{t_namespace}.{key}" if t_namespace else key
        if after in "~+":
            if not prefixed(full):
                missing.append(f"t({key!r} ~ ...)")
        elif not exists(full):
            missing.append(f"t({key!r})")
    assert not missing, f"{path.name}: {missing}"


def test_only_i18n_reads_lpse_lang():
    read = re.compile(r"""(environ\.get|getenv)\(\s*["']LPSE_LANG|environ\[\s*["']LPSE_LANG["']\s*\](?!\s*=[^=])""")
    readers = [str(p.relative_to(ROOT)) for p in PY if p.name != "i18n.py" and read.search(p.read_text())]
    assert readers == []


def test_lang_and_t(monkeypatch):
    monkeypatch.delenv("LPSE_LANG", raising=False)
    assert i18n.lang() == "id" and i18n.t("report.none") == "Tidak ada."
    monkeypatch.setenv("LPSE_LANG", "EN")
    assert i18n.lang() == "en" and i18n.t("report.none") == "None."
    assert i18n.t("report.none", lang="id") == "Tidak ada."  # a report in its own language
    assert i18n.t("report.vis_chain_bad", lang="id", n=2) == "Rantai catatan RUSAK: 2 masalah"
    monkeypatch.setenv("LPSE_LANG", "fr")
    assert i18n.lang() == "id"
    assert i18n.labels("html", "en")["title"] == "Compliance Report"
