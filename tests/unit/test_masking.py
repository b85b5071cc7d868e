"""Card numbers, IBANs and e-mail addresses are masked in free text; nothing else is."""
import io
import logging

import pytest

from casino_support.masking import (
    MaskingFilter, iban_valid, install_log_masking, luhn_valid, mask)

VISA = "4111 1111 1111 1111"          # test card numbers of the card networks (Luhn-valid)
MASTERCARD = "5555-5555-5555-4444"
AMEX = "3782 822463 10005"             # 15 digits, grouped 4-6-5
VISA_13 = "4222222222222"
FR_IBAN = "FR76 3000 6000 0112 3456 7890 189"
BE_IBAN = "BE68539007547034"


@pytest.mark.parametrize("typed, expected", [
    (f"ma carte c'est {VISA} merci", "ma carte c'est [carte masquée ****1111] merci"),
    (f"carte:{MASTERCARD}.", "carte:[carte masquée ****4444]."),
    (f"une amex {AMEX}", "une amex [carte masquée ****0005]"),
    (f"{VISA_13}", "[carte masquée ****2222]"),
    ("4111111111111111", "[carte masquée ****1111]"),
    (f"j'ai déposé 50 {VISA} hier", "j'ai déposé 50 [carte masquée ****1111] hier"),
    (f"n°{VISA.replace(' ', chr(0xa0))}", "n°[carte masquée ****1111]"),
])
def test_card_numbers_are_masked_keeping_the_last_four_digits(typed, expected):
    assert mask(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    (f"mon IBAN est {FR_IBAN} et merci", "mon IBAN est [IBAN masqué ****0189] et merci"),
    (f"iban : {FR_IBAN.replace(' ', '').lower()}", "iban : [IBAN masqué ****0189]"),
    (f"RIB {BE_IBAN}", "RIB [IBAN masqué ****7034]"),
    ("GB29 NWBK 6016 1331 9268 19 svp", "[IBAN masqué ****6819] svp"),
])
def test_ibans_are_masked(typed, expected):
    assert mask(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("écrivez-moi à jean.dupont@exemple.fr svp", "écrivez-moi à [e-mail masqué] svp"),
    ("Marie.Lefèvre+casino@mail.example.com", "[e-mail masqué]"),
    ("contact: marie_l-92@orange.fr.", "contact: [e-mail masqué]."),
])
def test_email_addresses_are_masked(typed, expected):
    assert mask(typed) == expected


@pytest.mark.parametrize("text", [
    "je veux retirer 2 300,00 €",
    "il me reste 3 500 € à miser, bonus de 100 €",
    "retrait demandé le 12/03/2024, toujours rien au 2024-03-21",
    "appelez le 06 12 34 56 78 ou le +33 6 12 34 56 78",
    "Joueurs Info Service : 09 74 75 13 13",
    "je suis le joueur P1003",
    "mon ticket T-2026-000123",
    "4111 1111 1111 1112",             # 16 digits, Luhn check fails
    "1234567890123",                   # 13 digits, Luhn check fails
    "FR76 3000 6000 0112 3456 7890 188",  # mod-97 check fails
    "conversation 3f2a1234567890123456789b0c1d2e3f",  # digits inside an identifier
    "montant 1 000 000 €, ref 2024-000123",
    "mon mail c'est pas dispo @ toute heure",
])
def test_amounts_dates_phones_ids_and_references_are_not_masked(text):
    assert mask(text) == text


def test_anything_but_text_is_returned_unchanged():
    assert mask(None) is None and mask(42) == 42 and mask("") == ""


def test_checksums():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("FR7630006000011234567890189") and not iban_valid("FR7630006000011234567890188")
    assert not iban_valid("FR76")


# --- logs -----------------------------------------------------------------------------------

def _logger_with_stream(name: str):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger(name)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, handler, stream


def test_the_filter_masks_messages_their_arguments_and_tracebacks():
    logger, handler, stream = _logger_with_stream("test_masking.filter")
    handler.addFilter(MaskingFilter())
    logger.info("Received user message '%s' from %s", f"carte {VISA}", "a@b.fr")
    try:
        raise ValueError(f"bad text {FR_IBAN}")
    except ValueError:
        logger.exception("failed")
    logger.info("a plain line with %d € and %s", 2300, "P1003")
    written = stream.getvalue()
    assert VISA not in written and "a@b.fr" not in written and FR_IBAN not in written
    assert "[carte masquée ****1111]" in written and "[e-mail masqué]" in written
    assert "[IBAN masqué ****0189]" in written and "ValueError" in written
    assert "a plain line with 2300 € and P1003" in written


def test_install_adds_the_filter_once_to_every_handler():
    logger, handler, stream = _logger_with_stream("test_masking.install")
    install_log_masking()
    install_log_masking()
    assert sum(isinstance(f, MaskingFilter) for f in handler.filters) == 1
    root_handlers = logging.getLogger().handlers
    assert all(any(isinstance(f, MaskingFilter) for f in h.filters) for h in root_handlers)
    logger.warning("jean.dupont@exemple.fr a écrit %s", VISA)
    assert stream.getvalue() == "WARNING [e-mail masqué] a écrit [carte masquée ****1111]\n"
