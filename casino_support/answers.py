"""The bot's general French answers, built from support.yml.

Every operator fact (hours, channels, delays, methods, limits, licence, helplines) comes
from the configuration; nothing here repeats one. A topic's answer may depend on what the
player wrote (the sub-question: a forgotten password or a two-factor code) and on the
entities found (a payment method, a document type).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Callable, Dict, List, Optional, Sequence

from casino_support.config import SupportConfig
from casino_support.formatting import format_amount as money
from casino_support.support_hours import channel_hours, chat_hours


@dataclass
class Answer:
    """What the bot says: one or more messages, and quick replies (title, payload)."""

    messages: List[str]
    buttons: List[Dict[str, str]] = field(default_factory=list)
    # True when it answers a precise sub-question rather than the topic in general.
    specific: bool = False


@dataclass(frozen=True)
class Question:
    """What the player asked: the text and the entities understood in it."""

    text: str = ""
    payment_method: Optional[str] = None
    document_type: Optional[str] = None

    @property
    def plain(self) -> str:
        return plain_text(self.text)

    def mentions(self, pattern: str) -> bool:
        return re.search(pattern, self.plain) is not None


def plain_text(text: str) -> str:
    """Lower case, no accents, apostrophes as spaces: 'Mot de passe oublié' -> 'mot de passe oublie'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    without_accents = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[’'`]", " ", without_accents.lower())


def join_fr(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]


def bullets(lines: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in lines)


DOCUMENT_NAMES = {
    "piece_identite": "pièce d'identité",
    "justificatif_domicile": "justificatif de domicile",
    "rib": "RIB",
}


def document_name(doc_type: str) -> str:
    return DOCUMENT_NAMES.get(doc_type, doc_type.replace("_", " "))


class Answers:
    """General answers of every support topic, for one configuration and one moment."""

    def __init__(self, config: SupportConfig, now: datetime):
        self.config = config
        self.now = now

    # --- shared pieces -------------------------------------------------------------
    def methods(self, direction: str) -> List[str]:
        return [m.label for m in self.config.payment_methods.values() if getattr(m, direction)]

    def method(self, key: Optional[str]):
        return self.config.payment_methods.get(key) if key else None

    def chat_status(self) -> str:
        return chat_hours(self.config).status_sentence(self.now)

    def contact_lines(self) -> List[str]:
        channels = self.config.channels
        lines = []
        if "chat" in channels:
            hours = chat_hours(self.config)
            lines.append(
                f"Chat avec un conseiller : {hours.weekly_summary()} "
                f"({hours.status_sentence(self.now)})."
            )
        if "email" in channels:
            email = channels["email"]
            lines.append(f"E-mail : {email['address']}, réponse {email['response']}.")
        if "phone" in channels:
            phone = channels["phone"]
            hours = channel_hours(self.config, "phone")
            lines.append(
                f"Téléphone : {phone['number']} ({phone.get('cost', '')}), "
                f"{hours.weekly_summary()} ({hours.status_sentence(self.now)})."
            )
        if "contact_form" in channels:
            form = channels["contact_form"]
            lines.append(f"Formulaire de contact : {form['url']}, réponse {form['response']}.")
        if "forum" in channels:
            forum = channels["forum"]
            lines.append(f"Forum des joueurs : {forum['url']} ({forum['response']}).")
        return lines

    def reach_support(self) -> str:
        """One sentence on how to reach a human, true for this moment."""
        email = self.config.channels.get("email", {})
        if chat_hours(self.config).is_open(self.now):
            return (
                f"Le chat avec un conseiller est {self.chat_status()} : vous pouvez demander « parler à un "
                "conseiller »" + (f", ou écrire à {email['address']}." if email else ".")
            )
        return (
            f"Le chat avec un conseiller est {self.chat_status()}."
            + (f" Vous pouvez écrire dès maintenant à {email['address']} ({email['response']})."
               if email else "")
        )

    def helpline_sentence(self) -> str:
        line = self.config.helpline("FR")
        return (
            f"{line['name']} : {line['phone']} ({line['hours']}), {line['url']}. "
            "C'est gratuit, anonyme et confidentiel."
        )

    # --- registration ------------------------------------------------------------
    def register(self, q: Question) -> Answer:
        op = self.config.operator
        security = self.config.account_security
        age, countries = op["minimum_age"], join_fr(op["countries_served"])
        if q.mentions(r"\b(mail|e ?mail|courriel|confirmation|activ|lien)"):
            return Answer([
                "Si l'e-mail de confirmation n'arrive pas :\n" + bullets([
                    "vérifiez les courriers indésirables (spam) et l'onglet Promotions ;",
                    "vérifiez l'adresse saisie dans Mon compte > Mes informations ;",
                    "demandez un nouvel envoi depuis la page de connexion (« Renvoyer l'e-mail "
                    f"de confirmation ») ; le lien est valable {security['confirmation_link_validity']}.",
                ]),
                "Toujours rien après 30 minutes ? " + self.reach_support(),
            ])
        if q.mentions(r"\b(deja|deux|2|deuxieme|second|plusieurs|autre) (un )?comptes?\b|double compte"):
            return Answer([
                "Un seul compte est autorisé par personne, par foyer et par moyen de paiement. "
                "Si vous avez déjà un compte, utilisez « Mot de passe oublié » pour le récupérer "
                "plutôt que d'en ouvrir un autre : les comptes en double sont fermés."
            ])
        if q.mentions(r"refus|rejet|bloqu|impossible|erreur|marche pas|fonctionne pas|arrive pas|peux pas|pas possible"):
            return Answer([
                "Une inscription peut être refusée quand :\n" + bullets([
                    f"vous avez moins de {age} ans ;",
                    f"vous résidez hors des pays acceptés ({countries}) ;",
                    "un compte existe déjà à votre nom, à votre adresse ou avec le même moyen de paiement ;",
                    "vous êtes inscrit sur un registre d'auto-exclusion ;",
                    "les informations saisies ne correspondent pas à votre pièce d'identité.",
                ]),
                "Si aucun de ces cas ne vous concerne : " + self.reach_support(),
            ])
        if q.mentions(r"\b(age|ans|mineur|majeur|18|16|17)\b"):
            return Answer([
                f"Il faut avoir au moins {age} ans pour s'inscrire et jouer. L'âge est vérifié "
                "avec votre pièce d'identité avant le premier retrait ; un compte ouvert par un "
                "mineur est fermé."
            ])
        if q.mentions(r"pays|belg|suisse|canad|quebec|luxemb|france|etranger|resid|vpn|depuis"):
            return Answer([
                f"Nous acceptons les joueurs résidant en : {countries}. "
                f"Il faut avoir au moins {age} ans. L'utilisation d'un VPN pour jouer depuis un "
                "autre pays est interdite.",
                self.config.operator["licence"]["note"],
            ])
        return Answer([
            "Pour créer votre compte :\n" + bullets([
                "cliquez sur « S'inscrire » en haut de la page ;",
                "indiquez vos nom, prénom, date de naissance et adresse exacts (ils seront "
                "comparés à votre pièce d'identité) ;",
                "choisissez un mot de passe et validez l'e-mail de confirmation.",
            ]),
            f"Conditions : avoir au moins {age} ans et résider dans un pays accepté ({countries}). "
            f"Pour retirer vos gains, il faudra ensuite faire valider votre compte ({self.required_documents()}).",
        ])

    # --- deposits -----------------------------------------------------------------
    def deposit(self, q: Question) -> Answer:
        limits = self.config.limits
        method = self.method(q.payment_method)
        if q.payment_method and method is None:
            return Answer([
                "Ce moyen de paiement n'est pas accepté. Pour déposer, vous pouvez utiliser : "
                + join_fr(self.methods("deposit")) + "."
            ])
        if method is not None:
            if not method.deposit:
                return Answer([f"{method.label} n'est pas accepté pour les dépôts. Moyens acceptés : "
                               + join_fr(self.methods("deposit")) + "."])
            fee = "sans frais" if not method.fee else f"frais de {method.fee} %"
            return Answer([
                f"Oui, vous pouvez déposer par {method.label} : crédit {method.deposit_delay}, {fee}. "
                f"Dépôt minimum {money(limits['deposit_min'])}, maximum "
                f"{money(limits['deposit_max_per_day'])} par jour."
                + ("" if method.withdraw else
                   f" Attention : {method.label} ne permet pas les retraits, il vous faudra un autre moyen pour retirer.")
            ])
        if q.mentions(r"frais|commission|gratuit|payant|coute"):
            with_fees = [m.label for m in self.config.payment_methods.values() if m.deposit and m.fee]
            return Answer([
                "Les dépôts sont sans frais de notre part"
                + (f", sauf {join_fr(with_fees)}" if with_fees else "")
                + ". Votre banque ou votre portefeuille électronique peut appliquer ses propres frais."
            ])
        return Answer([
            "Pour déposer : Mon compte > Dépôt, choisissez le moyen de paiement et le montant.",
            "Moyens acceptés : " + join_fr(self.methods("deposit")) + ". "
            f"Dépôt minimum {money(limits['deposit_min'])}, maximum "
            f"{money(limits['deposit_max_per_day'])} par jour, {self.deposit_fees()}. "
            + self.deposit_delays(),
            "Un bonus peut vous être proposé au dépôt : vous êtes libre de le refuser.",
        ])

    def deposit_fees(self) -> str:
        with_fees = [f"{m.label} ({m.fee} %)" for m in self.config.payment_methods.values()
                     if m.deposit and m.fee]
        if not with_fees:
            return "sans frais de notre part"
        return "sans frais de notre part sauf " + join_fr(with_fees)

    def required_documents(self) -> str:
        return join_fr([document_name(key) for key in self.config.verification["documents"]])

    def deposit_delays(self) -> str:
        methods = [m for m in self.config.payment_methods.values() if m.deposit]
        slow = [f"{m.label} : {m.deposit_delay}" for m in methods if m.deposit_delay != "instantané"]
        if not slow:
            return "Le crédit est instantané."
        return "Le crédit est instantané, sauf " + join_fr(slow) + "."

    def deposit_failed(self, q: Question) -> Answer:
        limits = self.config.limits
        return Answer([
            "Un dépôt refusé vient le plus souvent de :\n" + bullets([
                "la validation 3D Secure non faite dans l'application de votre banque ;",
                "le plafond de paiement de votre carte atteint, ou une banque qui bloque les "
                "paiements vers les sites de jeu (appelez-la pour les autoriser) ;",
                f"un montant sous le minimum de {money(limits['deposit_min'])} ou au-dessus de "
                f"{money(limits['deposit_max_per_day'])} par jour ;",
                "une carte ou un compte qui n'est pas à votre nom (refusé par sécurité).",
            ]),
            "Si votre compte a été débité sans que le dépôt apparaisse sur votre solde : "
            "attendez 30 minutes (virement : le délai indiqué à la banque), puis contactez-nous "
            "avec la date, le montant et une capture du relevé ; nous retrouverons la transaction. "
            + self.reach_support(),
        ])

    # --- withdrawals --------------------------------------------------------------
    def withdrawal_delays(self) -> str:
        delays = [f"{m.label} : {m.withdraw_delay}" for m in self.config.payment_methods.values()
                  if m.withdraw and m.withdraw_delay]
        days = self.config.withdrawals["processing_days"]
        return (f"Nous traitons chaque demande sous {days} jours ouvrés au plus, puis le délai "
                "du moyen de paiement s'ajoute :\n" + bullets(delays))

    def withdraw(self, q: Question) -> Answer:
        limits = self.config.limits
        rules = self.config.withdrawals
        if q.mentions(r"annul|revenir sur|stopper|arreter|reverse|rembourser mon retrait|recuperer mon retrait"):
            if rules.get("cancellable_while_pending"):
                return Answer([
                    "Tant qu'un retrait est « en attente », vous pouvez l'annuler : Mon compte > "
                    "Retraits > Annuler. Le montant revient aussitôt sur votre solde. Une fois "
                    "le paiement envoyé, il ne peut plus être annulé."
                ])
            return Answer(["Un retrait demandé ne peut pas être annulé. " + self.reach_support()])
        method = self.method(q.payment_method)
        if q.payment_method and method is None:
            return Answer(["Ce moyen de paiement n'est pas proposé pour les retraits. Moyens possibles : "
                           + join_fr(self.methods("withdraw")) + "."])
        if method is not None and not method.withdraw:
            return Answer([
                f"Les retraits ne sont pas possibles vers {method.label}. Vous pouvez retirer par "
                + join_fr(self.methods("withdraw")) + " (de préférence le moyen déjà utilisé pour déposer)."
            ])
        if method is not None:
            return Answer([
                f"Oui, vous pouvez retirer par {method.label} : {method.withdraw_delay}. "
                f"Retrait minimum {money(limits['withdraw_min'])}."
            ])
        if q.mentions(r"combien de temps|delai|quand|jours|rapide|duree|long"):
            return Answer([self.withdrawal_delays()])
        same = (" Le retrait se fait en priorité vers le moyen utilisé pour déposer."
                if rules.get("same_method_rule") else "")
        return Answer([
            "Pour retirer vos gains : Mon compte > Retrait, choisissez le montant et le moyen de "
            f"paiement. Minimum {money(limits['withdraw_min'])}, maximum "
            f"{money(limits['withdraw_max_per_week'])} par semaine.{same}",
            f"Avant un premier retrait, votre compte doit être validé ({self.required_documents()}) ; "
            "un bonus dont les conditions de mise ne sont pas remplies est perdu si vous retirez.",
            self.withdrawal_delays(),
        ])

    def late_payment(self, q: Question) -> Answer:
        late = self.config.late_after_days
        return Answer([
            self.withdrawal_delays(),
            f"Au-delà de {late} jours sans paiement, le retrait est considéré en retard et "
            "notre équipe paiements doit vérifier. " + self.reach_support(),
        ])

    # --- account access -------------------------------------------------------------
    def account_access(self, q: Question) -> Answer:
        security = self.config.account_security
        if q.mentions(r"\b(code|sms|2fa|double|authentif|a2f|otp|google authenticator|verification en deux)"):
            return Answer([
                "Si le code de vérification n'arrive pas :\n" + bullets([
                    f"attendez 2 minutes, puis « Renvoyer le code » (un code vaut {security['verification_code_validity']}) ;",
                    "vérifiez le numéro de téléphone ou l'adresse e-mail de votre compte, et les spams ;",
                    "avec une application d'authentification, vérifiez que l'heure du téléphone est automatique.",
                ]),
                "Vous avez changé de numéro ou perdu le téléphone ? Un conseiller doit vérifier "
                "votre identité avant de désactiver la double authentification. " + self.reach_support(),
            ])
        if q.mentions(r"\b(fermer|fermeture|clotur\w*|supprim\w*|desactiver)\b.*\bcompte|compte.*\b(fermer|cloturer|supprimer)\b"):
            rg = self.config.responsible_gambling
            return Answer([
                "Pour fermer votre compte, demandez-le à un conseiller (chat ou e-mail) : votre "
                "solde vous est d'abord versé, puis le compte est fermé.",
                "Si vous voulez arrêter de jouer parce que le jeu prend trop de place, une "
                f"auto-exclusion ({rg['limits_path']}) bloque aussi la réouverture pendant sa "
                "durée, et vous pouvez être aidé : " + self.helpline_sentence(),
                self.reach_support(),
            ])
        if q.mentions(r"bloqu|suspendu|desactiv|verrouill|ferme|banni|gele|restreint"):
            return Answer([
                f"Après {security['lockout_after_failed_logins']} mots de passe erronés, le compte "
                f"est verrouillé {security['lockout_minutes']} minutes : attendez puis utilisez "
                "« Mot de passe oublié ».",
                "Un compte suspendu (vérification en cours, doublon, demande de jeu responsable) ne "
                "peut être débloqué que par un conseiller, qui vous dira pourquoi. "
                + self.reach_support(),
            ])
        if q.mentions(r"mot de passe|mdp|mot passe|password|pass\b|identifiant|mpd"):
            return Answer([
                "Mot de passe oublié : sur la page de connexion, cliquez « Mot de passe oublié ? », "
                "saisissez l'e-mail de votre compte et suivez le lien reçu (valable "
                f"{security['password_reset_link_validity']}, pensez aux spams). Choisissez un mot "
                f"de passe d'au moins {security['password_min_length']} caractères que vous "
                "n'utilisez nulle part ailleurs.",
                "Vous ne recevez pas l'e-mail ou n'avez plus accès à l'adresse ? " + self.reach_support(),
            ])
        return Answer([
            "Pour vous connecter : bouton « Connexion », avec l'e-mail et le mot de passe de votre compte.",
            "Si ça ne marche pas :\n" + bullets([
                "mot de passe oublié : « Mot de passe oublié ? » sur la page de connexion ;",
                "code de vérification non reçu : « Renvoyer le code », et vérifiez les spams ;",
                f"compte verrouillé après plusieurs essais : attendez {security['lockout_minutes']} minutes ;",
                "compte suspendu : seul un conseiller peut le débloquer.",
            ]),
            self.reach_support(),
        ])

    # --- account validation ---------------------------------------------------------
    def verify_account(self, q: Question) -> Answer:
        ver = self.config.verification
        docs = ver["documents"]
        if q.document_type in docs:
            return Answer([
                f"Document demandé : {docs[q.document_type]}.",
                f"Envoi : {ver['upload_path']} ({ver['formats']}). Vérification sous "
                f"{ver['review_hours']} heures ; vous êtes prévenu par e-mail.",
            ])
        answer = Answer([
            "Pour valider votre compte (obligatoire avant le premier retrait), envoyez :\n"
            + bullets(list(docs.values())),
            f"Envoi : {ver['upload_path']} ({ver['formats']}). Nous vérifions sous "
            f"{ver['review_hours']} heures et vous prévenons par e-mail. Un document refusé "
            "(illisible, expiré, coupé, nom différent) doit être renvoyé.",
        ])
        return answer

    # --- bonuses --------------------------------------------------------------------
    def wagering_example(self) -> str:
        welcome = self.config.bonuses["welcome"]
        multiplier = welcome["wagering_multiplier"]
        bonus = Decimal(20)
        required = bonus * multiplier
        done = Decimal(300)
        return (
            f"Exemple : un bonus de {money(bonus)} avec une mise de {multiplier} fois demande de "
            f"miser {money(required)} au total avant de pouvoir retirer ce qui vient du bonus. "
            f"Si vous avez déjà misé {money(done)}, il vous reste {money(required - done)} à miser. "
            f"Pendant ce temps, la mise maximale est de {money(welcome['max_bet'])} par partie."
        )

    def bonus_rights(self) -> str:
        bonuses = self.config.bonuses
        return (
            "Un bonus n'est jamais obligatoire : vous pouvez le refuser au dépôt ou l'annuler "
            f"à tout moment ({bonuses['cancel_path']}) ; les gains liés au bonus sont alors perdus, "
            "votre argent déposé reste à vous."
        )

    def bonus(self, q: Question) -> Answer:
        bonuses = self.config.bonuses
        welcome = bonuses["welcome"]
        if q.mentions(r"free ?spin|tours? gratuit|spins?\b|\bfs\b"):
            return Answer([f"Tours gratuits : {bonuses['free_spins']}.", self.bonus_rights()])
        if q.mentions(r"cash ?back|rembours"):
            return Answer([f"Cashback : {bonuses['cashback']}.", self.bonus_rights()])
        if q.mentions(r"\bvip\b|fidelit|niveau|statut"):
            return Answer([f"Nous avons {bonuses['vip']}.", self.bonus_rights()])
        if q.mentions(r"mise|miser|wager|condition|rollover|debloqu|jouer combien|reste|x ?\d+"):
            return Answer([
                "Les conditions de mise (wagering) indiquent combien vous devez miser avant de "
                "pouvoir retirer l'argent d'un bonus.",
                self.wagering_example(),
                self.bonus_rights(),
            ])
        return Answer([
            f"Bonus de bienvenue : {welcome['description']}, à miser {welcome['wagering_multiplier']} "
            f"fois en {welcome['validity_days']} jours, mise maximale {money(welcome['max_bet'])} "
            "par partie pendant le bonus.",
            f"Aussi : {bonuses['cashback']} ; {bonuses['free_spins']} ; {bonuses['vip']}.",
            self.bonus_rights(),
        ])

    def bonus_cancel(self, q: Question) -> Answer:
        return Answer([
            self.bonus_rights(),
            "Pour refuser un bonus au moment du dépôt, décochez « Recevoir le bonus » avant de valider.",
        ])

    # --- contact and the operator ----------------------------------------------------
    def contact_support(self, q: Question) -> Answer:
        complaints = self.config.operator["complaints"]
        if q.mentions(r"reclam|plainte|litige|mediat|recours|porter plainte"):
            return Answer([
                f"Pour une réclamation : {complaints['first_step']} ; réponse sous "
                f"{complaints['response_days']} jours. Ensuite, {complaints['mediation']}.",
            ])
        return Answer([
            "Vous pouvez nous joindre :\n" + bullets(self.contact_lines()),
            "Et je réponds ici à toute heure aux questions courantes.",
        ])

    def operator_licence(self, q: Question) -> Answer:
        op = self.config.operator
        licence = op["licence"]
        complaints = op["complaints"]
        return Answer([
            f"{op['name']} est exploité sous licence de la {licence['authority']}, "
            f"sous le numéro {licence['number']}. {licence['note']}",
            f"En cas de litige : {complaints['first_step']}, puis {complaints['mediation']}.",
        ])

    # --- people ---------------------------------------------------------------------
    def human_handoff(self, q: Question) -> Answer:
        return Answer([self.reach_support()])

    def responsible_gambling(self, q: Question) -> Answer:
        rg = self.config.responsible_gambling
        return Answer([
            "Merci de nous en parler, c'est important. Vous pouvez être aidé tout de suite : "
            + self.helpline_sentence(),
            f"Dans {rg['limits_path']}, vous pouvez mettre en place vous-même :\n"
            + bullets(rg["tools"]),
            "Une auto-exclusion ferme l'accès au jeu pour toute sa durée et ne peut pas être "
            "levée avant la fin ; vous ne recevrez plus aucune offre. " + self.reach_support(),
        ])

    def complain(self, q: Question) -> Answer:
        return Answer([
            "Je suis désolé que vous viviez cela, et je comprends votre agacement. Dites-moi ce "
            "qui ne va pas (un retrait, un dépôt, un bonus, votre compte…) et je regarde tout de suite.",
            self.reach_support(),
        ])

    def out_of_scope(self, q: Question) -> Answer:
        return Answer([
            "Je ne peux pas répondre à cela : je suis l'assistant du support de "
            f"{self.config.operator_name}. Je peux vous aider pour l'inscription, les dépôts, "
            "les retraits, la connexion à votre compte, la validation des documents, les "
            "bonus, un paiement en retard ou le jeu responsable.",
        ])


TOPICS: Dict[str, Callable[[Answers, Question], Answer]] = {
    name: getattr(Answers, name)
    for name in (
        "register", "deposit", "deposit_failed", "withdraw", "late_payment", "account_access",
        "verify_account", "bonus", "bonus_cancel", "contact_support", "operator_licence",
        "human_handoff", "responsible_gambling", "complain", "out_of_scope",
    )
}


def answer_for(topic: str, question: Question, config: SupportConfig, now: datetime) -> Answer:
    """The general answer of a topic (an intent name of the contract or a finer one)."""
    answers = Answers(config, now)
    answer = TOPICS[topic](answers, question)
    answer.specific = answer.messages != TOPICS[topic](answers, Question()).messages
    return answer
