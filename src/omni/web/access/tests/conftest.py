"""Fixtures for the users & roles pages' tests.

- The zh-Hans strings of ../TRANSLATIONS.txt are put into the active catalog for the test
  when the compiled .mo does not have them yet (a no-op once the lead has compiled them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils.translation import trans_real

TRANSLATIONS = Path(__file__).resolve().parent.parent / "TRANSLATIONS.txt"


def _pairs() -> list[tuple[str, str]]:
    pairs = []
    for line in TRANSLATIONS.read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith("#"):
            en, zh = line.split("\t", 1)
            pairs.append((en, zh))
    return pairs


@pytest.fixture(autouse=True)
def access_translations():
    catalog = trans_real.translation("zh-hans")._catalog
    added = []
    for en, zh in _pairs():
        if en not in catalog:
            catalog[en] = zh
            added.append(en)
    yield
    for en in added:
        for cat in getattr(catalog, "_catalogs", [catalog]):
            cat.pop(en, None)
