"""On a phone a `.data-table` becomes stacked cards and its header row is hidden
(static/omni/console.css): a cell without `data-label` shows a bare value ("是", "—") that
nobody can read. Every cell of a data table in a template names its column."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2]
TABLE = re.compile(r'<table class="data-table".*?</table>', re.S)
TBODY = re.compile(r"<tbody.*?</tbody>", re.S)
CELL = re.compile(r"<td\b[^>]*>")


def _unlabelled(html: str) -> list[str]:
    out = []
    for table in TABLE.findall(html):
        for body in TBODY.findall(table):
            for cell in CELL.findall(body):
                # a cell spanning the row (an empty state) or holding only buttons needs none
                if "data-label" in cell or "colspan" in cell or "row-actions" in cell:
                    continue
                out.append(cell)
    return out


def test_every_data_table_cell_in_a_template_names_its_column():
    problems = []
    for path in sorted(TEMPLATES.glob("*/templates/**/*.html")):
        html = path.read_text(encoding="utf-8")
        cells = _unlabelled(html)
        if cells:
            problems.append(f"{path.relative_to(TEMPLATES)}: {cells}")
    assert not problems, "cells without data-label:\n" + "\n".join(problems)


def test_the_check_sees_an_unlabelled_cell():
    html = '<table class="data-table"><tbody><tr><td>x</td></tr></tbody></table>'
    assert _unlabelled(html) == ["<td>"]
