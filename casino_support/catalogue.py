"""Every sentence the bot and the support desk say to a player, in French, read from one
file: ``casino_support/wording.fr.yml``.

The code decides *what* is said (which facts, which sentence); the catalogue holds *how*
it is said. Sentences are ``str.format`` templates whose named fields the code fills with
facts (amounts, dates, delays, labels), already formatted by the code (formatting.py); a
list in the file is a list of lines (bullets, the messages of one answer, month names).
A missing key or an unfilled field is an error, never a silent blank.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Formatter
from typing import Any, Dict, List, Mapping, Union

import yaml

CATALOGUE_FILE = Path(__file__).with_name("wording.fr.yml")

Entry = Union[str, List[str]]


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> Dict[str, Entry]:
    entries: Dict[str, Entry] = {}
    for name, value in tree.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            entries.update(_flatten(value, key + "."))
        elif isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            entries[key] = value
        else:
            raise ValueError(f"{CATALOGUE_FILE.name}: {key} must be a sentence or a list of lines")
    return entries


def fields_of(template: str) -> List[str]:
    """The named fields of a template (« {amount} » → ``amount``)."""
    return [name for _, name, _, _ in Formatter().parse(template) if name]


class Catalogue:
    """The sentences of one catalogue file, by dotted key (``withdraw.delay.intro``)."""

    def __init__(self, entries: Mapping[str, Entry]):
        self.entries = dict(entries)

    @classmethod
    def load(cls, path: Path = CATALOGUE_FILE) -> "Catalogue":
        with open(path, encoding="utf-8") as handle:
            return cls(_flatten(yaml.safe_load(handle) or {}))

    def _entry(self, key: str) -> Entry:
        try:
            return self.entries[key]
        except KeyError:
            raise KeyError(f"no sentence {key!r} in {CATALOGUE_FILE.name}") from None

    @staticmethod
    def _fill(key: str, template: str, values: Mapping[str, Any]) -> str:
        try:
            return template.format(**values)
        except KeyError as missing:
            raise KeyError(f"sentence {key!r} needs {missing}") from None

    def say(self, key: str, **values: Any) -> str:
        entry = self._entry(key)
        if not isinstance(entry, str):
            raise TypeError(f"{key!r} is a list of lines: use lines()")
        return self._fill(key, entry, values)

    def lines(self, key: str, **values: Any) -> List[str]:
        entry = self._entry(key)
        if isinstance(entry, str):
            raise TypeError(f"{key!r} is one sentence: use say()")
        return [self._fill(key, line, values) for line in entry]


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue.load()


def say(key: str, **values: Any) -> str:
    """The sentence ``key`` of the catalogue, its fields filled from ``values``."""
    return catalogue().say(key, **values)


def lines(key: str, **values: Any) -> List[str]:
    """The lines of the list ``key`` of the catalogue, each filled from ``values``."""
    return catalogue().lines(key, **values)
