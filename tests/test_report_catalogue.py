"""The requirements catalogue, the traceability matrix, and the report's two languages."""

from __future__ import annotations

import copy
import re
import string
from pathlib import Path
from typing import Any

import pytest
from test_reports import _case, _document, failing_document

from certkit import profiles
from certkit.case_runner import collect_cases
from certkit.plugins import load_plugins
from certkit.reports import render_html, render_markdown
from certkit.reports.messages import LANGUAGES, messages
from certkit.reports.requirements import BASES, load_catalogue
from certkit.reports.view import build_view
from certkit.vectors import VectorStore

TEMPLATES = Path(__file__).resolve().parents[1] / "reports" / "templates"


def _cited_clauses() -> dict[str, str]:
    """Every clause any case of any installed profile cites, with one case citing it."""
    cited: dict[str, str] = {}
    for name, path in profiles.available().items():
        profile = profiles.load(str(path))
        for case in collect_cases(load_plugins(profile.allow_plugins), profile, VectorStore()):
            for clause in case.clauses:
                cited.setdefault(clause, f"{case.id} (profile {name})")
    return cited


def test_every_clause_a_case_cites_is_in_the_catalogue() -> None:
    catalogue = load_catalogue()
    cited = _cited_clauses()
    assert len(cited) > 30
    unknown = {clause: case for clause, case in cited.items()
               if not catalogue.resolve(clause).requirements}
    assert not unknown, f"add these to reports/catalogue/requirements.toml: {unknown}"


def test_catalogue_entries_are_complete_and_named_by_standard_and_clause() -> None:
    catalogue = load_catalogue()
    standards = {standard.id for standard in catalogue.standards}
    for prefix in ("GB/T 32905", "GB/T 32907", "GB/T 32918.2", "GM/T 0001", "GM/T 0002",
                   "GM/T 0003", "GM/T 0004", "GM/T 0005", "GM/T 0062", "GM/T 0028",
                   "GB/T 37092", "PKCS#11"):
        assert any(s.startswith(prefix) for s in standards), prefix
    for entry in catalogue.requirements:
        assert entry.id == f"{entry.standard} {entry.clause}".strip()
        assert entry.title_en and entry.title_zh and entry.basis in BASES
        assert (entry.title_en.isascii() and not entry.title_zh.isascii()) or \
            entry.title_zh == entry.title_en  # function names read the same in both
    assert len({entry.id for entry in catalogue.requirements}) == len(catalogue.requirements)
    # the module-security clauses the issue names: self-tests, zeroisation, error state
    for clause in ("7.10.2", "7.10.3", "7.9.7", "7.11.4"):
        assert catalogue.by_id[f"GB/T 37092-2018 {clause}"].basis == "iso19790"


def test_citations_resolve_notes_lists_and_whole_standards() -> None:
    catalogue = load_catalogue()
    zeroisation = catalogue.resolve("GB/T 37092-2018 7.9.7 (SSP zeroisation)")
    assert [r.id for r in zeroisation.requirements] == ["GB/T 37092-2018 7.9.7"]
    assert zeroisation.note == "SSP zeroisation"
    several = catalogue.resolve("PKCS#11 2.40 base 5.8.1, 5.9.1, 5.7.5")
    assert [r.clause for r in several.requirements] == ["5.8.1", "5.9.1", "5.7.5"]
    assert [r.id for r in catalogue.resolve("GB/T 32907-2016").requirements] == \
        ["GB/T 32907-2016"]
    assert not catalogue.resolve("GB/T 32907-2016 99.9").requirements
    assert not catalogue.resolve("ISO 0000 1").requirements


def _matrix_row(document: dict[str, Any], requirement: str, lang: str = "en") -> Any:
    rows = [row for row in build_view(document, lang).matrix if row.requirement.id == requirement]
    assert len(rows) == 1
    return rows[0]


def _kat_document() -> dict[str, Any]:
    return _document([
        _case("kat.sm4-cbc.vectors", "fail", requires=("SM4-CBC",), clauses=("GB/T 32907-2016",),
              failed=3),
        _case("kat.sm4-ecb.gbt32907", "pass", requires=("SM4-ECB",),
              clauses=("GB/T 32907-2016 Annex A",)),
        _case("keys.destroy", "pass", suite="keys",
              clauses=("GB/T 37092-2018 7.9.7 (SSP zeroisation)",)),
        _case("kat.sm4-gcm.vectors", "not-applicable", requires=("SM4-GCM",),
              clauses=("GB/T 36624-2018",), checks=0, missing=["SM4-GCM"]),
    ], verdict="fail", suites=("kat", "keys"))


def test_matrix_traces_each_clause_to_its_cases_and_verdicts() -> None:
    document = _kat_document()
    annex = _matrix_row(document, "GB/T 32907-2016 Annex A")
    assert annex.status == "pass"
    assert [(e.case_id, e.verdict) for e in annex.evidence] == [("kat.sm4-ecb.gbt32907", "pass")]
    # the whole standard gathers every case citing any of it: one failed, so it fails
    whole = _matrix_row(document, "GB/T 32907-2016")
    assert whole.status == "fail"
    assert {e.case_id for e in whole.evidence} == {"kat.sm4-cbc.vectors", "kat.sm4-ecb.gbt32907"}
    # GM/T 0002 is the same text as GB/T 32907: the same evidence
    assert _matrix_row(document, "GM/T 0002-2012").status == "fail"
    assert _matrix_row(document, "GB/T 37092-2018 7.9.7").status == "pass"


def test_clauses_nobody_evidences_are_not_tested() -> None:
    document = _kat_document()
    for requirement in ("GB/T 37092-2018 7.10.2", "GB/T 32918.3-2016", "GM/T 0062-2018 9"):
        row = _matrix_row(document, requirement)
        assert row.status == "not tested" and not row.evidence
    # a case that was not applicable is evidence of nothing
    assert _matrix_row(document, "GB/T 36624-2018").status == "not tested"
    html = render_html(document)
    row = re.search(r"<td>GB/T 37092-2018 7.10.2</td>\s*<td[^>]*>([^<]*)</td>", html)
    assert row is not None and row.group(1) == "NOT TESTED"
    zh = render_html(document, "zh")
    row = re.search(r"<td>GB/T 37092-2018 7.10.2</td>\s*<td[^>]*>([^<]*)</td>", zh)
    assert row is not None and row.group(1) == "未测试"


def test_cases_that_did_not_run_are_listed_and_evidence_nothing() -> None:
    document = _kat_document()
    document["not_run"] = [{"id": "selftest.healthy", "title": "self-tests pass",
                            "suite": "selftest", "requires": [],
                            "clauses": ["GB/T 37092-2018 7.10.2"]}]
    row = _matrix_row(document, "GB/T 37092-2018 7.10.2")
    assert row.status == "not tested"
    assert [(e.case_id, e.verdict) for e in row.evidence] == [("selftest.healthy", "not run")]
    html = render_html(document)
    assert 'id="not-run"' in html and "selftest.healthy" in html


def test_a_citation_outside_the_catalogue_stays_visible() -> None:
    markdown = render_markdown(failing_document())
    row = next(line for line in markdown.splitlines() if line.startswith("| GB/T 32907-2016 5 |"))
    assert "**FAIL**" in row and "not in the requirements catalogue" in row


def test_report_names_the_catalogue_that_traced_it() -> None:
    html = render_html(_kat_document())
    assert load_catalogue().sha256 in html


# -- languages ---------------------------------------------------------------------------

def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_messages_and_placeholders() -> None:
    english, chinese = messages("en"), messages("zh")
    assert english.keys() == chinese.keys()
    for key in sorted(english.keys()):
        assert _placeholders(english(key)) == _placeholders(chinese(key)), key
        assert english(key).isascii(), key
    with pytest.raises(ValueError, match="unknown report language"):
        messages("fr")
    assert LANGUAGES == ("en", "zh")


def _template_text(name: str) -> str:
    """A template's own words: what is left without Jinja, tags, entities and CSS."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text)
    return re.sub(r"&[a-z]+;|&#\d+;", " ", text)


@pytest.mark.parametrize("name", ["report.html.j2", "report.md.j2"])
def test_templates_hold_no_words_of_their_own(name: str) -> None:
    words = re.findall(r"[A-Za-z]{2,}", _template_text(name))
    assert not words, f"{name} prints words that belong in reports/messages/*.toml: {words}"


@pytest.mark.parametrize("render", [render_html, render_markdown])
def test_chinese_report_uses_chinese_headings_and_verdicts(render: Any) -> None:
    document = failing_document()
    chinese = render(document, "zh")
    english = render(document)
    for word in ("检测报告", "需求追溯矩阵", "总体结论", "不通过", "未测试", "失败证据", "附录"):
        assert word in chinese and word not in english
    for word in ("Certification report", "Requirements traceability matrix", "NOT TESTED",
                 "Failing evidence", "Annexes"):
        assert word in english and word not in chinese
    # device and vector text is shown as recorded, whatever the language
    assert "1edf34d206965e86b3e94f536e4246" in chinese and "Example Semi" in chinese


def test_rendering_is_a_pure_function_of_the_document() -> None:
    document = failing_document()
    before = copy.deepcopy(document)
    for lang in LANGUAGES:
        assert render_html(document, lang) == render_html(copy.deepcopy(before), lang)
        assert render_markdown(document, lang) == render_markdown(copy.deepcopy(before), lang)
    assert document == before


# -- cover and evidence ----------------------------------------------------------------

def test_cover_shows_lab_operator_and_firmware_digest_or_says_not_given() -> None:
    document = failing_document()
    for render in (render_html, render_markdown):
        assert render(document).count("not given") >= 4
    document["certification"] = {
        "lab": "Lab No. 7", "operator": "Li Si",
        "firmware_image": {"name": "fw-2.4.1.bin", "size": 1024, "sm3": "ab" * 32},
        "command_line": ["certkit", "run", "--device", "serial:/dev/ttyUSB0", "--lab",
                         "Lab No. 7"],
    }
    html = render_html(document)
    for text in ("Lab No. 7", "Li Si", "fw-2.4.1.bin", "ab" * 32,
                 "certkit run --device serial:/dev/ttyUSB0 --lab &#39;Lab No. 7&#39;"):
        assert text in html, text
    assert "not given" not in html
    markdown = render_markdown(document, "zh")
    assert "| 检测机构 | Lab No. 7 |" in markdown and "未提供" not in markdown


def test_failing_case_wire_transcript_is_shown() -> None:
    document = failing_document()
    document["cases"][1]["evidence"] = {
        "records": [{"t": 0.0012, "duration_ms": 0.4, "dir": "tx", "size": 5,
                     "hex": "a55a0103ff"},
                    {"t": 0.0031, "duration_ms": 1.9, "dir": "rx", "size": 4,
                     "hex": "a55a8100"}],
        "omitted": 7, "truncated_to_bytes": 64,
    }
    html = render_html(document)
    evidence = html[html.index('id="evidence"'):html.index('id="annexes"')]
    assert "Wire transcript" in evidence and "a55a0103ff" in evidence
    assert "host to device" in evidence and "device to host" in evidence
    assert "2 record(s) shown, 7 omitted" in evidence
    assert "a55a8100" in render_markdown(document)
    assert "主机到设备" in render_html(document, "zh")
