"""The bot's general French answers, built from support.yml.

Every operator fact (hours, channels, delays, methods, limits, licence, helplines) comes
from the configuration; nothing here repeats one. A topic's answer depends on the aspect
asked (learnt by the NLU: ``withdraw/delay``, ``bonus/expiry``...) and on the entities
found (a payment method, a document type, a country); never on the raw words.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from casino_support.config import SupportConfig
from casino_support.formatting import format_amount as money
from casino_support.questions import OVERVIEW, Question
from casino_support.support_hours import channel_hours, chat_hours


@dataclass
class Answer:
    """What the bot says: one or more messages, and quick replies (title, payload)."""

    messages: List[str]
    buttons: List[Dict[str, str]] = field(default_factory=list)


def aspect_button(title: str, topic: str, aspect: str) -> Dict[str, str]:
    """A quick reply that asks ``topic`` about ``aspect`` (read as that intent and aspect)."""
    return {"title": title, "payload": f"/{topic}" + json.dumps({"aspect": aspect})}


def aspect_buttons(topic: str, choices: Sequence[Tuple[str, str]]) -> List[Dict[str, str]]:
    return [aspect_button(title, topic, aspect) for title, aspect in choices]


DEPOSIT_FAILED_BUTTON = {"title": "Dépôt refusé", "payload": "/deposit_failed"}


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
            lines.append(f"Téléphone : {self.phone_line()}")
        if "contact_form" in channels:
            form = channels["contact_form"]
            lines.append(f"Formulaire de contact : {form['url']}, réponse {form['response']}.")
        if "forum" in channels:
            forum = channels["forum"]
            lines.append(f"Forum des joueurs : {forum['url']} ({forum['response']}).")
        return lines

    def phone_line(self) -> str:
        """« +33 1 … (prix d'un appel local), du lundi au vendredi … (ouvert en ce moment…). »"""
        phone = self.config.channels["phone"]
        hours = channel_hours(self.config, "phone") or chat_hours(self.config)
        return (f"{phone['number']} ({phone.get('cost', '')}), {hours.weekly_summary()} "
                f"({hours.status_sentence(self.now)}).")

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

    def helpline_sentence(self, country: Optional[str] = None) -> str:
        """The helpline of ``country`` (a code of support.yml), else the default (France)."""
        line = self.config.helpline(country)
        sentence = (f"{line['name']} : {line['phone']} ({line['hours']}), {line['url']}. "
                    "C'est gratuit, anonyme et confidentiel.")
        default = self.config.helpline()
        if line is not default:
            sentence += f" En France : {default['name']}, {default['phone']}."
        return sentence

    # --- registration ------------------------------------------------------------
    def register(self, q: Question) -> Answer:
        op = self.config.operator
        security = self.config.account_security
        age, countries = op["minimum_age"], join_fr(op["countries_served"])
        if q.aspect == "confirmation_email":
            return Answer([
                "Si l'e-mail de confirmation n'arrive pas :\n" + bullets([
                    "vérifiez les courriers indésirables (spam) et l'onglet Promotions ;",
                    "vérifiez l'adresse saisie dans Mon compte > Mes informations ;",
                    "demandez un nouvel envoi depuis la page de connexion (« Renvoyer l'e-mail "
                    f"de confirmation ») ; le lien est valable {security['confirmation_link_validity']}.",
                ]),
                "Toujours rien après 30 minutes ? " + self.reach_support(),
            ])
        if q.aspect == "second_account":
            return Answer([
                "Un seul compte est autorisé par personne, par foyer et par moyen de paiement. "
                "Si vous avez déjà un compte, utilisez « Mot de passe oublié » pour le récupérer "
                "plutôt que d'en ouvrir un autre : les comptes en double sont fermés."
            ])
        if q.aspect == "conditions":
            return Answer([
                f"Il faut avoir au moins {age} ans et résider dans un pays accepté : {countries}. "
                "L'âge et l'adresse sont vérifiés avec vos documents avant le premier retrait ; "
                "l'utilisation d'un VPN pour jouer depuis un autre pays est interdite.",
                "Une inscription est refusée aussi quand un compte existe déjà à votre nom, à votre "
                "adresse ou avec le même moyen de paiement, ou quand vous êtes inscrit sur un "
                "registre d'auto-exclusion.",
                self.config.operator["licence"]["note"],
            ])
        answer = Answer([
            "Pour créer votre compte :\n" + bullets([
                "cliquez sur « S'inscrire » en haut de la page ;",
                "indiquez vos nom, prénom, date de naissance et adresse exacts (ils seront "
                "comparés à votre pièce d'identité) ;",
                f"choisissez un mot de passe d'au moins {security['password_min_length']} "
                "caractères et validez l'e-mail de confirmation.",
            ]),
            f"Conditions : avoir au moins {age} ans et résider dans un pays accepté ({countries}). "
            f"Pour retirer vos gains, il faudra ensuite faire valider votre compte ({self.required_documents()}).",
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("register", [
                ("E-mail de confirmation non reçu", "confirmation_email"),
                ("Âge et pays acceptés", "conditions"),
                ("J'ai déjà un compte", "second_account")])
        return answer

    # --- deposits -----------------------------------------------------------------
    def deposit(self, q: Question) -> Answer:
        limits = self.config.limits
        minimum, maximum = money(limits["deposit_min"]), money(limits["deposit_max_per_day"])
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
                f"Dépôt minimum {minimum}, maximum {maximum} par jour."
                + ("" if method.withdraw else
                   f" Attention : {method.label} ne permet pas les retraits, il vous faudra un autre moyen pour retirer.")
            ])
        if q.aspect == "fees":
            return Answer([
                f"Les dépôts sont {self.deposit_fees()}. Votre banque ou votre portefeuille "
                "électronique peut appliquer ses propres frais."
            ])
        if q.aspect == "limits":
            return Answer([f"Dépôt minimum {minimum}, maximum {maximum} par jour. Vous pouvez aussi "
                           "vous fixer une limite plus basse dans "
                           f"{self.config.responsible_gambling['limits_path']}."])
        if q.aspect == "delay":
            return Answer(["Votre dépôt apparaît sur votre solde dès le paiement accepté. "
                           + self.deposit_delays()])
        if q.aspect == "methods":
            return Answer(["Vous pouvez déposer par " + join_fr(self.methods("deposit"))
                           + ". " + self.deposit_delays()])
        answer = Answer([
            "Pour déposer : Mon compte > Dépôt, choisissez le moyen de paiement et le montant.",
            "Moyens acceptés : " + join_fr(self.methods("deposit")) + ". "
            f"Dépôt minimum {minimum}, maximum {maximum} par jour, {self.deposit_fees()}. "
            + self.deposit_delays(),
            "Un bonus peut vous être proposé au dépôt : vous êtes libre de le refuser.",
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("deposit", [
                ("Moyens de paiement", "methods"), ("Minimum et maximum", "limits"),
                ("Délai de crédit", "delay")]) + [DEPOSIT_FAILED_BUTTON]
        return answer

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
        method = self.method(q.payment_method)
        if method is not None and method.deposit and method.deposit_delay != "instantané":
            return Answer([
                f"Un dépôt par {method.label} arrive sur votre solde en {method.deposit_delay} "
                "après son départ de votre banque (un virement parti un vendredi soir arrive "
                "après le week-end).",
                "Passé ce délai, contactez-nous avec la date, le montant et une capture du relevé "
                "montrant le débit ; nous retrouverons la transaction. " + self.reach_support(),
            ])
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
        minimum, maximum = money(limits["withdraw_min"]), money(limits["withdraw_max_per_week"])
        if q.aspect == "cancel":
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
                f"Oui, vous pouvez retirer par {method.label} : {method.withdraw_delay}, après "
                f"notre traitement de {rules['processing_days']} jours ouvrés au plus. "
                f"Retrait minimum {minimum}, {self.method_fee(method)}."
            ])
        if q.aspect == "delay":
            return Answer([self.withdrawal_delays()])
        if q.aspect == "fees":
            return Answer([f"Les retraits sont {self.withdrawal_fees()}. Votre banque ou votre "
                           "portefeuille électronique peut appliquer ses propres frais."])
        if q.aspect == "limits":
            return Answer([f"Vous pouvez retirer au minimum {minimum}, et au maximum {maximum} "
                           "par semaine."])
        if q.aspect == "methods":
            same = (" Le retrait se fait en priorité vers le moyen utilisé pour déposer."
                    if rules.get("same_method_rule") else "")
            return Answer(["Moyens possibles pour retirer : " + join_fr(self.methods("withdraw"))
                           + "." + same, self.withdrawal_delays()])
        if q.aspect == "blocked":
            return Answer([
                "Un retrait est bloqué le plus souvent parce que :\n" + bullets([
                    f"le compte n'est pas encore validé ({self.required_documents()}) ;",
                    "un bonus actif a encore des mises à faire (un retrait l'annulerait) ;",
                    f"le montant est sous le minimum de {minimum} ou au-dessus de {maximum} par semaine ;",
                    "le moyen choisi ne permet pas les retraits, ou n'est pas celui utilisé pour déposer.",
                ]),
                "Connecté à votre espace joueur, je vous dis lequel de ces cas est le vôtre. "
                + self.reach_support(),
            ])
        same = (" Le retrait se fait en priorité vers le moyen utilisé pour déposer."
                if rules.get("same_method_rule") else "")
        answer = Answer([
            "Pour retirer vos gains : Mon compte > Retrait, choisissez le montant et le moyen de "
            f"paiement. Minimum {minimum}, maximum {maximum} par semaine.{same}",
            f"Avant un premier retrait, votre compte doit être validé ({self.required_documents()}) ; "
            "un bonus dont les conditions de mise ne sont pas remplies est perdu si vous retirez.",
            self.withdrawal_delays(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("withdraw", [
                ("Délais", "delay"), ("Retrait bloqué", "blocked"),
                ("Annuler un retrait", "cancel")])
        return answer

    def method_fee(self, method) -> str:
        return "sans frais" if not method.fee else f"frais de {method.fee} %"

    def withdrawal_fees(self) -> str:
        with_fees = [f"{m.label} ({m.fee} %)" for m in self.config.payment_methods.values()
                     if m.withdraw and m.fee]
        if not with_fees:
            return "sans frais de notre part"
        return "sans frais de notre part sauf " + join_fr(with_fees)

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
        if q.aspect == "code":
            return Answer([
                "Si le code de vérification n'arrive pas :\n" + bullets([
                    f"attendez 2 minutes, puis « Renvoyer le code » (un code vaut {security['verification_code_validity']}) ;",
                    "vérifiez le numéro de téléphone ou l'adresse e-mail de votre compte, et les spams ;",
                    "avec une application d'authentification, vérifiez que l'heure du téléphone est automatique.",
                ]),
                "Vous avez changé de numéro ou perdu le téléphone ? Un conseiller doit vérifier "
                "votre identité avant de désactiver la double authentification. " + self.reach_support(),
            ])
        if q.aspect == "close":
            rg = self.config.responsible_gambling
            return Answer([
                "Pour fermer votre compte, demandez-le à un conseiller (chat ou e-mail) : votre "
                "solde vous est d'abord versé, puis le compte est fermé.",
                "Si vous voulez arrêter de jouer parce que le jeu prend trop de place, une "
                f"auto-exclusion ({rg['limits_path']}) bloque aussi la réouverture pendant sa "
                "durée, et vous pouvez être aidé : " + self.helpline_sentence(q.country),
                self.reach_support(),
            ])
        if q.aspect == "locked":
            return Answer([
                f"Après {security['lockout_after_failed_logins']} mots de passe erronés, le compte "
                f"est verrouillé {security['lockout_minutes']} minutes : attendez puis utilisez "
                "« Mot de passe oublié ».",
                "Un compte suspendu (vérification en cours, doublon, demande de jeu responsable) ne "
                "peut être débloqué que par un conseiller, qui vous dira pourquoi. "
                + self.reach_support(),
            ])
        if q.aspect == "password":
            return Answer([
                "Mot de passe oublié : sur la page de connexion, cliquez « Mot de passe oublié ? », "
                "saisissez l'e-mail de votre compte et suivez le lien reçu (valable "
                f"{security['password_reset_link_validity']}, pensez aux spams). Choisissez un mot "
                f"de passe d'au moins {security['password_min_length']} caractères que vous "
                "n'utilisez nulle part ailleurs.",
                "Vous ne recevez pas l'e-mail ou n'avez plus accès à l'adresse ? " + self.reach_support(),
            ])
        if q.aspect == "change_details":
            how = security.get("change_details")
            return Answer([(f"{how} " if how else "Pour changer l'adresse e-mail, le numéro de "
                            "téléphone ou l'adresse de votre compte, un conseiller vérifie "
                            "d'abord votre identité. ") + self.reach_support()])
        answer = Answer([
            "Pour vous connecter : bouton « Connexion », avec l'e-mail et le mot de passe de votre compte.",
            "Si ça ne marche pas :\n" + bullets([
                "mot de passe oublié : « Mot de passe oublié ? » sur la page de connexion ;",
                "code de vérification non reçu : « Renvoyer le code », et vérifiez les spams ;",
                f"compte verrouillé après {security['lockout_after_failed_logins']} essais : "
                f"attendez {security['lockout_minutes']} minutes ;",
                "compte suspendu : seul un conseiller peut le débloquer.",
            ]),
            self.reach_support(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("account_access", [
                ("Mot de passe oublié", "password"), ("Code non reçu", "code"),
                ("Changer l'e-mail du compte", "change_details")])
        return answer

    # --- account validation ---------------------------------------------------------
    def upload_sentence(self) -> str:
        ver = self.config.verification
        return (f"Envoi : {ver['upload_path']} ({ver['formats']}). Vérification sous "
                f"{ver['review_hours']} heures ; vous êtes prévenu par e-mail.")

    def verify_account(self, q: Question) -> Answer:
        ver = self.config.verification
        docs = ver["documents"]
        if q.document_type in docs:
            return Answer([f"Document demandé : {docs[q.document_type]}.", self.upload_sentence()])
        if q.aspect == "documents":
            return Answer([
                "Les documents demandés :\n" + bullets(list(docs.values())),
                "Chacun doit être lisible, en cours de validité, à votre nom, les quatre coins "
                "visibles. " + self.upload_sentence(),
            ])
        if q.aspect == "where_to_send":
            return Answer([self.upload_sentence()])
        if q.aspect == "delay":
            return Answer([
                f"Nous vérifions vos documents sous {ver['review_hours']} heures après leur envoi "
                "et vous prévenons par e-mail. Un document refusé doit être renvoyé, et le délai "
                "repart de son nouvel envoi.",
            ])
        if q.aspect == "rejected":
            return Answer([
                "Un document est refusé quand il est illisible, expiré, coupé (les quatre coins "
                "doivent être visibles) ou à un autre nom que celui du compte. Les documents "
                "acceptés :\n" + bullets(list(docs.values())),
                self.upload_sentence(),
            ])
        answer = Answer([
            "Pour valider votre compte (obligatoire avant le premier retrait), envoyez :\n"
            + bullets(list(docs.values())),
            f"Envoi : {ver['upload_path']} ({ver['formats']}). Nous vérifions sous "
            f"{ver['review_hours']} heures et vous prévenons par e-mail. Un document refusé "
            "(illisible, expiré, coupé, nom différent) doit être renvoyé.",
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("verify_account", [
                ("Où envoyer un document", "where_to_send"), ("Délai de vérification", "delay"),
                ("Document refusé", "rejected")])
        return answer

    # --- bonuses --------------------------------------------------------------------
    def welcome_terms(self) -> str:
        welcome = self.config.bonuses["welcome"]
        return (f"Bonus de bienvenue : {welcome['description']}, à miser "
                f"{welcome['wagering_multiplier']} fois en {welcome['validity_days']} jours, mise "
                f"maximale {money(welcome['max_bet'])} par partie pendant le bonus.")

    def wagering_rule(self) -> str:
        welcome = self.config.bonuses["welcome"]
        return (f"Le bonus de bienvenue ({welcome['description']}) est à miser "
                f"{welcome['wagering_multiplier']} fois son montant en {welcome['validity_days']} "
                "jours avant que ce qu'il rapporte puisse être retiré. Pendant ce temps, la mise "
                f"maximale est de {money(welcome['max_bet'])} par partie.")

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
        if q.aspect == "free_spins":
            return Answer([f"Tours gratuits : {bonuses['free_spins']}.", self.bonus_rights()])
        if q.aspect == "cashback":
            return Answer([f"Cashback : {bonuses['cashback']}.", self.bonus_rights()])
        if q.aspect == "vip":
            return Answer([f"Nous avons {bonuses['vip']}.", self.bonus_rights()])
        if q.aspect == "wagering":
            return Answer([
                "Les conditions de mise (wagering) indiquent combien vous devez miser avant de "
                "pouvoir retirer l'argent d'un bonus. " + self.wagering_rule(),
                f"Tours gratuits : {bonuses['free_spins']}.",
                self.bonus_rights(),
            ])
        if q.aspect == "expiry":
            return Answer([
                f"Le bonus de bienvenue est valable {welcome['validity_days']} jours : les mises "
                "doivent être faites dans ce délai, sinon le bonus et ses gains expirent. La date "
                "d'expiration de votre bonus est dans Mon compte > Bonus."
            ])
        if q.aspect == "welcome":
            return Answer([
                self.welcome_terms(),
                "Pour le recevoir, laissez cochée la case « Recevoir le bonus » lors de votre "
                "premier dépôt.",
                self.bonus_rights(),
            ])
        if q.aspect == "not_received":
            return Answer([
                "Le bonus de bienvenue est crédité au premier dépôt si la case « Recevoir le bonus » "
                f"était cochée ({welcome['description']}). S'il n'apparaît pas dans Mon compte > "
                "Bonus, un conseiller peut vérifier votre dépôt. " + self.reach_support(),
            ])
        answer = Answer([
            self.welcome_terms(),
            f"Aussi : {bonuses['cashback']} ; {bonuses['free_spins']} ; {bonuses['vip']}.",
            self.bonus_rights(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("bonus", [
                ("Les conditions de mise", "wagering"), ("Le programme VIP", "vip"),
                ("Les tours gratuits", "free_spins")])
        return answer

    def bonus_cancel(self, q: Question) -> Answer:
        return Answer([
            self.bonus_rights(),
            "Pour refuser un bonus au moment du dépôt, décochez « Recevoir le bonus » avant de valider.",
        ])

    # --- contact and the operator ----------------------------------------------------
    def contact_support(self, q: Question) -> Answer:
        complaints = self.config.operator["complaints"]
        channels = self.config.channels
        if q.aspect == "complaint":
            return Answer([
                f"Pour une réclamation : {complaints['first_step']} ; réponse sous "
                f"{complaints['response_days']} jours. Ensuite, {complaints['mediation']}.",
            ])
        if q.aspect == "hours":
            lines = [line for line in self.contact_lines()
                     if line.startswith(("Chat", "Téléphone"))]
            return Answer(["Nos horaires :\n" + bullets(lines),
                           "Et je réponds ici à toute heure aux questions courantes."])
        if q.aspect == "email" and "email" in channels:
            email = channels["email"]
            return Answer([f"Vous pouvez nous écrire à {email['address']}, réponse {email['response']}."])
        if q.aspect == "phone" and "phone" in channels:
            return Answer([f"Vous pouvez nous appeler au {self.phone_line()}"])
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
        """Routine tools get the self-service path; distress and self-exclusion the helpline first."""
        rg = self.config.responsible_gambling
        tools = rg["tools"]
        where = f"Dans {rg['limits_path']}"
        if q.aspect in ("limits", "pause", "reality_check") and q.aspect in tools:
            return Answer([
                f"{where}, vous pouvez mettre en place vous-même : {tools[q.aspect]}.",
                "Les autres outils au même endroit :\n"
                + bullets([text for key, text in tools.items() if key != q.aspect]),
                "Si vous sentez que le jeu prend trop de place, vous pouvez aussi en parler : "
                + self.helpline_sentence(q.country),
            ])
        if q.aspect == "helpline":
            return Answer([
                "Vous pouvez être aidé tout de suite, par des personnes spécialisées : "
                + self.helpline_sentence(q.country),
                f"{where}, vous pouvez aussi limiter ou suspendre votre jeu vous-même.",
            ])
        if q.aspect == "come_back":
            return Answer([
                "Une auto-exclusion ne peut pas être levée avant sa date de fin ; à cette date, "
                "votre compte rouvre à votre demande. Une pause se termine d'elle-même à la fin de "
                "sa durée. La date de fin est dans " + rg["limits_path"] + ".",
                "Si l'envie de rejouer est difficile à gérer, vous pouvez en parler : "
                + self.helpline_sentence(q.country),
            ])
        if q.aspect == "self_exclusion":
            return Answer([
                f"{where}, vous pouvez demander vous-même une {tools.get('self_exclusion', 'auto-exclusion')} : "
                "l'accès au jeu est fermé pour toute la durée et vous ne recevrez plus aucune offre. "
                "Un conseiller peut aussi le faire avec vous.",
                "Vous pouvez être aidé tout de suite : " + self.helpline_sentence(q.country),
            ])
        if q.aspect == "distress":
            return Answer([
                "Merci de nous en parler, c'est important. Vous pouvez être aidé tout de suite : "
                + self.helpline_sentence(q.country),
                f"{where}, vous pouvez fermer l'accès au jeu dès maintenant (pause ou "
                "auto-exclusion) ; vous ne recevrez plus aucune offre.",
            ])
        answer = Answer([
            f"{where}, vous pouvez mettre en place vous-même :\n" + bullets(list(tools.values())),
            "Si le jeu prend trop de place, vous pouvez être aidé : " + self.helpline_sentence(q.country),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("responsible_gambling", [
                ("Limite de dépôt", "limits"), ("Faire une pause", "pause"),
                ("Demander une auto-exclusion", "self_exclusion")])
        return answer

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


def answer_for(question: Question, config: SupportConfig, now: datetime) -> Answer:
    """The general answer of a question (its topic is a contract intent or a finer one)."""
    return TOPICS[question.topic](Answers(config, now), question)


def is_specific(question: Question) -> bool:
    """True when the question asks a precise aspect, not the topic in general."""
    return question.aspect not in ("", OVERVIEW, "how", "login", "channels") or bool(
        question.payment_method or question.document_type)
