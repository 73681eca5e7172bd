"""The report renderers: every format renders, shows what matters, escapes device text."""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _import_reports() -> Any:
    """certkit.reports, from the installed package or, before `pip install`, the source folder."""
    try:
        return importlib.import_module("certkit.reports")
    except ModuleNotFoundError:
        pass
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location(
        "certkit.reports",
        ROOT / "reports" / "__init__.py",
        submodule_search_locations=[str(ROOT / "reports")],
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["certkit.reports"] = module
    spec.loader.exec_module(module)
    return module


reports = _import_reports()
render_html = reports.render_html
render_markdown = reports.render_markdown
render_junit = reports.render_junit
render_json = reports.render_json

XSS = "<script>alert(1)</script>"


def _case(case_id: str, verdict: str, *, suite: str = "kat", clauses: tuple[str, ...] = (),
          requires: tuple[str, ...] = ("SM3",), **fields: Any) -> dict[str, Any]:
    return {
        "id": case_id,
        "title": f"title of {case_id}",
        "suite": suite,
        "verdict": verdict,
        "requires": list(requires),
        "clauses": list(clauses),
        "checks": fields.pop("checks", 10),
        "failed": fields.pop("failed", 0),
        "failures": fields.pop("failures", []),
        "missing": fields.pop("missing", []),
        "error": fields.pop("error", None),
        "metrics": fields.pop("metrics", {}),
        "duration_s": fields.pop("duration_s", 0.01),
    }


def _document(cases: list[dict[str, Any]], *, verdict: str, planned: int | None = None,
              stopped: str | None = None, suites: tuple[str, ...] = ("kat",)) -> dict[str, Any]:
    planned = len(cases) if planned is None else planned
    counts = {v: sum(1 for c in cases if c["verdict"] == v)
              for v in ("pass", "fail", "error", "not-applicable")}
    return {
        "schema_version": 1,
        "certkit_version": "0.1.0",
        "run_id": "a1b2c3d4e5f6",
        "verdict": verdict,
        "complete": len(cases) == planned,
        "stopped": stopped,
        "started_at": "2026-11-21T05:40:00+00:00",
        "ended_at": "2026-11-21T05:41:30+00:00",
        "sessions": [{"started_at": "2026-11-21T05:40:00+00:00", "resumed": "false"}],
        "host": {"hostname": "lab-bench-3", "platform": "Linux-6.8-x86_64", "python": "3.11.7",
                 "machine": "x86_64"},
        "driver": {"scheme": "emulator", "url": "emulator:?fault=sm4-cbc-no-chaining"},
        "device": {"vendor": "Example Semi", "model": "CM-100", "firmware": "2.4.1",
                   "serial": "SN0001", "capabilities": ["SM3", "SM4-CBC"],
                   "unrecognised_capabilities": []},
        "profile": {"name": "standard", "description": "Known-answer tests",
                    "suites": list(suites)},
        "vectors": {"manifest_sha256": "9f" * 32},
        "plugins": [{"name": "emulator", "module": "certkit.drivers.emulator",
                     "distribution": "certkit", "version": "0.1.0"},
                    {"name": "reports", "module": "certkit.reports",
                     "distribution": "certkit", "version": "0.1.0"}],
        "summary": {"planned": planned, "finished": len(cases), **counts},
        "cases": cases,
    }


def _failure(tc_id: int, *, got: str = "00" * 16, comment: str = "two blocks") -> dict[str, Any]:
    return {
        "vectors": "sm4/cbc.json",
        "tc_id": tc_id,
        "comment": comment,
        "expected": "681edf34d206965e86b3e94f536e4246",
        "got": got,
        "flags": ["MultiBlock"],
        "inputs": {"key": "0123456789abcdeffedcba9876543210", "iv": "00" * 16, "msg": "ab" * 32},
    }


def passing_document() -> dict[str, Any]:
    return _document([
        _case("kat.sm3.gbt32905", "pass", clauses=("GB/T 32905-2016 A.1",), checks=64),
        _case("kat.sm4-cbc.gbt32907", "pass", requires=("SM4-CBC",),
              clauses=("GB/T 32907-2016 A.1",), checks=20),
    ], verdict="pass")


def failing_document() -> dict[str, Any]:
    return _document([
        _case("kat.sm3.gbt32905", "pass", clauses=("GB/T 32905-2016 A.1",)),
        _case("kat.sm4-cbc.draft", "fail", requires=("SM4-CBC",),
              clauses=("GB/T 32907-2016 5", "GB/T 17964-2021 7.2"), checks=40, failed=25,
              failures=[_failure(2), _failure(7)]),
        _case("kat.sm4-ecb.draft", "pass", requires=("SM4-ECB",),
              clauses=("GB/T 32907-2016 5",)),
        _case("kat.sm4-gcm.draft", "not-applicable", requires=("SM4-GCM",),
              clauses=("GB/T 17964-2021 9",), checks=0, missing=["SM4-GCM"]),
        _case("conformance.sm2.sign", "error", suite="conformance", requires=("SM2-SIGN",),
              clauses=("GB/T 32918.2-2016 6",), checks=3,
              error="BadParameter: device rejected the key\nTraceback line"),
        _case("randomness.monobit", "pass", suite="randomness", requires=("RANDOM",),
              clauses=(), metrics={"p_value": 0.53412345678}),
    ], verdict="fail", suites=("kat", "conformance", "randomness"))


def incomplete_document() -> dict[str, Any]:
    return _document([
        _case("kat.sm3.gbt32905", "pass", clauses=("GB/T 32905-2016 A.1",)),
    ], verdict="error", planned=5, stopped="device unreachable: no answer after 3 retries")


def hostile_document() -> dict[str, Any]:
    document = failing_document()
    document["device"].update(vendor=XSS, model=XSS, firmware=XSS, serial="|`\n<b>&")
    failing = document["cases"][1]
    failing["failures"][0].update(got=XSS, comment="| a | b |\n`x`\x00\x1b[31m")
    document["cases"][4]["error"] = f"{XSS}\x00\x08"
    return document


ALL_DOCUMENTS = [passing_document, failing_document, incomplete_document, hostile_document]
RENDERERS = [render_html, render_markdown, render_junit, render_json]


def _requirement_row(markdown: str, clause: str) -> str:
    rows = [line for line in markdown.splitlines() if line.startswith(f"| {clause} |")]
    assert len(rows) == 1, rows
    return rows[0]


def _junit_case(root: ET.Element, case_id: str) -> ET.Element:
    found = [tc for tc in root.iter("testcase") if tc.get("name") == case_id]
    assert len(found) == 1
    return found[0]


def test_plugin_offers_the_four_formats() -> None:
    formats = {f.name: f for f in reports.certkit_report_formats()}
    assert {name: f.filename for name, f in formats.items()} == {
        "html": "report.html", "md": "report.md", "junit": "junit.xml", "json": "results.json",
    }
    assert formats["html"].render is render_html


@pytest.mark.parametrize("make_document", ALL_DOCUMENTS)
@pytest.mark.parametrize("render", RENDERERS)
def test_every_format_renders_the_same_text_twice(make_document: Any, render: Any) -> None:
    first = render(make_document())
    assert first and first.endswith("\n")
    assert render(make_document()) == first


@pytest.mark.parametrize("render", [render_html, render_markdown, render_junit])
def test_renderers_do_not_modify_the_document(render: Any) -> None:
    document = hostile_document()
    before = copy.deepcopy(document)
    render(document)
    assert document == before


def test_json_is_the_document_as_certkit_run_writes_it() -> None:
    document = failing_document()
    assert render_json(document) == json.dumps(document, indent=2) + "\n"
    assert json.loads(render_json(document)) == document


def test_html_shows_verdict_failing_vector_and_chart() -> None:
    html = render_html(failing_document())
    assert "FAIL" in html
    assert "kat.sm4-cbc.draft" in html
    assert ">2<" in html  # the failing tcId
    # the first differing byte is marked in both values, and named
    assert "<mark>68</mark>1edf34d206965e86b3e94f536e4246" in html  # expected
    assert "<mark>00</mark>" + "00" * 15 in html  # got
    assert "byte 0 (marked)" in html
    assert "showing 2 of 25 failing checks" in html
    assert "BadParameter: device rejected the key" in html
    assert "<svg" in html
    assert "p_value" in html and "0.534123" in html


def test_html_is_self_contained_and_print_friendly() -> None:
    html = render_html(failing_document())
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "@media print" in html and "break-before: page" in html
    assert "overflow-wrap: anywhere" in html
    assert html.isascii()


def test_report_shows_identity_scope_and_environment() -> None:
    document = failing_document()
    document["sessions"].append({"started_at": "2026-11-21T06:00:00+00:00", "resumed": "true"})
    for text in (render_html(document), render_markdown(document)):
        for expected in ("Example Semi", "CM-100", "2.4.1", "SN0001",
                         "emulator:?fault=sm4-cbc-no-chaining", "standard", "conformance",
                         "lab-bench-3", "9f" * 32, "a1b2c3d4e5f6", "2026-11-21T05:40:00+00:00",
                         "2026-11-21T05:41:30+00:00", "2026-11-21T06:00:00+00:00",
                         "certkit.drivers.emulator", "0.1.0"):
            assert expected in text, expected


def test_markdown_shows_verdict_and_failing_vector() -> None:
    markdown = render_markdown(failing_document())
    assert "## Overall verdict: FAIL" in markdown
    assert "showing 2 of 25 failing checks" in markdown
    assert "tcId `2`" in markdown
    assert "Expected: `681edf34d206965e86b3e94f536e4246`" in markdown
    assert "NOT APPLICABLE" in markdown and "missing SM4-GCM" in markdown


@pytest.mark.parametrize("render", [render_html, render_markdown, render_junit])
def test_device_strings_appear_only_escaped(render: Any) -> None:
    text = render(hostile_document())
    assert "<script" not in text.lower()
    assert "<b>" not in text
    assert "\x00" not in text and "\x1b" not in text
    assert "alert(1)" in text  # shown, not dropped


def test_markdown_escapes_table_breaking_characters() -> None:
    markdown = render_markdown(hostile_document())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    serial_row = next(line for line in markdown.splitlines() if line.startswith("| Serial"))
    assert serial_row == r"| Serial number | \|\`<br>&lt;b&gt;&amp; |"
    # the control characters arrive as visible \u escapes, their backslashes escaped in turn
    assert r"\| a \| b \|<br>\`x\`\\u0000\\u001b\[31m" in markdown


def test_junit_stays_well_formed_with_hostile_strings() -> None:
    text = render_junit(hostile_document())
    root = ET.fromstring(text.encode("utf-8"))
    failure = _junit_case(root, "kat.sm4-cbc.draft").find("failure")
    assert failure is not None and XSS in (failure.text or "")
    error = _junit_case(root, "conformance.sm2.sign").find("error")
    assert error is not None and (error.text or "").startswith(XSS + "\\u0000")
    properties = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert properties["device.vendor"] == XSS


def test_junit_counts_failures_errors_and_skips() -> None:
    root = ET.fromstring(render_junit(failing_document()))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "6", "1", "1", "1"
    )
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert set(suites) == {"kat", "conformance", "randomness"}
    kat = suites["kat"]
    assert (kat.get("tests"), kat.get("failures"), kat.get("errors"), kat.get("skipped")) == (
        "4", "1", "0", "1"
    )
    failing = _junit_case(root, "kat.sm4-cbc.draft")
    assert failing.get("classname") == "certkit.kat"
    failure = failing.find("failure")
    assert failure is not None and failure.get("type") == "fail"
    assert "tcId 2" in (failure.text or "") and "tcId 7" in (failure.text or "")
    skipped = _junit_case(root, "kat.sm4-gcm.draft").find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "not applicable: missing SM4-GCM"
    assert _junit_case(root, "conformance.sm2.sign").find("error") is not None


def test_junit_of_a_passing_run_has_no_failures() -> None:
    root = ET.fromstring(render_junit(passing_document()))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "2", "0", "0", "0"
    )


def test_junit_of_an_incomplete_run_is_not_green() -> None:
    root = ET.fromstring(render_junit(incomplete_document()))
    assert root.get("errors") == "1"
    error = _junit_case(root, "run.verdict").find("error")
    assert error is not None
    assert "1 of 5 planned cases finished" in (error.get("message") or "")
    assert "device unreachable" in (error.get("message") or "")


def test_requirement_clause_status_follows_its_cases() -> None:
    markdown = render_markdown(failing_document())
    # kat.sm4-cbc.draft failed and kat.sm4-ecb.draft passed: the clause fails
    assert "**FAIL**" in _requirement_row(markdown, "GB/T 32907-2016 5")
    assert "`kat.sm4-ecb.draft`: pass" in _requirement_row(markdown, "GB/T 32907-2016 5")
    # its only case was not applicable: not tested, never passed
    assert "**NOT TESTED**" in _requirement_row(markdown, "GB/T 17964-2021 9")
    assert "**ERROR**" in _requirement_row(markdown, "GB/T 32918.2-2016 6")
    assert "**PASS**" in _requirement_row(markdown, "GB/T 32905-2016 A.1")
    html = render_html(failing_document())
    row = re.search(r"<td>GB/T 17964-2021 9</td>\s*<td[^>]*>([^<]*)</td>", html)
    assert row is not None and row.group(1) == "NOT TESTED"


def test_not_applicable_is_never_counted_as_pass() -> None:
    document = _document([
        _case("kat.sm4-gcm.draft", "not-applicable", requires=("SM4-GCM",),
              clauses=("GB/T 17964-2021 9",), checks=0, missing=["SM4-GCM"]),
    ], verdict="error")
    markdown = render_markdown(document)
    assert "Cases: 0 passed" in markdown
    assert "no case was applicable" in markdown
    assert "| kat | 0 | 0 | 0 | 1 | 1 |" in markdown
    root = ET.fromstring(render_junit(document))
    assert root.get("skipped") == "1"
    assert _junit_case(root, "run.verdict").find("error") is not None
    html = render_html(document)
    assert "0 passed" in html and "PASS</td>" not in html


def test_incomplete_run_says_so_and_why() -> None:
    for text in (render_html(incomplete_document()), render_markdown(incomplete_document())):
        assert "INCOMPLETE" in text
        assert "1 of 5 planned cases finished" in text
        assert "device unreachable: no answer after 3 retries" in text
        assert "ERROR" in text


def test_unsupported_schema_version_is_refused() -> None:
    document = passing_document()
    document["schema_version"] = 2
    with pytest.raises(ValueError, match="schema version 2"):
        render_html(document)


def test_an_interrupted_failing_run_says_incomplete_on_the_cover() -> None:
    document = failing_document()
    document.update(complete=False, stopped="interrupted")
    document["summary"]["planned"] = 60
    html = render_html(document)
    banner = html[html.index('id="verdict-banner"'):]
    banner = banner[:banner.index("</div></div>") if "</div></div>" in banner else 400]
    assert "FAIL" in banner and "INCOMPLETE: 6 of 60 cases finished" in banner
    markdown = render_markdown(document)
    cover = next(line for line in markdown.splitlines() if line.startswith("| Overall verdict"))
    assert "**FAIL** (INCOMPLETE: 6 of 60 cases finished)" in cover


def test_evidence_names_the_operation_and_ids_wrap_only_at_their_dots() -> None:
    document = failing_document()
    document["cases"][1]["failures"][0]["check"] = "decrypt"
    html = render_html(document)
    assert '<th>Operation</th><td class="mono">decrypt</td>' in html
    assert "kat.<wbr>sm4-<wbr>cbc.<wbr>draft" in html
    assert "Operation: `decrypt`" in render_markdown(document)
