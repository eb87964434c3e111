"""Safe, streaming reading of .xlsx workbooks (Office Open XML), for kernel.excel.

Nothing here trusts the file. Every problem raises `XlsxProblem` with a stable code and the
part at fault; `kernel.excel` turns it into a 400 with a message.

- Containers: an OLE compound file is an encrypted workbook (``password_protected``, its
  streams are ``EncryptionInfo`` / ``EncryptedPackage``) or a legacy .xls (``legacy_xls``);
  anything else that is not a zip is ``not_xlsx``. Zip members that do not inflate, fail
  their CRC or use an unknown method are ``corrupt_part``.
- XML: every part read is parsed by expat; a DOCTYPE (and so any entity declaration) is
  refused (``xml_doctype``), and so is an encoding other than UTF-8; any other error is
  ``malformed_part`` naming the part, line and column.
- Work is bounded by what the file holds, not by what it declares: `scan_sheet` streams the
  sheet once at C speed (expat without callbacks, byte counts) and refuses early on cells
  (``too_many_cells``), rows holding values (``too_many_rows``), row elements beyond
  Excel's 1,048,576 and text runs longer than `MAX_RUN` (``cell_too_large``); the declared
  ``<dimension>`` is ignored. `iter_rows` (module `xlsx_rows`, re-exported) then streams
  rows with ElementTree, a batch of rows in memory, and yields only the cells of the wanted
  columns. Shared strings are held compactly (`StringTable`).

Cell values: text (``_xHHHH_`` escapes decoded), int / float, bool, `datetime.date` /
`datetime.datetime` for numbers with a date format (1900 and 1904 date systems), or a
`BadCell` for what must become a row error: an Excel error value (``#N/A`` …), a formula,
Excel's phantom 1900-02-29 (serial 60), a date out of range, an unreadable number.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET
from xml.parsers import expat

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024  # declared total; zip bombs by size
MAX_SMALL_PART_BYTES = 16 * 1024 * 1024  # workbook, relationships, styles
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_PARTS = 10_000
MAX_RUN = 2 * 1024 * 1024  # longest text between two tags (Excel's cell limit is 32,767)
EXCEL_MAX_ROW = 1_048_576
EXCEL_MAX_COL = 16_384
CHUNK = 1 << 20

ERROR_VALUES = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NULL!", "#NAME?", "#NUM!", "#GETTING_DATA"}
)


class XlsxProblem(Exception):
    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code, details)
        self.code = code
        self.details = details


@dataclass(frozen=True, slots=True)
class BadCell:
    """A cell that cannot be a value: kind is error / formula / phantom_date / bad_date /
    bad_value; text is what Excel shows (the error value, the formula)."""

    kind: str
    text: str = ""

    def __str__(self) -> str:
        return self.text


# --- containers --------------------------------------------------------------------------------


def sniff(data: bytes) -> None:
    """Refuse what is not a zip, telling encrypted workbooks and legacy .xls apart."""
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data or (
            "EncryptionInfo".encode("utf-16-le") in data
        ):
            raise XlsxProblem("password_protected")
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            raise XlsxProblem("legacy_xls")
        raise XlsxProblem("not_xlsx", detail="ole_container")
    if not data.startswith(ZIP_MAGIC):
        raise XlsxProblem("not_xlsx", detail="not_a_zip")


_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    RuntimeError,  # an encrypted member ("password required")
    NotImplementedError,  # an unknown compression method
    ValueError,
)


def open_zip(data: bytes) -> zipfile.ZipFile:
    sniff(data)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise XlsxProblem("not_xlsx", detail="bad_zip") from None
    if len(infos) > MAX_PARTS:
        raise XlsxProblem("not_xlsx", detail="too_many_parts")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise XlsxProblem("file_too_large", part="")
    for info in infos:
        if info.flag_bits & 0x1:
            raise XlsxProblem("password_protected")
    return zf


def _chunks(zf: zipfile.ZipFile, name: str, size: int = CHUNK) -> Iterator[bytes]:
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(size):
                yield chunk
    except _READ_ERRORS as exc:
        raise XlsxProblem("corrupt_part", part=name, reason=type(exc).__name__) from None


def _part_size(zf: zipfile.ZipFile, name: str, limit: int) -> None:
    if zf.getinfo(name).file_size > limit:
        raise XlsxProblem("part_too_large", part=name, limit=limit)


# --- XML ---------------------------------------------------------------------------------------


def _refuse_doctype(*_args: Any) -> None:
    raise XlsxProblem("xml_doctype")


def _check_decl(_version: Any, encoding: str | None, _standalone: Any) -> None:
    if encoding and encoding.replace("-", "").replace("_", "").lower() != "utf8":
        raise XlsxProblem("xml_encoding", encoding=encoding[:40])


def _expat(name: str) -> Any:
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.XmlDeclHandler = _check_decl
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


def _bom(first: bytes, name: str) -> None:
    if first.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        raise XlsxProblem("xml_encoding", part=name, encoding="UTF-16/32")


def _malformed(name: str, exc: expat.ExpatError | ET.ParseError) -> XlsxProblem:
    line, column = getattr(exc, "position", None) or (getattr(exc, "lineno", 0), 0)
    reason = expat.ErrorString(exc.code) if getattr(exc, "code", None) else str(exc)
    return XlsxProblem("malformed_part", part=name, line=line, column=column, reason=reason)


def _with_part(problem: XlsxProblem, name: str) -> XlsxProblem:
    problem.details.setdefault("part", name)
    return problem


@dataclass
class SheetScan:
    cells: int = 0
    row_elements: int = 0
    valued_rows: int = 0
    merged: list[str] = field(default_factory=list)


MERGED_LISTED = 20


def validate_part(
    zf: zipfile.ZipFile,
    name: str,
    *,
    sheet: bool = False,
    max_rows: int = 0,
    max_cells: int = 0,
) -> SheetScan:
    """Parse `name` with expat (no callbacks but the DOCTYPE refusal: C speed, no memory).
    For a sheet, also count cells, row elements and rows holding values, and refuse early."""
    parser = _expat(name)
    scan = SheetScan()
    carry = b""
    first = True
    pats: dict[str, Any] = {}
    row_open = False
    row_valued = False
    try:
        for chunk in _chunks(zf, name):
            if first:
                _bom(chunk, name)
            parser.Parse(chunk, False)
            if not sheet:
                continue
            buf = carry + chunk
            cut = buf.rfind(b"<")
            if cut <= 0:
                if len(buf) > MAX_RUN:
                    raise XlsxProblem("cell_too_large", part=name, limit=MAX_RUN)
                carry = buf
                continue
            segment, carry = buf[:cut], buf[cut:]
            if first:
                first = False
                m = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet[\s>]", segment)
                p = re.escape(m.group(1) or b"") if m else b""
                raw = (m.group(1) or b"") if m else b""
                pats = {
                    "row": re.compile(rb"<" + p + rb"row[\s>/]"),
                    "row_tags": (b"<" + raw + b"row ", b"<" + raw + b"row>", b"<" + raw + b"row/"),
                    "cell_tags": (b"<" + raw + b"c ", b"<" + raw + b"c>", b"<" + raw + b"c/"),
                    "value": re.compile(rb"<" + p + rb"(?:v>[^<]|is>|f[\s>/])"),
                    "merge": re.compile(rb"<" + p + rb"mergeCell\s[^>]*?\bref=\"([A-Z0-9:$]+)\""),
                }
            scan.cells += sum(segment.count(t) for t in pats["cell_tags"])
            if scan.cells > max_cells:
                raise XlsxProblem("too_many_cells", part=name, limit=max_cells)
            rows_here = sum(segment.count(t) for t in pats["row_tags"])
            scan.row_elements += rows_here
            if scan.row_elements > EXCEL_MAX_ROW:
                raise XlsxProblem("too_many_row_elements", part=name, limit=EXCEL_MAX_ROW)
            value = pats["value"]
            starts = [m.start() for m in pats["row"].finditer(segment)] if rows_here else []
            head_end = starts[0] if starts else len(segment)
            if row_open and not row_valued and value.search(segment, 0, head_end):
                row_valued = True
            for i, start in enumerate(starts):
                if row_open and row_valued:
                    scan.valued_rows += 1
                end = starts[i + 1] if i + 1 < len(starts) else len(segment)
                row_open, row_valued = True, value.search(segment, start, end) is not None
            if scan.valued_rows > max_rows + 1:  # + the header row
                raise XlsxProblem("too_many_rows", part=name, limit=max_rows)
            if b"mergeCell" in segment and len(scan.merged) < MERGED_LISTED:
                scan.merged.extend(
                    x.decode() for x in pats["merge"].findall(segment)[:MERGED_LISTED]
                )
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise _malformed(name, exc) from None
    except XlsxProblem as problem:
        raise _with_part(problem, name) from None
    if sheet:
        if carry and pats and pats["value"].search(carry) and row_open:
            row_valued = True
        if row_open and row_valued:
            scan.valued_rows += 1
        if scan.valued_rows > max_rows + 1:
            raise XlsxProblem("too_many_rows", part=name, limit=max_rows)
    return scan


def _parse_small(zf: zipfile.ZipFile, name: str) -> ET.Element:
    """A small part (workbook, relationships, styles), validated first."""
    _part_size(zf, name, MAX_SMALL_PART_BYTES)
    validate_part(zf, name)
    try:
        return ET.fromstring(b"".join(_chunks(zf, name)))  # noqa: S314 (validated: no DTD)
    except ET.ParseError as exc:
        raise _malformed(name, exc) from None


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, zip path) for a part ("xl/workbook.xml")."""
    folder, base = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", base + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out = {}
    for rel in _parse_small(zf, rels_name):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
        out[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(path))
    return out


# --- the workbook ------------------------------------------------------------------------------

_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59), *range(71, 82)]
)
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def is_date_format(code: str) -> bool:
    """Whether a number format code shows a date or time (quoted text, escapes, colours and
    locale brackets ignored)."""
    if code.lower() == "general":
        return False
    text = _QUOTED.sub("", code.split(";", 1)[0]).lower()
    return any(ch in text for ch in "ymdhs") and "general" not in text


@dataclass
class Workbook:
    zf: zipfile.ZipFile
    sheets: dict[str, str]  # sheet name → zip path
    shared_path: str | None
    date1904: bool
    date_styles: frozenset[int]  # cell style indexes (s="…") with a date format

    def close(self) -> None:
        self.zf.close()


def open_workbook(data: bytes) -> Workbook:
    zf = open_zip(data)
    try:
        workbook = next(
            (path for kind, path in _rels(zf, "").values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        if workbook not in zf.NameToInfo:
            raise XlsxProblem("not_xlsx", detail="no_workbook")
        root = _parse_small(zf, workbook)
        rels = _rels(zf, workbook)
        sheets: dict[str, str] = {}
        date1904 = False
        for element in root.iter():
            name = _local(element.tag)
            if name == "workbookPr":
                date1904 = element.get("date1904", "").lower() in ("1", "true")
            elif name == "sheet":
                rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
                rel = rels.get(rid)
                if rel and rel[1] in zf.NameToInfo and rel[0].endswith("/worksheet"):
                    sheets[element.get("name", "")] = rel[1]
        shared = next((path for t, path in rels.values() if t.endswith("/sharedStrings")), None)
        styles = next((path for t, path in rels.values() if t.endswith("/styles")), None)
        date_styles = _date_styles(zf, styles) if styles in zf.NameToInfo else frozenset()
    except BaseException:
        zf.close()
        raise
    return Workbook(zf, sheets, shared if shared in zf.NameToInfo else None, date1904, date_styles)


def _date_styles(zf: zipfile.ZipFile, path: str) -> frozenset[int]:
    root = _parse_small(zf, path)
    custom: dict[int, str] = {}
    out: set[int] = set()
    for element in root:
        if _local(element.tag) == "numFmts":
            for fmt in element:
                try:
                    custom[int(fmt.get("numFmtId", ""))] = fmt.get("formatCode", "")
                except ValueError:
                    continue
    for element in root:
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                try:
                    fmt_id = int(xf.get("numFmtId", "0"))
                except ValueError:
                    continue
                if fmt_id in custom:
                    if is_date_format(custom[fmt_id]):
                        out.add(index)
                elif fmt_id in _BUILTIN_DATE_FORMATS:
                    out.add(index)
    return frozenset(out)


# --- strings -----------------------------------------------------------------------------------

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """OOXML's ``_xHHHH_`` escapes (how control characters are stored) decoded."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _rich_text(element: ET.Element, t_tag: str, r_tag: str) -> str:
    """The text of a shared or inline string: its <t> runs, without phonetic (<rPh>) runs."""
    parts: list[str] = []
    for child in element:
        if child.tag == t_tag:
            parts.append(child.text or "")
        elif child.tag == r_tag:
            parts.extend(t.text or "" for t in child if t.tag == t_tag)
    return unescape("".join(parts))


_NS_DECL = re.compile(rb"""\sxmlns(?::[\w.-]+)?\s*=\s*(?:"[^"]*"|'[^']*')""")
FRAGMENT_BYTES = 512 * 1024


def fragments(zf: zipfile.ZipFile, name: str, container: str, item: str) -> Iterator[ET.Element]:
    """The children of `container` (sheetData, sst) parsed in batches of about
    `FRAGMENT_BYTES`: each batch, cut after an `item` end tag (row, si), is parsed as one
    small document under a root carrying the part's namespace declarations. Twice as fast
    as a pull parser and bounded in memory. Run only on parts `validate_part` accepted (well
    formed, no DTD); a batch that does not parse (a comment or CDATA holding the end tag,
    which no spreadsheet writes) is `malformed_part`."""
    chunks = _chunks(zf, name)
    head = b""
    opening = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?" + container.encode() + rb"\b[^>]*?(/?)>")
    m = None
    for chunk in chunks:
        head += chunk
        m = opening.search(head)
        if m:
            break
        if len(head) > MAX_RUN:
            raise XlsxProblem("malformed_part", part=name, reason=f"no <{container}>")
    if m is None or m.group(2):
        return
    prefix = (m.group(1) + b":") if m.group(1) else b""
    declarations = b"".join(dict.fromkeys(_NS_DECL.findall(head, 0, m.start())))
    root_open = b"<omni" + declarations + b">"
    item_end = b"</" + prefix + item.encode() + b">"
    container_end = b"</" + prefix + container.encode() + b">"
    buf = head[m.end() :]
    finished = False
    while True:
        stop = buf.find(container_end)
        if stop >= 0:
            part, buf, finished = buf[:stop], b"", True
        else:
            cut = buf.rfind(item_end, 0) if len(buf) >= FRAGMENT_BYTES else -1
            if cut >= 0:
                cut += len(item_end)
                part, buf = buf[:cut], buf[cut:]
            else:
                part = b""
        if part.strip():
            try:
                yield ET.fromstring(root_open + part + b"</omni>")  # noqa: S314 (validated)
            except ET.ParseError as exc:
                raise _malformed(name, exc) from None
        if finished:
            return
        if not part:
            chunk = next(chunks, None)
            if chunk is None:
                raise XlsxProblem("malformed_part", part=name, reason=f"no </{container}>")
            buf += chunk


class StringTable(Sequence[str]):
    """Shared strings stored compactly: blocks of `BLOCK` strings joined into one text with
    their end offsets, instead of one object per string (a workbook of 200,000 rows holds
    half a million: about 35 MB as objects, a third of that here). Indexing cuts the text."""

    BLOCK = 4096

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._ends: list[array[int]] = []
        self._pending: list[str] = []
        self._count = 0

    def append(self, text: str) -> None:
        self._pending.append(text)
        self._count += 1
        if len(self._pending) == self.BLOCK:
            self._seal()

    def _seal(self) -> None:
        ends, end = array("I"), 0
        for text in self._pending:
            end += len(text)
            ends.append(end)
        self._texts.append("".join(self._pending))
        self._ends.append(ends)
        self._pending = []

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        if not 0 <= index < self._count:
            raise IndexError(index)
        block, i = divmod(index, self.BLOCK)
        if block == len(self._texts):
            return self._pending[i]
        ends = self._ends[block]
        return self._texts[block][ends[i - 1] if i else 0 : ends[i]]


def shared_strings(
    wb: Workbook, *, max_count: int, wanted: set[int] | None = None
) -> dict[int, str] | StringTable:
    """Every shared string (a `StringTable`), or only the `wanted` indexes (a dict),
    streamed."""
    path = wb.shared_path
    if path is None:
        return {} if wanted is not None else StringTable()
    _part_size(wb.zf, path, MAX_SHARED_STRINGS_BYTES)
    validate_part(wb.zf, path)
    top = max(wanted) if wanted else -1
    found: dict[int, str] = {}
    out = StringTable()
    index = -1
    for batch in fragments(wb.zf, path, "sst", "si"):
        for si in batch:
            tag = si.tag
            if not tag.endswith("si"):
                continue
            ns = tag[: tag.index("}") + 1] if "}" in tag else ""
            index += 1
            if index >= max_count:
                raise XlsxProblem("too_many_strings", part=path, limit=max_count)
            if wanted is None:
                out.append(_rich_text(si, ns + "t", ns + "r"))
            elif index in wanted:
                found[index] = _rich_text(si, ns + "t", ns + "r")
        if wanted is not None and index >= top:
            break
    return found if wanted is not None else out


# Cells and rows live in `xlsx_rows`; re-exported so that callers use one module.
from .xlsx_rows import (  # noqa: E402
    column_index,
    column_letters,
    iter_rows,
    serial_to_date,
)

__all__ = ["column_index", "column_letters", "iter_rows", "serial_to_date"]
