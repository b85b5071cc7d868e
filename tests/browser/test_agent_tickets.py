"""A ticket worked in the agent console, in Chromium: opened with its transcript and the
account snapshot, answered by e-mail (a real SMTP server receives it), an internal note,
pending then solved after a confirmation; the deadline in the operator's zone, whatever
the agent's browser says."""
from __future__ import annotations

import os
import re
import time
from datetime import datetime, timedelta, timezone

import yaml
from playwright.sync_api import expect

from browser_pages import Console
from tests.smtp_server import body_of, smtp_server

SUPPORT_ADDRESS = "support@casino-lumiere.example"


def use_mail_server(path, port):
    """The servers' support.yml with a mail section for this SMTP server (re-read live)."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["mail"] = {"host": "127.0.0.1", "port": port, "security": "none",
                   "send_interval_seconds": 1, "timeout_seconds": 5}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stamp = time.time() + 1
    os.utime(path, (stamp, stamp))


def test_an_agent_opens_answers_notes_and_solves_a_ticket(browser, servers, shot):
    from casino_support import accounts, ticket_desk, tickets
    from casino_support.ticket_mail import list_mails

    database = servers.database()
    now = datetime.now(timezone.utc)
    transcript = [
        {"sender": "user", "text": "mon retrait de 500 € n'arrive pas <b>toujours rien</b>",
         "at": (now - timedelta(days=5, minutes=3)).timestamp()},
        {"sender": "bot", "text": f"Écrivez-nous à {SUPPORT_ADDRESS} ou laissez un ticket.",
         "buttons": [{"title": "Attendre un conseiller", "payload": "/human_handoff_wait"}],
         "at": (now - timedelta(days=5, minutes=2)).timestamp()},
        {"sender": "user", "text": "Attendre un conseiller", "payload": "/human_handoff_wait",
         "at": (now - timedelta(days=5, minutes=1)).timestamp()},
    ]
    snapshot = accounts.account_snapshot(database, "P1004")
    with smtp_server() as inbox:
        use_mail_server(servers.work / "support.yml", inbox.port)
        try:
            ticket = tickets.create_ticket(
                database, conversation_id="conv-ticket-browser", player_id="P1004", email=None,
                category="payments", priority="high", reason="late_payment",
                summary="Retrait de 500 € en retard", description="Retrait de 500 € en retard",
                transcript=transcript, account_snapshot=snapshot, now=now - timedelta(days=5))
            reference = ticket.reference
            # The agent's browser is in New York: the console still shows Paris time.
            context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="fr-FR",
                                          timezone_id="America/New_York", base_url=servers.url)
            context.set_default_timeout(30_000)
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("dialog", lambda dialog: (errors.append(dialog.message), dialog.dismiss()))
            Console(page).login(servers.agent_name, servers.agent_password)
            page.get_by_role("tab", name=re.compile("Tickets")).click()

            row = page.locator(f"tr[data-reference='{reference}']")
            expect(row).to_have_class(re.compile(r"\bticket--overdue\b"))
            paris = ticket_desk.local_time(ticket.due_at)
            assert paris.endswith("(Europe/Paris)")
            expect(row.locator(".ticket__due")).to_contain_text(paris)
            page.get_by_role("button", name=f"Ouvrir le ticket {reference}").click()

            view = page.locator("#ticket-view")
            expect(view.locator("#ticket-view-title")).to_have_text(f"Ticket {reference}")
            expect(view.locator("#ticket-due")).to_contain_text(f"Échéance : {paris}")
            expect(view.locator("#ticket-due .badge--late")).to_have_text("en retard")
            expect(view.locator("#ticket-email")).to_contain_text("antoine.moreau@example.com")
            # Transcript: the bot's text as sent (its address unmasked), the button by its title.
            lines = view.locator("#ticket-transcript .line__text")
            expect(lines).to_have_count(3)
            expect(lines.nth(0)).to_have_text("mon retrait de 500 € n'arrive pas <b>toujours rien</b>")
            expect(lines.nth(1)).to_contain_text(SUPPORT_ADDRESS)
            expect(view.locator("#ticket-transcript .line__buttons")).to_contain_text(
                "Attendre un conseiller")
            expect(lines.nth(2)).to_have_text("Attendre un conseiller")
            expect(view.locator("#ticket-transcript .line--user .line__who").nth(1)).to_contain_text(
                "bouton choisi")
            assert "/human_handoff_wait" not in view.locator("#ticket-transcript").inner_text()
            assert view.locator("#ticket-transcript b").count() == 0
            # The account panel of the console, from the snapshot.
            account = view.locator("#ticket-account")
            expect(account).to_contain_text("Antoine Moreau")
            expect(account).to_contain_text("500,00")
            expect(account.locator(".badge--late")).to_have_text("en retard")
            shot(page, "ticket-opened", full_page=True)

            view.get_by_label(re.compile("Répondre au joueur par e-mail")).fill(
                "Bonjour Antoine, votre virement de 500 € est parti ce matin.")
            view.get_by_role("button", name="Envoyer l'e-mail").click()
            reply_event = view.locator("#ticket-events [data-kind='reply']")
            expect(reply_event).to_contain_text("votre virement de 500 € est parti ce matin")
            expect(reply_event).to_contain_text("alice")
            # Sent by the Rasa server's background sender; the open ticket refreshes itself.
            expect(reply_event.locator(".badge")).to_have_text("e-mail envoyé", timeout=30_000)
            ack, reply = inbox.wait_for(2, timeout=30)
            assert reference in ack["Subject"] and ack["To"] == "antoine.moreau@example.com"
            assert reply["To"] == "antoine.moreau@example.com" and reference in reply["Subject"]
            assert "votre virement de 500 € est parti ce matin" in body_of(reply)

            view.get_by_label("Note interne sur le ticket (jamais envoyée au joueur)").fill(
                "Vérifié avec la banque : OK.")
            view.get_by_role("button", name="Ajouter la note au ticket").click()
            expect(view.locator("#ticket-events [data-kind='note']")).to_contain_text(
                "Vérifié avec la banque : OK.")

            view.locator("[data-status='pending']").click()
            expect(view.locator("[data-status='pending']")).to_have_attribute("aria-pressed", "true")
            expect(view.locator("#ticket-events [data-kind='status']")).to_contain_text(
                "Ouvert → En attente du joueur")
            expect(row).not_to_have_class(re.compile(r"\bticket--overdue\b"))  # the player's move
            shot(page, "ticket-pending", full_page=True)

            view.locator("[data-status='solved']").click()
            confirm = page.get_by_role("alertdialog", name="Confirmer la résolution")
            expect(confirm).to_be_visible()
            shot(page, "ticket-solve-confirmation", full_page=True)
            confirm.get_by_role("button", name="Oui, marquer résolu").click()
            expect(view.locator("[data-status='solved']")).to_have_attribute("aria-pressed", "true")
            expect(row).to_have_count(0)  # solved tickets are hidden by default
            shot(page, "ticket-solved", full_page=True)

            assert tickets.get_ticket(database, reference).status == "solved"
            kinds = [e.kind for e in ticket_desk.ticket_events(database, reference)]
            assert kinds == ["reply", "note", "status", "status"]
            assert [m.status for m in list_mails(database, reference)] == ["sent", "sent"]
            assert errors == []
            body = body_of(reply)
            assert "P1003" not in body and "Bonjour Antoine" in body
            context.close()
        finally:
            raw = yaml.safe_load((servers.work / "support.yml").read_text(encoding="utf-8"))
            raw.pop("mail", None)
            (servers.work / "support.yml").write_text(
                yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
