"""A logged-in player sets a weekly deposit limit from the widget, with the quick replies
(spec: the in-chat protection flow), in Chromium; screenshots results/screenshots/protection-*."""
from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from browser_pages import Widget


def test_protection_weekly_limit_from_the_widget(new_page, servers, shot):
    from casino_support.models import DepositLimit

    page = new_page("player")
    widget = Widget(page).goto(player_token=servers.player_token("P1001"))
    widget.open()

    widget.say_and_wait("je voudrais limiter mes dépôts", "Sur quelle période")
    group = page.get_by_role("group", name="Réponses proposées").last
    weekly = group.get_by_role("button", name="Par semaine")
    expect(weekly).to_be_enabled()
    before = widget.messages("bot").count()
    weekly.click()
    expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text("Par semaine")
    widget.wait_for("bot", "Quel montant maximum", after=before)

    confirmation = widget.say_and_wait("80", "Je l'enregistre ?")
    assert "80,00 €" in confirmation and "par semaine" in confirmation, confirmation
    group = page.get_by_role("group", name="Réponses proposées").last
    confirm = group.get_by_role("button", name="Oui, je confirme")
    expect(group.get_by_role("button", name="Non, ne rien changer")).to_be_enabled()
    expect(confirm).to_be_enabled()
    shot(page, "confirmation")

    before = widget.messages("bot").count()
    confirm.click()
    expect(widget.messages("user").last.locator(".cw-msg__text")).to_have_text("Oui, je confirme")
    done = widget.wait_for("bot", "C'est fait", after=before)
    assert "80,00 €" in done, done
    shot(page, "done")
    page.watch.assert_quiet()

    with servers.database().session_scope() as session:
        rows = [(r.period, r.amount, r.actor) for r in session.execute(
            select(DepositLimit).where(DepositLimit.player_id == "P1001")).scalars()]
    assert len(rows) == 1, rows
    period, amount, actor = rows[0]
    assert period == "week" and amount == Decimal("80") and "P1001" in actor, rows
