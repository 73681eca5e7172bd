"""The report's words in each language, from messages/<lang>.toml; templates hold none."""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


class Messages:
    """Looks up a message by key and fills in its {placeholders}; unknown keys are errors."""

    def __init__(self, lang: str, table: Mapping[str, str]) -> None:
        self.lang = lang
        self._table = dict(table)

    def __call__(self, key: str, /, **values: Any) -> str:
        return self._table[key].format(**values) if values else self._table[key]

    def markup(self, key: str, /, **values: Any) -> Markup:
        """The message as HTML: its text escaped, Markup values (notation) kept as they are."""
        return Markup(escape(self._table[key])).format(**values)

    def keys(self) -> frozenset[str]:
        return frozenset(self._table)

    def verdict(self, verdict: str) -> str:
        """The verdict word as a heading shows it: PASS, NOT TESTED; 通过, 未测试."""
        return self(f"verdict.{verdict.replace(' ', '-')}")

    def verdict_lower(self, verdict: str) -> str:
        """The verdict word as a sentence shows it: pass, not run."""
        return self(f"verdict.lower.{verdict.replace(' ', '-')}")


@functools.cache
def messages(lang: str = DEFAULT_LANGUAGE) -> Messages:
    """The messages of `lang` ("en" or "zh")."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r} (known: {', '.join(LANGUAGES)})")
    text = resources.files("certkit.reports").joinpath(f"messages/{lang}.toml").read_text("utf-8")
    return Messages(lang, _flatten(tomllib.loads(text)))
