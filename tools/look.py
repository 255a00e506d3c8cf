"""Look at the brief as a reader would: full-page screenshots of the HTML on a phone and a
laptop, and every page of the PDF as an image.

A developer's tool (DEVELOPERS.md: "look at what you make"), not used by the tests. Needs
Debian's ``chromium`` and ``poppler-utils`` (``pdftoppm``):

    sudo apt-get install chromium poppler-utils
    python tools/look.py OUT_DIR [--html reports/brief.html] [--pdf reports/brief.pdf]

writes ``OUT_DIR/html-390.png``, ``OUT_DIR/html-1280.png`` and ``OUT_DIR/pdf-<page>.png``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDTHS = (390, 1280)  # a phone, a laptop
PDF_DPI = 100
# written into the page once everything (embedded images included) has loaded, so that the
# screenshot can be exactly as tall as the page
MEASURE = (
    "<script>addEventListener('load', () => document.body.setAttribute("
    "'data-look-height', Math.ceil(document.documentElement.scrollHeight)));</script>"
)


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    raise SystemExit("no chromium on PATH: sudo apt-get install chromium")


def headless(browser: str, profile: Path, width: int, height: int, *args: str) -> str:
    """Run headless Chromium with networking and background services off; return stdout."""
    result = subprocess.run(
        [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--hide-scrollbars", f"--user-data-dir={profile}",
            f"--window-size={width},{height}", *args,
        ],
        capture_output=True, text=True, check=False, timeout=180,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"chromium failed ({' '.join(args[:-1])}):\n{result.stderr[-2000:]}")
    return result.stdout


def page_height(browser: str, profile: Path, html: Path, width: int) -> int:
    """Height in CSS pixels of ``html`` laid out ``width`` pixels wide."""
    probe = profile / "probe.html"
    probe.write_text(html.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    dom = headless(
        browser, profile, width, 800, "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()
    )
    match = re.search(r'data-look-height="(\d+)"', dom)
    if match is None:
        raise SystemExit(f"could not measure the height of {html} at {width}px")
    return int(match[1])


def screenshot_html(html: Path, out: Path) -> list[Path]:
    """One full-page PNG of ``html`` per width in WIDTHS."""
    browser, shots = chromium(), []
    with tempfile.TemporaryDirectory(prefix="look-") as tmp:
        profile = Path(tmp)
        for width in WIDTHS:
            height = page_height(browser, profile, html, width)
            shot = out / f"html-{width}.png"
            headless(browser, profile, width, height, f"--screenshot={shot}", html.as_uri())
            shots.append(shot)
    return shots


def pdf_pages(pdf: Path, out: Path) -> list[Path]:
    """Every page of ``pdf`` as ``pdf-<n>.png``."""
    if shutil.which("pdftoppm") is None:
        raise SystemExit("no pdftoppm on PATH: sudo apt-get install poppler-utils")
    for old in out.glob("pdf-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(PDF_DPI), str(pdf), str(out / "pdf")], check=True)
    return sorted(out.glob("pdf-*.png"), key=lambda p: int(p.stem.split("-")[-1]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder for the PNGs (created)")
    parser.add_argument("--html", type=Path, default=ROOT / "reports/brief.html")
    parser.add_argument("--pdf", type=Path, default=ROOT / "reports/brief.pdf")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for path in (*screenshot_html(args.html.resolve(), args.out), *pdf_pages(args.pdf, args.out)):
        print(path)


if __name__ == "__main__":
    sys.exit(main())
