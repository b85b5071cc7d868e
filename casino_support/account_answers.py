"""French answers about the player's own account, from what accounts.py read.

Never invents: every amount, date, delay and status comes from the result objects or
from support.yml.
"""
from __future__ import annotations

from datetime import datetime
from typing import List, Optional, Sequence

from casino_support.accounts import (
    BLOCKER_ACCOUNT_SUSPENDED, BLOCKER_SELF_EXCLUDED, BonusStatus, CancelledBonus,
    PlayerSummary, VerificationStatus, WithdrawalEligibility, WithdrawalStatus,
)
from casino_support.answers import Answer, Answers, bullets, document_name, join_fr
from casino_support.config import SupportConfig
from casino_support.formatting import format_amount, format_date, format_days

STATUS_WORDS = {
    "accepted": "validé",
    "pending": "en cours de vérification",
    "missing": "pas encore envoyé",
    "rejected": "refusé",
}
FEMININE_DOCUMENTS = {"piece_identite"}
WITHDRAWAL_STATUS_WORDS = {"pending": "en attente", "processing": "en cours de traitement"}


def status_word(doc_type: str, status: str) -> str:
    word = STATUS_WORDS.get(status, status)
    if doc_type in FEMININE_DOCUMENTS and status in ("accepted", "missing", "rejected"):
        word += "e"
    return word


def method_label(config: SupportConfig, key: str) -> str:
    method = config.payment_methods.get(key)
    return method.label if method else key


def _tz(config: SupportConfig) -> str:
    return config.timezone


# --- account validation -----------------------------------------------------------------

def verification_lines(verification: VerificationStatus) -> List[str]:
    lines = []
    for doc in verification.documents:
        line = f"{document_name(doc.doc_type)} : {status_word(doc.doc_type, doc.status)}"
        if doc.status == "rejected" and doc.rejection_reason:
            line += f" (motif : {doc.rejection_reason})"
        lines.append(line)
    return lines


def verification_answer(verification: VerificationStatus, config: SupportConfig) -> Answer:
    settings = config.verification
    if verification.validated:
        return Answer(["Bonne nouvelle : votre compte est validé, tous vos documents sont "
                       "acceptés :\n" + bullets(verification_lines(verification))])
    messages = ["Votre compte n'est pas encore validé :\n" + bullets(verification_lines(verification))]
    to_send = [*verification.missing, *verification.rejected]
    if to_send:
        needed = [settings["documents"].get(doc, document_name(doc)) for doc in to_send]
        messages.append(
            "À envoyer : " + join_fr(needed) + f". Depuis {settings['upload_path']} "
            f"({settings['formats']}) ; vérification sous {settings['review_hours']} heures. "
            "Les retraits restent bloqués jusque-là."
        )
    elif verification.pending:
        messages.append(f"Nous vérifions vos documents sous {settings['review_hours']} heures ; "
                        "vous serez prévenu par e-mail. Rien d'autre à faire pour l'instant.")
    return Answer(messages)


# --- bonus ---------------------------------------------------------------------------------

def bonus_lines(bonus: BonusStatus, config: SupportConfig) -> List[str]:
    lines = [
        f"montant du bonus : {format_amount(bonus.amount)}",
        f"mises demandées : {format_amount(bonus.wagering_required)}, déjà misé "
        f"{format_amount(bonus.wagering_done)}, reste à miser {format_amount(bonus.wagering_left)}",
    ]
    if bonus.max_bet is not None:
        lines.append(f"mise maximale pendant le bonus : {format_amount(bonus.max_bet)} par partie")
    if bonus.expires_at is not None:
        lines.append(f"expire le {format_date(bonus.expires_at, _tz(config))}")
    return lines


def bonus_answer(bonus: Optional[BonusStatus], player: PlayerSummary,
                 config: SupportConfig) -> Answer:
    if player.self_excluded:
        return self_exclusion_answer(player, config)
    if bonus is None:
        return Answer(["Vous n'avez aucun bonus actif en ce moment : rien ne bloque vos "
                       "retraits de ce côté."])
    messages = [f"Votre bonus « {bonus.name} » :\n" + bullets(bonus_lines(bonus, config))]
    if bonus.blocks_withdrawal:
        messages.append(
            "Tant qu'il reste des mises à faire, un retrait annule le bonus et les gains qui en "
            "viennent. Vous pouvez aussi annuler le bonus vous-même si vous préférez retirer "
            f"librement ({config.bonuses['cancel_path']}, ou dites-le-moi)."
        )
    return Answer(messages)


def bonus_cancel_prompt(bonus: BonusStatus, config: SupportConfig) -> str:
    return (
        f"Si vous annulez votre bonus « {bonus.name} », vous perdez le bonus de "
        f"{format_amount(bonus.amount)} et les gains obtenus avec lui ; les "
        f"{format_amount(bonus.wagering_done)} déjà misés ne comptent plus. Votre argent "
        "déposé reste à vous et vous pourrez retirer sans condition de mise. Je peux "
        f"l'annuler pour vous ici, ou vous pouvez le faire vous-même : {config.bonuses['cancel_path']}."
    )


def bonus_cancelled_answer(cancelled: CancelledBonus) -> Answer:
    return Answer([
        f"C'est fait : votre bonus « {cancelled.name} » de {format_amount(cancelled.amount)} est "
        "annulé. Plus aucune condition de mise ne bloque vos retraits. L'annulation est "
        "enregistrée sur votre compte."
    ])


def self_exclusion_answer(player: PlayerSummary, config: SupportConfig) -> Answer:
    until = (f" jusqu'au {format_date(player.self_excluded_until)}"
             if player.self_excluded_until else "")
    helpline = config.helpline(player.country)
    return Answer([
        f"Votre compte est en auto-exclusion{until} : l'accès au jeu est fermé et vous ne "
        "recevrez aucune offre ni aucun bonus pendant cette période.",
        f"Si vous avez besoin d'en parler : {helpline['name']}, {helpline['phone']} "
        f"({helpline['hours']}).",
    ])


# --- withdrawals ------------------------------------------------------------------------------

def withdrawal_line(item: WithdrawalStatus, config: SupportConfig) -> str:
    status = WITHDRAWAL_STATUS_WORDS.get(item.status, item.status)
    late = f", en retard (plus de {format_days(config.late_after_days)})" if item.late else ""
    return (f"{format_amount(item.amount)} par {method_label(config, item.method)}, demandé le "
            f"{format_date(item.requested_at, _tz(config))} (il y a {format_days(item.age_days)}), "
            f"{status}{late}")


def withdrawal_answer(eligibility: WithdrawalEligibility, config: SupportConfig,
                      now: datetime) -> Answer:
    verification = eligibility.verification
    if BLOCKER_SELF_EXCLUDED in eligibility.blockers:
        until = (f" jusqu'au {format_date(eligibility.self_excluded_until)}"
                 if eligibility.self_excluded_until else "")
        return Answer([
            f"Votre compte est en auto-exclusion{until}. Votre solde vous appartient : pour le "
            "retirer, un conseiller vérifie votre compte et fait le virement. "
            + Answers(config, now).reach_support()
        ])
    if BLOCKER_ACCOUNT_SUSPENDED in eligibility.blockers:
        return Answer(["Votre compte est suspendu : les retraits sont bloqués jusqu'à ce qu'un "
                       "conseiller le réactive. " + Answers(config, now).reach_support()])
    messages: List[str] = []
    if not verification.validated:
        messages.append("Pas encore : votre compte doit d'abord être validé.\n"
                        + bullets(verification_lines(verification)))
        messages.extend(verification_answer(verification, config).messages[1:])
    else:
        bonus = eligibility.bonus
        if bonus is not None and bonus.blocks_withdrawal:
            messages.append(
                "Votre compte est validé et vous pouvez demander un retrait, mais attention : il "
                f"vous reste {format_amount(bonus.wagering_left)} à miser sur votre bonus "
                f"« {bonus.name} » ({format_amount(bonus.amount)}). Retirer maintenant annule ce "
                "bonus et les gains qui en viennent. Vous pouvez aussi finir les mises, ou annuler "
                "le bonus vous-même."
            )
        else:
            limits = config.limits
            messages.append(
                "Oui, vous pouvez retirer : votre compte est validé et aucun bonus ne bloque. "
                f"Mon compte > Retrait, minimum {format_amount(limits['withdraw_min'])}."
            )
    if eligibility.pending_withdrawals:
        messages.append("Retraits déjà en cours :\n" + bullets(
            [withdrawal_line(item, config) for item in eligibility.pending_withdrawals]))
    return Answer(messages)


def normal_withdrawal_delay(withdrawals: Sequence[WithdrawalStatus], config: SupportConfig) -> str:
    """What the delay of these withdrawals' methods normally is (« normalement, c'est
    combien de temps ? » is the next question of a player whose withdrawal is late)."""
    methods = config.payment_methods
    delays = [f"{methods[key].label} : {methods[key].withdraw_delay}"
              for key in dict.fromkeys(item.method for item in withdrawals)
              if key in methods and methods[key].withdraw_delay]
    if not delays:
        return ""
    return (f"\nDélai normal : traitement sous {config.withdrawals['processing_days']} jours "
            "ouvrés, puis " + " ; ".join(delays) + ".")


def late_payment_answer(withdrawals: Sequence[WithdrawalStatus], config: SupportConfig,
                        now: datetime) -> Answer:
    answers = Answers(config, now)
    late_after = config.late_after_days
    if not withdrawals:
        return Answer([
            "Je ne vois aucun retrait en attente sur votre compte : les retraits déjà payés ne "
            "sont plus en attente de notre côté. Si un paiement annoncé comme envoyé n'est pas "
            "arrivé, vérifiez auprès de votre banque ou portefeuille (délais ci-dessous), puis "
            "contactez-nous avec le relevé.",
            answers.withdrawal_delays(),
        ])
    late = [item for item in withdrawals if item.late]
    on_time = [item for item in withdrawals if not item.late]
    messages = []
    if late:
        messages.append(
            f"Vous avez raison, ce retrait est en retard (plus de {format_days(late_after)}) :\n"
            + bullets([withdrawal_line(item, config) for item in late])
            + normal_withdrawal_delay(late, config)
        )
        messages.append("Ce retard doit être traité par notre équipe paiements. "
                        + answers.reach_support())
    if on_time:
        messages.append(
            "Dans les délais normaux :\n" + bullets([withdrawal_line(item, config) for item in on_time])
            + f"\nNous traitons chaque retrait sous {config.withdrawals['processing_days']} jours "
            "ouvrés, puis le délai du moyen de paiement s'ajoute."
        )
    return Answer(messages)
