"""Masking of payment data and e-mail addresses in free text (docs/security.md).

Players sometimes type a card number, an IBAN or their e-mail address in the chat. The
tracker store saves them masked (``casino_connector.tracker_masking``; the e-mail given
for a ticket is kept apart, ``casino_support.ticket_contacts``), and the logs and the
agent console show them masked:

* a card number (13 to 19 digits, in one block or in groups separated by a space or a
  dash, that passes the Luhn check) becomes ``[carte masquée ****7890]``;
* an IBAN (country code, check digits, up to 30 letters or digits, grouped by four or
  not, that passes the ISO 13616 mod-97 check) becomes ``[IBAN masqué ****1234]``;
* an e-mail address becomes ``[e-mail masqué]``.

Amounts, dates, phone numbers, player ids (``P1003``) and ticket references
(``T-2026-000123``) are left alone: they are too short, or fail the checksums.

``MaskingFilter`` applies ``mask`` to log records; ``install_log_masking()`` adds it to
every handler configured so far (the Rasa server calls it from its channels, the action
server from ``actions/__init__.py``).
"""
from __future__ import annotations

import logging
import re
from typing import Any, Collection, Iterable, List, Optional, Tuple

from casino_support.catalogue import say

# What replaces a card number, an IBAN, an e-mail address: catalogue section ``masking``.

MIN_CARD_DIGITS, MAX_CARD_DIGITS = 13, 19
MIN_IBAN_CHARS, MAX_IBAN_CHARS = 15, 34
MAX_GROUPS = 40  # digit groups looked at in one run (a run longer than this is cut)

EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,24}(?![\w-])")
# A run of digit groups separated by one space (also no-break spaces) or one dash.
DIGIT_RUN = re.compile(r"(?<![\w])[0-9]+(?:[ \u00a0\u202f-][0-9]+)*(?![\w])")
DIGIT_GROUP = re.compile(r"[0-9]+")
# Country code and check digits, then letters and digits, in one block or grouped
# (a group: one space, then 1 to 4 characters).
IBAN_RUN = re.compile(r"(?<![\w])[A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}|"
                      r"[A-Za-z0-9]{0,4}(?:[ \u00a0][A-Za-z0-9]{1,4}){2,8})(?![\w])")


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a card number (digits only)."""
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(compact: str) -> bool:
    """The ISO 13616 mod-97 check of an IBAN without spaces."""
    compact = compact.upper()
    if not (MIN_IBAN_CHARS <= len(compact) <= MAX_IBAN_CHARS) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(character, 36)) for character in rearranged)
    return int(number) % 97 == 1


def _card_spans(run: re.Match) -> Iterable[Tuple[int, int, str]]:
    """``(start, end, digits)`` of the card numbers in a run of digit groups: the longest
    Luhn-valid sequence of whole groups, from the left."""
    groups = [(group.start() + run.start(), group.end() + run.start(), group.group())
              for group in DIGIT_GROUP.finditer(run.group())][:MAX_GROUPS]
    first = 0
    while first < len(groups):
        found = None
        for last in range(len(groups), first, -1):
            digits = "".join(group[2] for group in groups[first:last])
            if MIN_CARD_DIGITS <= len(digits) <= MAX_CARD_DIGITS and luhn_valid(digits):
                found = last
                break
        if found is None:
            first += 1
            continue
        yield groups[first][0], groups[found - 1][1], digits
        first = found


def _iban_span(run: re.Match) -> Optional[Tuple[int, int, str]]:
    """The IBAN at the start of ``run``: the longest prefix of whole groups that passes
    the check (a short word after an IBAN may look like one more group)."""
    text = run.group()
    cuts = [match.start() for match in re.finditer(r"[ \u00a0]", text)] + [len(text)]
    for cut in reversed(cuts):
        compact = re.sub(r"[ \u00a0]", "", text[:cut])
        if iban_valid(compact):
            return run.start(), run.start() + cut, compact
    return None


def _replace(text: str, spans: List[Tuple[int, int, str]]) -> str:
    for start, end, replacement in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def mask(text: Any, keep_emails: Collection[str] = ()) -> Any:
    """``text`` with its card numbers, IBANs and e-mail addresses masked (anything that
    is not a string is returned as it is); the addresses of ``keep_emails`` (the
    operator's own, in the bot's messages) stay."""
    if not isinstance(text, str) or not text:
        return text
    if "@" in text:
        kept = {address.lower() for address in keep_emails}
        masked_email = say("masking.email")
        text = EMAIL.sub(lambda found: found.group(0) if found.group(0).lower() in kept
                         else masked_email, text)
    spans: List[Tuple[int, int, str]] = []
    position = 0
    # A run may go on past its IBAN (« CH93 0076 2011 6238 5295 7 et LU28 0019 ... »): the
    # next search starts where the IBAN ends, or at the next word when none was found.
    while True:
        run = IBAN_RUN.search(text, position)
        if run is None:
            break
        found = _iban_span(run)
        position = found[1] if found is not None else run.start() + 1
        if found is not None:
            start, end, compact = found
            spans.append((start, end, say("masking.iban", last4=compact[-4:])))
    return mask_card_numbers(_replace(text, spans))


def mask_card_numbers(text: str) -> str:
    """``text`` with its card numbers (Luhn-valid runs of 13 to 19 digits) masked."""
    spans: List[Tuple[int, int, str]] = []
    for run in DIGIT_RUN.finditer(text):
        for start, end, digits in _card_spans(run):
            spans.append((start, end, say("masking.card", last4=digits[-4:])))
    return _replace(text, spans)


# --- logs -----------------------------------------------------------------------------

class MaskingFilter(logging.Filter):
    """Masks the message (arguments merged) and the traceback of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record: leave it to the handler
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


_FILTER = MaskingFilter()


def install_log_masking() -> int:
    """Add the masking filter to the handlers of the root logger and of every logger
    that has its own; idempotent. Returns how many handlers got it now."""
    loggers = [logging.getLogger()] + [
        logger for logger in list(logging.Logger.manager.loggerDict.values())
        if isinstance(logger, logging.Logger)]
    added = 0
    for logger in loggers:
        for handler in list(logger.handlers):
            if not any(isinstance(existing, MaskingFilter) for existing in handler.filters):
                handler.addFilter(_FILTER)
                added += 1
    return added
