"""zh-Hans is the default language: every string in the catalogue is translated.

After adding UI text, run `make messages` (makemessages + compilemessages) and fill in the
new entries of src/omni/locale/zh_Hans/LC_MESSAGES/django.po."""

import ast
import gettext
import re
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/omni/locale/zh_Hans/LC_MESSAGES/django.po"


def entries():
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        if 'msgid ""\nmsgstr ""\n"Project' in block or "Project-Id-Version" in block:
            continue
        yield block


def test_no_fuzzy_or_empty_translations():
    problems = []
    for block in entries():
        msgid = "".join(re.findall(r'^msgid "(.*)"', block, re.M))
        if "fuzzy" in "".join(line for line in block.splitlines() if line.startswith("#,")):
            problems.append(f"fuzzy: {msgid}")
        strs = re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block + "\n", re.M)
        if not strs or any(not "".join(re.findall(r'"(.*)"', s)) for s in strs):
            problems.append(f"untranslated: {msgid}")
    assert not problems, "\n".join(problems[:30])


def _text(segments: list[str]) -> str:
    """The value of a .po string: its quoted segments, C escapes undone."""
    return "".join(ast.literal_eval(f'"{seg}"') for seg in segments)


def test_the_compiled_catalogue_matches_the_source():
    """Forgetting `compilemessages` would ship English: every entry must be in the .mo."""
    with PO.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for block in entries():
        if "msgid_plural" in block:
            continue
        head, tail = block.split("\nmsgstr", 1)
        msgid = _text(re.findall(r'^(?:msgid )?"(.*)"$', head[head.index("msgid ") :], re.M))
        msgstr = _text(re.findall(r'^ ?"(.*)"$', tail, re.M))
        if msgid and compiled.gettext(msgid) != msgstr:
            stale.append(msgid)
    assert not stale, f"run `make messages`: {stale[:10]}"
