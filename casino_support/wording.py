"""How the conversation itself is said in French: what the bot says around the answers
(several questions, a follow-up without a topic, self-help that did not work) and the
quick replies it offers. The answers' own sentences are in answers.py (general) and
account_answers.py (the player's account).
"""
from __future__ import annotations

from typing import Dict, List, Sequence

from casino_support.answers import aspect_button
from casino_support.questions import Question

ANYTHING_ELSE = "Puis-je vous aider pour autre chose ?"
UNKNOWN_PLAYER = ("Je ne retrouve pas votre compte joueur. Reconnectez-vous sur le site ; si cela "
                  "continue, un conseiller vérifiera.")
FOLLOW_UP_WITHOUT_TOPIC = ("Je n'ai pas bien compris de quoi vous parlez : un retrait, un dépôt, "
                           "la validation de votre compte, un bonus… ?")

HUMAN_BUTTON = {"title": "Parler à un conseiller", "payload": "/human_handoff"}
TICKET_BUTTON = {"title": "Laisser un ticket", "payload": "/contact_support_ticket"}

TOPIC_BUTTONS: List[Dict[str, str]] = [
    aspect_button("Un retrait", "withdraw", "how"),
    aspect_button("Un dépôt", "deposit", "how"),
    aspect_button("Valider mon compte", "verify_account", "how"),
    aspect_button("Un bonus", "bonus", "overview"),
]

# What each topic and aspect is called, to head an answer among several.
TOPIC_NAMES = {
    "register": "Inscription", "deposit": "Dépôt", "deposit_failed": "Dépôt refusé",
    "withdraw": "Retrait", "late_payment": "Retrait en attente",
    "account_access": "Connexion", "verify_account": "Validation du compte", "bonus": "Bonus",
    "bonus_cancel": "Annuler un bonus", "contact_support": "Nous contacter",
    "operator_licence": "Licence", "responsible_gambling": "Jeu responsable",
    "human_handoff": "Conseiller", "complain": "Réclamation",
}
ASPECT_NAMES = {
    "delay": "délais", "fees": "frais", "limits": "minimum et maximum", "methods": "moyens de paiement",
    "blocked": "retrait bloqué", "cancel": "annulation", "documents": "documents",
    "where_to_send": "envoi des documents", "rejected": "document refusé",
    "welcome": "offre de bienvenue", "wagering": "conditions de mise", "expiry": "validité",
    "free_spins": "tours gratuits", "cashback": "cashback", "vip": "programme VIP",
    "not_received": "bonus non reçu", "password": "mot de passe", "code": "code de vérification",
    "locked": "compte bloqué", "close": "fermeture du compte",
    "change_details": "changer ses informations", "confirmation_email": "e-mail de confirmation",
    "second_account": "deuxième compte", "conditions": "conditions", "pause": "pause",
    "reality_check": "rappel de session", "self_exclusion": "auto-exclusion",
    "come_back": "fin de l'exclusion", "distress": "aide", "helpline": "ligne d'aide",
    "hours": "horaires", "email": "e-mail", "phone": "téléphone", "complaint": "réclamation",
}


def question_title(question: Question) -> str:
    """« Retrait (délais) », « Licence »: what a question is about, in a few words."""
    topic = TOPIC_NAMES.get(question.topic, question.topic)
    aspect = ASPECT_NAMES.get(question.aspect)
    return f"{topic} ({aspect})" if aspect else topic


def question_heading(question: Question) -> str:
    """What heads one answer among several in one reply."""
    return f"{question_title(question)} :"


def questions_left(questions: Sequence[Question]) -> str:
    titles = ", ".join(question_title(question) for question in questions)
    return f"Vous avez aussi demandé : {titles}. Voulez-vous que j'y réponde ?"


def question_buttons(questions: Sequence[Question]) -> List[Dict[str, str]]:
    return [aspect_button(question_title(question), question.topic, question.aspect)
            for question in questions]


def self_help_failed(chat_open: bool) -> str:
    if chat_open:
        return ("Désolé que ça ne fonctionne toujours pas. Plutôt que de vous redonner les mêmes "
                "conseils, un conseiller peut regarder votre cas avec vous maintenant, ou vous "
                "pouvez laisser un ticket.")
    return ("Désolé que ça ne fonctionne toujours pas. Plutôt que de vous redonner les mêmes "
            "conseils : le chat avec un conseiller est fermé en ce moment, mais je peux créer un "
            "ticket pour que notre équipe regarde votre cas.")


def asked_again(chat_open: bool) -> str:
    """After the answer to a self-help question asked a second time."""
    if chat_open:
        return ("Si cela ne règle toujours pas votre problème, un conseiller peut regarder votre "
                "cas avec vous maintenant, ou vous pouvez laisser un ticket.")
    return ("Si cela ne règle toujours pas votre problème, je peux créer un ticket pour que notre "
            "équipe regarde votre cas (le chat avec un conseiller est fermé en ce moment).")


def person_buttons(chat_open: bool) -> List[Dict[str, str]]:
    return [HUMAN_BUTTON, TICKET_BUTTON] if chat_open else [TICKET_BUTTON]
