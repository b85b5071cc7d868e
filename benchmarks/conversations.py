"""Scripted conversations for the load benchmark, six turns each.

The project's are French support conversations (logged-in demo players with a signed
token, and an anonymous visitor): greeting, a question, the player's own account, the
late withdrawal of P1004 that escalates (the chat is open with no agent online: the bot
offers a ticket, the player takes it), thanks and goodbye. The
`rasa init` bot's use its own English intents. Each slot draws one of several wordings.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import List, Optional, Sequence

TURNS = 6


@dataclass(frozen=True)
class Conversation:
    kind: str
    lines: Sequence[str]
    player: Optional[str] = None  # demo player id: a token goes with every message


GREET = ["bonjour", "bonsoir", "salut", "coucou", "bonjour, j'ai une question", "bsr"]
THANKS = ["merci", "merci beaucoup", "super merci", "merci pour votre aide",
          "parfait merci", "c'est gentil, merci"]
BYE = ["au revoir", "bonne soirée", "a plus", "bye", "bonne nuit", "a la prochaine"]
WITHDRAW = ["comment je retire mes gains ?", "je voudrais faire un retrait",
            "comment on récupère ses gains", "combien de temps prend un retrait ?",
            "jveux retirer mes gains"]
WITHDRAW_NOW = ["je peux retirer maintenant ?", "je peux faire un retrait maintenant ?",
                "est ce que je peux retirer mes gains ?"]
VERIFY = ["est ce que mon compte est validé ?", "mes documents sont bien acceptés ?",
          "ou en est la vérification de mon compte", "mon compte est vérifié ?"]

# kind -> (player, slots); each slot is a list of wordings.
PROJECT_SCRIPTS = {
    "withdraw (P1001)": ("P1001", [GREET, WITHDRAW, VERIFY, WITHDRAW_NOW, THANKS, BYE]),
    "bonus wagering (P1003)": ("P1003", [
        GREET,
        ["c'est quoi les conditions de mise du bonus ?", "comment marche le wager du bonus",
         "j'ai un bonus de bienvenue, je dois miser combien ?"],
        ["il me reste combien à miser sur mon bonus ?", "ou j'en suis de mes mises pour le bonus",
         "combien je dois encore jouer pour débloquer le bonus"],
        WITHDRAW_NOW, THANKS, BYE]),
    "late payment, ticket (P1004)": ("P1004", [
        GREET,
        ["mon retrait n'est toujours pas arrivé", "j'attends mon virement depuis plus d'une semaine",
         "ca fait 9 jours que j'attends mon retrait"],
        # The "Laisser un ticket" button the bot offers: a verified player's ticket is
        # created at once (e-mail from the account, the question as description).
        ["/contact_support_ticket"],
        VERIFY, THANKS, BYE]),
    "documents (P1002)": ("P1002", [GREET, VERIFY,
                                    ["quels documents je dois envoyer ?",
                                     "il vous faut quoi comme justificatif de domicile ?"],
                                    WITHDRAW_NOW, THANKS, BYE]),
    "anonymous visitor": (None, [GREET, WITHDRAW, VERIFY,
                                 ["vous êtes un robot ?", "c'est un robot qui me répond ?", "t'es un bot ?"],
                                 THANKS, BYE]),
}

INIT_GREET = ["hello", "hi", "hey", "good morning", "hey there", "hi there"]
INIT_SAD = ["I am sad", "not good", "very bad", "I'm feeling down", "so sad"]
INIT_ANSWER = ["yes", "yes it did", "indeed", "no", "not really"]
INIT_BOT = ["are you a bot?", "am I talking to a human?", "are you a human?"]
INIT_GREAT = ["great", "I am amazing", "feeling wonderful", "very good"]
INIT_BYE = ["bye", "goodbye", "see you later", "good night"]
INIT_SCRIPTS = {
    "sad then better": (None, [INIT_GREET, INIT_SAD, INIT_ANSWER, INIT_BOT, INIT_GREAT, INIT_BYE]),
    "happy": (None, [INIT_GREET, INIT_GREAT, INIT_BOT, INIT_SAD, INIT_ANSWER, INIT_BYE]),
}


def pool(scripts: dict, size: int = 100, seed: int = 5) -> List[Conversation]:
    """`size` conversations, kinds in turn, one random wording per slot (seeded)."""
    rng = random.Random(seed)
    kinds = list(scripts)
    conversations = []
    for index in range(size):
        kind = kinds[index % len(kinds)]
        player, slots = scripts[kind]
        assert len(slots) == TURNS, kind
        conversations.append(Conversation(kind, [rng.choice(slot) for slot in slots], player))
    return conversations
