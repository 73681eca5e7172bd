"""The report as a reader sees it: opened in headless Chromium, printed to PDF, the PDF
turned into page images (pdftoppm) and text (pdftotext). These tools are part of the test
environment (Debian: chromium, fonts-noto-cjk, poppler-utils): missing, the tests fail."""

from __future__ import annotations

import copy
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from certkit.reports import render_html, render_markdown
from certkit.reports.pdf import chromium_command, chromium_path, render_pdf
from helpers import certify

XSS = "<script>alert(1)</script>"
FAIL_RED = (0xC6, 0x28, 0x28)  # --fail: the verdict banner and failing bars
PASS_GREEN = (0x2E, 0x7D, 0x32)
CASE = "kat.sm4-cbc.vectors"  # what the sm4-cbc-no-chaining fault breaks


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is required for this test (Debian: poppler-utils / chromium)"
    return path


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = [*chromium_command(chromium_path(), tmp_path / "profile"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def png_rgb(data: bytes) -> np.ndarray:
    """The RGB pixels (height x width x 3) of an 8-bit, non-interlaced PNG, as Chromium and
    pdftoppm write them: enough to look at colours without an imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks, header = 8, [], b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if kind == b"IHDR":
            header = data[offset + 8:offset + 8 + length]
        elif kind == b"IDAT":
            chunks.append(data[offset + 8:offset + 8 + length])
        offset += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
    step = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(b"".join(chunks)), dtype=np.uint8)
    raw = raw.reshape(height, width * step + 1)
    image = np.zeros((height, width * step), dtype=np.uint8)
    previous = np.zeros(width * step, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 1:  # Sub: a running sum along each channel
            line = np.cumsum(line.reshape(width, step), axis=0).reshape(-1) & 0xFF
        elif kind == 2:  # Up
            line = (line + previous) & 0xFF
        elif kind in (3, 4):  # Average, Paeth: each byte needs the one decoded before it
            out = line.tolist()
            up = previous.tolist()
            for i in range(len(out)):
                left = out[i - step] if i >= step else 0
                if kind == 3:
                    out[i] = (out[i] + (left + up[i]) // 2) & 0xFF
                else:
                    corner = up[i - step] if i >= step else 0
                    p = left + up[i] - corner
                    pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
                    guess = left if pa <= pb and pa <= pc else (up[i] if pb <= pc else corner)
                    out[i] = (out[i] + guess) & 0xFF
            line = np.array(out, dtype=np.int32)
        image[y] = line
        previous = line
    return image.reshape(height, width, step)[:, :, :3]


def count_colour(image: np.ndarray, colour: tuple[int, int, int], tolerance: int = 12) -> int:
    """How many pixels are within `tolerance` of `colour` in every channel."""
    near = np.abs(image.astype(np.int16) - np.array(colour, dtype=np.int16)) <= tolerance
    return int(near.all(axis=2).sum())


def distinct_colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, 3), axis=0))


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real run with a failure, plus cover inputs and a wire excerpt as a serial run has."""
    document = certify("emulator:?fault=sm4-cbc-no-chaining",
                       tmp_path_factory.mktemp("run") / "out")
    assert document["verdict"] == "fail"
    document["certification"] = {"lab": "Test Lab 3", "operator": "Wang Wu",
                                 "firmware_image": {"name": "fw.bin", "size": 3,
                                                    "sm3": "66c7f0f4" * 8}}
    failing = next(case for case in document["cases"] if case["id"] == CASE)
    assert failing["verdict"] == "fail"
    failing["evidence"] = {"records": [{"t": 0.001, "duration_ms": 0.2, "dir": "tx",
                                        "size": 4, "hex": "a55a0102"}],
                           "omitted": 0, "truncated_to_bytes": 64}
    return document


@pytest.fixture(scope="module", params=["en", "zh"])
def opened(request: pytest.FixtureRequest, document: dict[str, Any],
           tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The HTML report in one language, as Chromium's DOM and two screenshots see it."""
    lang = request.param
    folder = tmp_path_factory.mktemp(f"browser-{lang}")
    page = folder / "report.html"
    page.write_text(render_html(document, lang), encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri(), tmp_path=folder)
    assert dom.returncode == 0, dom.stderr[-2000:]
    target = folder / "cover.png"
    shot = _chromium("--hide-scrollbars", "--window-size=1000,1400",
                     "--force-device-scale-factor=0.5", f"--screenshot={target}",
                     page.as_uri(), tmp_path=folder)
    assert target.is_file(), shot.stderr[-2000:]
    return {"lang": lang, "dom": dom.stdout, "cover": png_rgb(target.read_bytes())}


VERDICT_WORD = {"en": "FAIL", "zh": "不通过"}


def test_browser_shows_verdict_failing_case_and_chart(opened: dict[str, Any]) -> None:
    dom, lang = opened["dom"], opened["lang"]
    banner = re.search(r'<div id="verdict-banner" class="v-fail">([^<]*)</div>', dom)
    assert banner is not None and VERDICT_WORD[lang] in banner.group(1)
    evidence = dom[dom.index('id="evidence"'):dom.index('id="annexes"')]
    assert f'id="detail-{CASE}"' in evidence and "a55a0102" in evidence
    matrix = dom[dom.index('id="matrix"'):dom.index("</table>", dom.index('id="matrix"'))]
    assert CASE in matrix
    chart = re.search(r'<svg class="chart".*?</svg>', dom, re.S)
    assert chart is not None and chart.group().count('<rect class="pass"') >= 3
    assert '<rect class="fail"' in chart.group()
    assert "<script" not in dom


def test_screenshot_is_not_blank_and_shows_the_banner_and_chart(opened: dict[str, Any]) -> None:
    """The first screenful: the red verdict banner, and under it the verdicts-by-suite chart
    with green bars for the passing cases and a red segment for the failing one."""
    cover = opened["cover"]
    assert distinct_colours(cover) > 20  # text rendered, not a blank page
    red = count_colour(cover, FAIL_RED)
    assert red > 5000  # the banner: a full-width block, even at half scale
    assert count_colour(cover, PASS_GREEN) > 1000
    banner_rows = np.flatnonzero((np.abs(cover.astype(np.int16) - FAIL_RED) <= 12)
                                 .all(axis=2).sum(axis=1) > cover.shape[1] // 2)
    green_rows = np.flatnonzero((np.abs(cover.astype(np.int16) - PASS_GREEN) <= 12)
                                .all(axis=2).any(axis=1))
    assert banner_rows.size and green_rows.size and green_rows.min() > banner_rows.max()


@pytest.fixture(scope="module")
def printed(document: dict[str, Any],
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The PDF report in both languages: page count, text per page, page images."""
    pdfinfo, pdftotext, pdftoppm = _tool("pdfinfo"), _tool("pdftotext"), _tool("pdftoppm")
    out = {}
    for lang in ("en", "zh"):
        folder = tmp_path_factory.mktemp(f"pdf-{lang}")
        pdf = folder / "report.pdf"
        pdf.write_bytes(render_pdf(document, lang))
        info = subprocess.run([pdfinfo, str(pdf)], capture_output=True, text=True, check=True)
        pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore
        text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        subprocess.run([pdftoppm, "-r", "30", "-png", str(pdf), str(folder / "page")],
                       check=True, timeout=120)
        images = sorted(folder.glob("page-*.png"))
        out[lang] = {"pages": pages, "text": text.split("\f")[:pages], "images": images}
    return out


def test_pdf_pages_carry_page_numbers_and_the_report_id(printed: dict[str, dict[str, Any]],
                                                        document: dict[str, Any]) -> None:
    run_id = document["run_id"]
    footers = {"en": "Page {page} of {pages}", "zh": "第 {page} 页，共 {pages} 页"}
    for lang, pdf in printed.items():
        assert pdf["pages"] >= 8  # cover, scope, matrix, suites, evidence, annexes at least
        assert len(pdf["images"]) == pdf["pages"]
        for number, page in enumerate(pdf["text"], start=1):
            assert run_id in page, (lang, number)
            footer = footers[lang].format(page=number, pages=pdf["pages"])
            assert footer in re.sub(r"[ \t]+", " ", page), (lang, number, page[-200:])


def test_pdf_text_and_first_page_image_show_the_verdict(printed: dict[str, dict[str, Any]]) -> None:
    for lang, words in {"en": ("Certification report", "Overall verdict", "FAIL",
                               "Requirements traceability matrix", "NOT TESTED",
                               "Failing evidence", "Test Lab 3"),
                        "zh": ("检测报告", "总体结论", "不通过", "需求追溯矩阵", "未测试",
                               "失败证据", "Test Lab 3")}.items():
        text = "\n".join(printed[lang]["text"])
        for word in words:
            assert word in text, (lang, word)
        assert CASE in text
        cover = png_rgb(printed[lang]["images"][0].read_bytes())
        assert count_colour(cover, FAIL_RED) > 300  # the banner, at 30 dpi
        assert count_colour(cover, PASS_GREEN) > 30  # the chart beneath it


def test_device_strings_are_inert_in_html_markdown_and_pdf(document: dict[str, Any],
                                                           tmp_path: Path) -> None:
    hostile = copy.deepcopy(document)
    hostile["device"].update(vendor=XSS, model='"><img src=x onerror=alert(2)>')
    hostile["certification"]["lab"] = "</style><script>alert(3)</script>"
    html = render_html(hostile)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    markdown = render_markdown(hostile)
    assert "<script" not in markdown.lower() and "<img" not in markdown.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    page = tmp_path / "hostile.html"
    page.write_text(html, encoding="utf-8")
    dom = _chromium("--dump-dom", page.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0
    assert "<script" not in dom.stdout and "<img" not in dom.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom.stdout  # shown as text
    pdf = tmp_path / "hostile.pdf"
    pdf.write_bytes(render_pdf(hostile))
    text = subprocess.run([_tool("pdftotext"), str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert XSS in text  # printed literally, not interpreted
    assert "</style><script>alert(3)</script>" in text
