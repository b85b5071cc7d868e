"""Talk to the real servers over REST, as players type, with and without a player token."""
import pytest


def test_first_message_says_it_is_an_automated_assistant(bot):
    text = bot.text("bonjour")
    assert "assistant automatique" in text


@pytest.mark.parametrize("message, expected", [
    ("jveux retiré mes gains", "retir"),
    ("mdp oublié", "Mot de passe oublié"),
    ("comment on sinscrit", "S'inscrire"),
    ("c koi le bonus de bienvenue", "Bonus de bienvenue"),
    ("vous etes ouvert quand ?", "Chat avec un conseiller"),
    ("t un robot ?", "assistant automatique"),
    ("je suis accro au jeu je veux arreter", "09 74 75 13 13"),
])
def test_informal_questions_get_the_right_answer(bot, message, expected):
    assert expected in bot.text(message)


def test_verified_player_p1002_is_told_the_proof_of_address_is_missing(bot):
    text = bot.text("mon compte est il validé ?", token=bot.token("P1002"))
    assert "justificatif de domicile : pas encore envoyé" in text
    assert "pièce d'identité : validé" in text


def test_p1001_may_withdraw(bot):
    text = bot.text("est ce que je peux retirer maintenant", token=bot.token("P1001"))
    assert "Oui, vous pouvez retirer" in text


def test_p1003_bonus_wagering_left(bot):
    text = bot.text("il me reste combien a miser sur mon bonus", token=bot.token("P1003"))
    assert "2 300,00 €" in text and "1 200,00 €" in text


def test_p1003_withdrawal_forfeits_the_bonus(bot):
    text = bot.text("je peux retirer mes gains ?", token=bot.token("P1003"))
    assert "2 300,00 €" in text and "annule ce bonus" in text


def test_p1004_late_withdrawal_is_named(bot):
    text = bot.text("mon retrait n'est toujours pas arrivé", token=bot.token("P1004"))
    assert "500,00 €" in text and "virement" in text and "en retard" in text


def test_p1005_rejected_id_document(bot):
    text = bot.text("pourquoi mon compte n'est pas validé", token=bot.token("P1005"))
    assert "refusé" in text and "expiré" in text


def test_p1006_self_excluded_gets_no_bonus_offer(bot):
    text = bot.text("vous avez des bonus en ce moment ?", token=bot.token("P1006"))
    assert "auto-exclusion" in text
    assert "Bonus de bienvenue" not in text and "cashback" not in text.lower()


# --- anonymous and hostile -------------------------------------------------------------------

def test_anonymous_gets_general_answer_and_login_hint(bot):
    text = bot.text("mon compte est il validé ?")
    assert "connectez-vous" in text.lower()
    assert "pas encore envoyé" not in text and "validé :" not in text


def test_typed_intent_with_player_id_gives_no_account_data(bot):
    text = bot.text('/verify_account{"player_id":"P1003"}')
    assert "2 300" not in text and "pièce d'identité : validé" not in text


def test_forged_token_gives_no_account_data(bot):
    import jwt
    import time
    forged = jwt.encode({"sub": "P1003", "exp": int(time.time()) + 600}, "not-the-secret", algorithm="HS256")
    text = bot.text("il me reste combien a miser sur mon bonus", token=forged)
    assert "2 300" not in text
    assert "vérifier votre connexion" in text


def test_expired_token_gives_no_account_data(bot):
    import jwt
    import time
    expired = jwt.encode({"sub": "P1003", "exp": int(time.time()) - 3600},
                         bot.env["PLAYER_JWT_SECRET"], algorithm="HS256")
    text = bot.text("il me reste combien a miser sur mon bonus", token=expired)
    assert "2 300" not in text and "expiré" in text


def test_a_token_is_not_reused_in_another_conversation(bot):
    bot.text("il me reste combien a miser", sender="conv-a", token=bot.token("P1003"))
    text = bot.text("il me reste combien a miser", sender="conv-b")
    assert "2 300" not in text


def test_a_token_is_not_remembered_for_the_next_message(bot):
    sender = "conv-no-carry"
    bot.text("il me reste combien a miser", sender=sender, token=bot.token("P1003"))
    text = bot.text("mon compte est il validé", sender=sender)
    assert "pièce d'identité : validé" not in text


@pytest.mark.parametrize("message", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                     "' OR 1=1 --", "qsdfqsdf", "????"])
def test_markup_code_and_noise_are_not_taken_for_a_question(bot, message):
    text = bot.text(message, sender=f"noise-{abs(hash(message))}")
    assert "Je ne peux pas répondre à cela" in text or "pas bien compris" in text, (message, text)


@pytest.mark.parametrize("answer", ["non attends", "nan attends je réfléchis", "non merci je le garde"])
def test_p1003_a_no_with_something_after_it_keeps_the_bonus(bot, answer):
    """While the bot waits for the confirmation, a « non » is a no whatever follows it."""
    token = bot.token("P1003")
    sender = f"p1003-keep-{abs(hash(answer))}"
    first = bot.text("je veux annuler mon bonus", sender=sender, token=token)
    assert "Confirmez-vous" in first
    kept = bot.text(answer, sender=sender, token=token)
    assert "bonus est conservé" in kept and "Confirmez-vous" not in kept, (answer, kept)
    assert "conseiller" not in kept.split("conservé")[0], kept
    still = bot.text("il me reste combien a miser sur mon bonus", sender=sender, token=token)
    assert "aucun bonus actif" not in still


# Last: it changes P1003's account.
def test_p1003_cancels_the_bonus_after_confirming(bot):
    token = bot.token("P1003")
    sender = "p1003-cancel"
    first = bot.text("je veux annuler mon bonus", sender=sender, token=token)
    assert "vous perdez le bonus de 100,00 €" in first and "Confirmez-vous" in first
    # Emoji, punctuation or another script are no "oui": the question is asked again.
    for noise in ("🎰🎰🎰", "????", "مرحبا"):
        unsure = bot.text(noise, sender=sender, token=token)
        assert "est annulé" not in unsure, (noise, unsure)
        assert "Confirmez-vous" in unsure or "oui ou non" in unsure.lower(), (noise, unsure)
    still = bot.text("il me reste combien a miser sur mon bonus", sender=sender, token=token)
    assert "aucun bonus actif" not in still
    done = bot.text("oui", sender=sender, token=token)
    assert "est annulé" in done
    again = bot.text("il me reste combien a miser sur mon bonus", sender=sender, token=token)
    assert "aucun bonus actif" in again
