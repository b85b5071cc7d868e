"""What agents see (transcripts, live messages, tickets, queue) is masked; the contact
e-mail of a ticket is not."""
from rasa.shared.core.events import BotUttered, UserUttered

from casino_connector.agent_api import masked_for_agents
from casino_connector.transcript import NEUTRALISED_PREFIX, transcript

CARD = "4111 1111 1111 1111"
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def test_the_transcript_masks_what_the_player_and_the_bot_wrote():
    lines = transcript([
        UserUttered(f"ma carte {CARD} a été débitée", timestamp=1.0),
        BotUttered("Je note l'adresse jean.dupont@exemple.fr.", timestamp=2.0),
        UserUttered(NEUTRALISED_PREFIX + f"/inform{{\"iban\": \"{IBAN}\"}}", timestamp=3.0),
        UserUttered("il me reste 2 300 € à miser, je suis P1003", timestamp=4.0),
    ])
    assert [line["text"] for line in lines] == [
        "ma carte [carte masquée ****1111] a été débitée",
        "Je note l'adresse [e-mail masqué].",
        '/inform{"iban": "[IBAN masqué ****0189]"}',
        "il me reste 2 300 € à miser, je suis P1003",
    ]


def test_tickets_are_masked_but_keep_their_contact_email():
    ticket = {
        "reference": "T-2026-000123", "player_id": None, "email": "jean.dupont@exemple.fr",
        "summary": f"Remboursement sur la carte {CARD}",
        "description": f"Virement sur {IBAN} svp, ou écrivez à jean.dupont@exemple.fr",
        "transcript": [{"sender": "user", "text": f"carte {CARD}", "at": 1.0}],
        "account_snapshot": {"withdrawals": [{"amount": "500.00"}]},
    }
    [masked] = masked_for_agents([ticket])
    assert masked["email"] == "jean.dupont@exemple.fr" and masked["reference"] == "T-2026-000123"
    assert masked["summary"] == "Remboursement sur la carte [carte masquée ****1111]"
    assert masked["description"] == ("Virement sur [IBAN masqué ****0189] svp, ou écrivez à "
                                     "[e-mail masqué]")
    assert masked["transcript"] == [{"sender": "user", "text": "carte [carte masquée ****1111]",
                                     "at": 1.0}]
    assert masked["account_snapshot"] == ticket["account_snapshot"]
    assert ticket["summary"].endswith(CARD)  # the original is not changed


def test_queue_reasons_are_masked():
    assert masked_for_agents({"conversation_id": "c1", "reason": f"carte {CARD}"})["reason"] == \
        "carte [carte masquée ****1111]"
    assert masked_for_agents(None) is None
