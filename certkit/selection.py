"""Case filters from the command line: `-k EXPR` and `--case ID`, as pytest's `-k` reads.

An expression is words joined by `and`, `or`, `not` and parentheses; a word matches
a case whose id contains it (case-insensitive). `--case` takes ids or glob patterns.
A run so filtered records the filter in results.json, so it is never taken for a
full run of its profile.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass

from certkit.errors import ConfigError

_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")

Matcher = Callable[[str], bool]


@dataclass(frozen=True)
class Selection:
    keyword: str | None = None
    cases: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.keyword is not None or bool(self.cases)

    def matcher(self) -> Matcher:
        by_keyword = parse_keyword(self.keyword) if self.keyword is not None else None

        def selects(case_id: str) -> bool:
            if by_keyword is not None and not by_keyword(case_id):
                return False
            return not self.cases or any(fnmatch.fnmatchcase(case_id, pattern)
                                         for pattern in self.cases)

        return selects

    def to_dict(self) -> dict[str, object]:
        return {"keyword": self.keyword, "cases": list(self.cases)}


def parse_keyword(expression: str) -> Matcher:
    """A matcher for a `-k` expression; a malformed one is a ConfigError naming it."""
    tokens = _TOKEN.findall(expression)
    if not tokens:
        raise ConfigError(f"-k {expression!r}: empty expression")
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        position += 1
        return tokens[position - 1]

    def chain(word: str, operand: Callable[[], Matcher]) -> Matcher:
        """Operands joined by `word` (and binds tighter than or)."""
        parts = [operand()]
        while peek() == word:
            take()
            parts.append(operand())
        if len(parts) == 1:
            return parts[0]
        join = all if word == "and" else any
        return lambda case_id: join(part(case_id) for part in parts)

    def disjunction() -> Matcher:
        return chain("or", conjunction)

    def conjunction() -> Matcher:
        return chain("and", negation)

    def negation() -> Matcher:
        if peek() == "not":
            take()
            inner = negation()
            return lambda case_id: not inner(case_id)
        return atom()

    def atom() -> Matcher:
        token = peek()
        if token is None or token in ("and", "or", ")"):
            raise ConfigError(f"-k {expression!r}: expected a word or '(' at "
                              f"{token or 'the end'!r}")
        take()
        if token == "(":
            inner = disjunction()
            if peek() != ")":
                raise ConfigError(f"-k {expression!r}: missing ')'")
            take()
            return inner
        word = token.lower()
        return lambda case_id: word in case_id.lower()

    matcher = disjunction()
    if peek() is not None:
        raise ConfigError(f"-k {expression!r}: unexpected {peek()!r}")
    return matcher
