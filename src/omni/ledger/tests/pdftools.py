"""Reading a PDF back in tests, with poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm;
installed by .ci/run)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image


def _run(*args: str, data: bytes) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(data)
        done = subprocess.run(
            [*args, str(path), "-"] if args[0] == "pdftotext" else [*args, str(path)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return done.stdout


def text(data: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", "-layout", *pages, data=data)


def pages(data: bytes) -> int:
    info = _run("pdfinfo", data=data)
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def fonts(data: bytes) -> list[dict[str, str]]:
    """pdffonts' table: name, type, emb, sub, uni of each font."""
    rows = _run("pdffonts", data=data).splitlines()[2:]
    out = []
    for row in rows:
        cols = row.split()
        # name type... encoding emb sub uni object-id generation
        out.append({"name": cols[0], "emb": cols[-5], "sub": cols[-4], "uni": cols[-3]})
    return out


def page_image(data: bytes, page: int = 1, dpi: int = 60) -> Image.Image:
    """Page `page` rendered to PNG (`pdftoppm -r dpi -png`), as a greyscale image."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "doc.pdf"
        pdf.write_bytes(data)
        out = Path(tmp) / "page"
        args = ["-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile"]
        subprocess.run(["pdftoppm", *args, str(pdf), str(out)], check=True, timeout=60)
        with Image.open(out.with_suffix(".png")) as img:
            return img.convert("L")


def ink(img: Image.Image, box_mm: tuple[float, float, float, float], dpi: int = 60) -> float:
    """The share of dark pixels in a box given in mm from the page's top left corner."""
    scale = dpi / 25.4
    box = tuple(round(v * scale) for v in box_mm)
    histogram = img.crop(box).histogram()  # greyscale: 256 counts
    return sum(histogram[:128]) / max(sum(histogram), 1)
