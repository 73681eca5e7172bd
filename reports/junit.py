"""JUnit XML, so CI systems show certkit's cases beside their own tests.

JUnit has no "not applicable": such cases are `<skipped>`, which is not a
pass. A run that stopped early, or in which nothing was applicable, is
reported as an error of an extra test case `run.verdict` (classname
`certkit`, which no suite's `certkit.<suite>` can equal), because no case
result carries it and CI would otherwise show green where certkit exits 2.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from .view import CaseView, ReportView, build_view


def render_junit(document: Mapping[str, Any]) -> str:
    """Render a results.json document as JUnit XML (one testsuite per certkit suite)."""
    view = build_view(document)
    root = ET.Element("testsuites", name=f"certkit run {view.run_id}")
    root.append(ET.Comment(
        " certkit: a skipped case was not applicable to the device; that is not a pass. "
    ))
    for row in view.suite_counts:
        cases = [case for case in view.cases if case.suite == row.suite]
        suite = _testsuite(root, row.suite, view)
        for case in cases:
            suite.append(_testcase(case))
    if view.run_problems:
        suite = _testsuite(root, "certkit", view)
        testcase = ET.SubElement(suite, "testcase", classname="certkit", name="run.verdict",
                                 time="0.000")
        error = ET.SubElement(testcase, "error", message="; ".join(view.run_problems),
                              type="error")
        error.text = "\n".join(view.run_problems)
    _set_counts(root, root.iter("testcase"))
    for suite in root.iter("testsuite"):
        _set_counts(suite, suite.iter("testcase"))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testsuite(root: ET.Element, name: str, view: ReportView) -> ET.Element:
    suite = ET.SubElement(root, "testsuite", name=name)
    properties = ET.SubElement(suite, "properties")
    for prop_name, value in (
        ("certkit.run_id", view.run_id),
        ("certkit.verdict", view.verdict),
        ("certkit.complete", str(view.complete).lower()),
        ("certkit.profile", view.profile_name),
        ("device.vendor", view.vendor),
        ("device.model", view.model),
        ("device.firmware", view.firmware),
        ("device.serial", view.serial),
        ("driver.url", view.device_url),
    ):
        ET.SubElement(properties, "property", name=prop_name, value=value)
    return suite


def _testcase(case: CaseView) -> ET.Element:
    testcase = ET.Element("testcase", classname=f"certkit.{case.suite}", name=case.id,
                          time=f"{case.duration_s:.3f}")
    if case.verdict == "fail":
        failure = ET.SubElement(testcase, "failure",
                                message=f"{case.failed} of {case.checks} checks failed",
                                type="fail")
        failure.text = _failure_text(case)
    elif case.verdict == "error":
        error = ET.SubElement(testcase, "error", message=case.note, type="error")
        error.text = case.error or "error not recorded"
    elif case.verdict == "not-applicable":
        ET.SubElement(testcase, "skipped",
                      message="not applicable: missing " + (", ".join(case.missing) or "?"))
    return testcase


def _failure_text(case: CaseView) -> str:
    lines = [case.showing]
    for failure in case.failures:
        lines.append(f"{failure.vectors} tcId {failure.tc_id}: {failure.comment}")
        lines.append(f"  flags: {', '.join(failure.flags) or 'none'}")
        lines.extend(f"  {field.label}: {field.value}" for field in failure.inputs)
        lines.append(f"  expected: {failure.expected}")
        lines.append(f"  got: {failure.got}")
    return "\n".join(lines)


def _set_counts(element: ET.Element, testcases: Iterable[ET.Element]) -> None:
    cases = list(testcases)
    seconds = sum(float(case.get("time", "0")) for case in cases)
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for case in cases if case.find("failure") is not None)))
    element.set("errors", str(sum(1 for case in cases if case.find("error") is not None)))
    element.set("skipped", str(sum(1 for case in cases if case.find("skipped") is not None)))
    element.set("time", f"{seconds:.3f}")
