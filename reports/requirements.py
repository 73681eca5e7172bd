"""The requirements catalogue (catalogue/requirements.toml) and the traceability matrix.

A case cites clauses as text ("GB/T 37092-2018 7.9.7 (SSP zeroisation)",
"PKCS#11 2.40 base 5.8.1, 5.9.1"). `resolve` turns one citation into the
catalogue entries it names; `trace` lays every entry beside the cases that
evidence it, so a clause no finished case covers shows as "not tested".
"""

from __future__ import annotations

import functools
import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

_NOTE = re.compile(r"\s*\((?P<note>[^()]*)\)\s*$")
BASES = ("standard", "iso19790", "descriptive")


@dataclass(frozen=True)
class Requirement:
    """One catalogue entry: a clause of a standard, or (clause "") the whole standard."""

    id: str
    standard: str
    clause: str
    title_en: str
    title_zh: str
    basis: str  # where the title comes from: one of BASES

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@dataclass(frozen=True)
class Standard:
    id: str
    title_en: str
    title_zh: str
    equivalent: str | None  # the document sharing its text, e.g. GM/T 0002 -> GB/T 32907

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en


@dataclass(frozen=True)
class Citation:
    """What a case's clause text names: catalogue entries, or nothing known."""

    text: str
    requirements: tuple[Requirement, ...]  # empty when the citation is not in the catalogue
    note: str  # the parenthesised remark, if any


@dataclass(frozen=True)
class Catalogue:
    standards: tuple[Standard, ...]
    requirements: tuple[Requirement, ...]  # in file order, each standard's whole entry first
    sha256: str  # of the catalogue file, so a report says which catalogue traced it

    @functools.cached_property
    def by_id(self) -> dict[str, Requirement]:
        return {requirement.id: requirement for requirement in self.requirements}

    @functools.cached_property
    def standard_by_id(self) -> dict[str, Standard]:
        return {standard.id: standard for standard in self.standards}

    def resolve(self, text: str) -> Citation:
        """The entries a citation names; none when its standard or a clause is unknown."""
        note_match = _NOTE.search(text)
        note = note_match.group("note") if note_match else ""
        body = text[:note_match.start()] if note_match else text.strip()
        standard = max(
            (s.id for s in self.standards if body == s.id or body.startswith(s.id + " ")),
            key=len, default=None,
        )
        if standard is None:
            return Citation(text, (), note)
        rest = body[len(standard):].strip()
        ids = [f"{standard} {item.strip()}" for item in rest.split(",")] if rest else [standard]
        if not all(item in self.by_id for item in ids):
            return Citation(text, (), note)
        return Citation(text, tuple(self.by_id[item] for item in ids), note)

    def evidenced_by(self, requirement: Requirement) -> frozenset[str]:
        """The entry ids whose citations evidence `requirement`: itself and the same clause of
        an equivalent document; for a whole standard, every clause of it and its equivalents."""
        standard = self.standard_by_id[requirement.standard]
        documents = {standard.id, *(s.id for s in self.standards if s.equivalent == standard.id)}
        if standard.equivalent:
            documents.add(standard.equivalent)
        if not requirement.clause:
            return frozenset(r.id for r in self.requirements if r.standard in documents)
        return frozenset(f"{document} {requirement.clause}" for document in documents)


def _whole(standard: Standard) -> Requirement:
    return Requirement(standard.id, standard.id, "", standard.title_en, standard.title_zh,
                       "standard")


@functools.cache
def load_catalogue() -> Catalogue:
    """The installed catalogue, checked for shape: unknown standards and duplicates are errors."""
    data = resources.files("certkit.reports").joinpath("catalogue/requirements.toml").read_bytes()
    parsed = tomllib.loads(data.decode("utf-8"))
    standards = tuple(
        Standard(item["id"], item["title_en"], item["title_zh"], item.get("equivalent"))
        for item in parsed["standard"]
    )
    known = {standard.id for standard in standards}
    clauses: dict[str, list[Requirement]] = {standard.id: [] for standard in standards}
    seen = set(known)
    for item in parsed["requirement"]:
        requirement = Requirement(item["id"], item["standard"], item["clause"], item["title_en"],
                                  item["title_zh"], item["basis"])
        expected_id = f"{requirement.standard} {requirement.clause}"
        if requirement.standard not in known or requirement.id != expected_id or \
                requirement.id in seen or requirement.basis not in BASES:
            raise ValueError(f"requirements catalogue: bad entry {item!r}")
        seen.add(requirement.id)
        clauses[requirement.standard].append(requirement)
    for standard in standards:
        if standard.equivalent is not None and standard.equivalent not in known:
            raise ValueError(f"requirements catalogue: {standard.id} is equivalent to unknown "
                             f"{standard.equivalent}")
    ordered = tuple(
        entry for standard in standards
        for entry in (_whole(standard), *sorted(clauses[standard.id],
                                                 key=lambda r: natural_key(r.clause)))
    )
    return Catalogue(standards, ordered, hashlib.sha256(data).hexdigest())


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "7.9.2" before "7.10.2"."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", text) if part)


@dataclass(frozen=True)
class Evidence:
    """One case behind a requirement: its id and verdict ("not run" when it never ran)."""

    case_id: str
    verdict: str
    cited_as: str  # the citation text, when it adds a note or names an equivalent document


@dataclass(frozen=True)
class TraceRow:
    requirement: Requirement
    status: str  # pass, fail, error, or "not tested"
    evidence: tuple[Evidence, ...]


NOT_TESTED = "not tested"
NOT_RUN = "not run"


def row_status(verdicts: Iterable[str]) -> str:
    """A requirement fails if any case failed; not tested unless some case passed or erred."""
    found = set(verdicts)
    for verdict in ("fail", "error", "pass"):
        if verdict in found:
            return verdict
    return NOT_TESTED


def trace(catalogue: Catalogue,
          cases: Iterable[tuple[str, str, Iterable[str]]]) -> tuple[tuple[TraceRow, ...],
                                                                  tuple[Citation, ...]]:
    """Every catalogue entry with the (case id, verdict, clauses) that evidence it, and the
    citations the catalogue does not know (kept visible, never dropped)."""
    cited: dict[str, list[Evidence]] = {}
    unknown: dict[str, Citation] = {}
    for case_id, verdict, texts in cases:
        for text in dict.fromkeys(texts):
            citation = catalogue.resolve(text)
            if not citation.requirements:
                unknown.setdefault(text, citation)
            for requirement in citation.requirements:
                cited.setdefault(requirement.id, []).append(Evidence(case_id, verdict, text))
    rows = []
    for requirement in catalogue.requirements:
        evidence = tuple(item for entry in sorted(catalogue.evidenced_by(requirement))
                         for item in cited.get(entry, ()))
        rows.append(TraceRow(requirement, row_status(e.verdict for e in evidence), evidence))
    return tuple(rows), tuple(unknown.values())
