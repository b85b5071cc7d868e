"""What a player asks of the protection tools in the chat, as typed values: the period and
amount of a deposit limit, the length of a break or of a self-exclusion.

The NLU finds the values in a message (entities ``limit_period``, ``duration`` and
``amount``, from the regexes of data/nlu.yml) or the bot's quick reply carries them
(``/inform{"limit_period": "week"}``); this module reads their text into numbers. A bare
answer to the question the bot just asked (« 100 », « 2 semaines ») is read the same way.
Pure functions, no database, no wording.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Optional

KINDS = ("deposit_limit", "break", "self_exclusion")

_NUMBER_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "quinze": 15, "vingt": 20,
    "trente": 30, "quarante-huit": 48, "vingt-quatre": 24, "soixante-douze": 72,
}
_UNITS = (("heure", "hours"), ("h", "hours"), ("jour", "days"), ("j", "days"),
          ("semaine", "weeks"), ("sem", "weeks"), ("mois", "months"), ("annee", "years"),
          ("an", "years"))
_NUMBER = r"\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_UNIT = r"heures?|h|jours?|j|semaines?|sem|mois|annees?|ans?"
_DURATION = re.compile(rf"(?<![\w-])({_NUMBER})\s?({_UNIT})(?!\w)")
_INDEFINITE = re.compile(r"definitivement|indefiniment|(?<!\w)a vie\b|pour toujours|(?<!\w)a jamais|"
                         r"sans (?:limite de )?(?:duree|fin)|illimite")
_AMOUNT = re.compile(r"\d{1,3}(?:[ .]\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?")


@dataclass(frozen=True)
class Duration:
    """A length asked for: calendar days, weeks and months, real hours; or indefinite."""

    hours: int = 0
    days: int = 0
    weeks: int = 0
    months: int = 0
    indefinite: bool = False

    @property
    def only_months(self) -> bool:
        return not (self.hours or self.days or self.weeks)


def plain(text: str) -> str:
    """Lower case, no accents, ordinary spaces (« Définitivement » → « definitivement »)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u202f", " ").replace("\xa0", " "))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


def duration_of(text: Optional[str]) -> Optional[Duration]:
    """« une semaine » → 1 week, « 48h » → 48 hours, « 1 an » → 12 months, « 6 mois et
    demi » → 6 months (the half is not counted), « définitivement » → indefinite; None when
    the text names no length."""
    if not text:
        return None
    said = plain(text)
    if _INDEFINITE.search(said):
        return Duration(indefinite=True)
    match = _DURATION.search(said)
    if match is None:
        return None
    number, unit = match.groups()
    count = int(number) if number.isdigit() else _NUMBER_WORDS[number]
    if count <= 0:
        return None
    field = next(name for prefix, name in _UNITS if unit.startswith(prefix))
    if field == "years":
        return Duration(months=12 * count)
    return Duration(hours=count if field == "hours" else 0, days=count if field == "days" else 0,
                    weeks=count if field == "weeks" else 0, months=count if field == "months" else 0)


def period_of(text: Optional[str]) -> Optional[str]:
    """« par semaine », « hebdo », « week » → "week"; « par jour », « quotidienne » → "day";
    « mensuelle », « par mois » → "month"."""
    if not text:
        return None
    said = plain(text)
    if re.search(r"\b(?:week|weekly|semaines?|hebdo\w*|sem)\b", said):
        return "week"
    if re.search(r"\b(?:month|monthly|mois|mensuel\w*)\b", said):
        return "month"
    if re.search(r"\b(?:day|daily|jours?|journalier\w*|journalieres?|quotidien\w*|24 ?h)\b", said):
        return "day"
    return None


def amount_of(text: Optional[str]) -> Optional[Decimal]:
    """The first amount written in ``text`` (« 1 000,50 € » → 1000.50, « 100 » → 100);
    None for none, zero or a negative one (« -50 »)."""
    if not text:
        return None
    said = plain(text)
    match = _AMOUNT.search(said)
    if match is None or said[:match.start()].rstrip().endswith("-"):
        return None  # no amount, or a negative one
    digits = match.group(0).replace(" ", "")
    if "," in digits:
        digits = digits.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
        digits = digits.replace(".", "")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        return None
    return amount if amount > 0 else None
