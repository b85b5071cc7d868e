"""The bot's general French answers, built from support.yml.

Every operator fact (hours, channels, delays, methods, limits, licence, helplines) comes
from the configuration; nothing here repeats one. A topic's answer depends on the aspect
asked (learnt by the NLU: ``withdraw/delay``, ``bonus/expiry``...) and on the entities
found (a payment method, a document type, a country); never on the raw words.

The sentences themselves are in the catalogue (``wording.fr.yml``, sections named after
the topics): this module chooses them and fills them with the configuration's facts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, List, Optional, Sequence, Set

from casino_support.catalogue import lines, say
from casino_support.complaints import ComplaintSettings
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


def aspect_buttons(topic: str, aspects: Sequence[str]) -> List[Dict[str, str]]:
    """Quick replies for ``aspects`` of ``topic``, titled by ``{topic}.buttons.{aspect}``."""
    return [aspect_button(say(f"{topic}.buttons.{aspect}"), topic, aspect) for aspect in aspects]


def complaint_button() -> Dict[str, str]:
    """The written complaint, left in the chat: a ticket that the complaint's context makes
    a complaint (casino_support.escalation.is_complaint)."""
    return {"title": say("complain.button"), "payload": "/contact_support_ticket"}


def deposit_failed_button() -> Dict[str, str]:
    return {"title": say("deposit.buttons.failed"), "payload": "/deposit_failed"}


def join_fr(items: Sequence[str]) -> str:
    """« a, b et c »."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {say('common.and')} " + items[-1]


def bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def listed(intro: str, items: Sequence[str]) -> str:
    """An introducing sentence, then its items as bullets, in one message."""
    return intro + "\n" + bullets(items)


def document_name(doc_type: str) -> str:
    try:
        return say(f"document_names.{doc_type}")
    except KeyError:
        return doc_type.replace("_", " ")


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

    def contact_lines(self, only: Sequence[str] = ()) -> List[str]:
        channels = self.config.channels
        result = []
        for channel in ("chat", "email", "phone", "contact_form", "forum"):
            if channel not in channels or (only and channel not in only):
                continue
            settings = channels[channel]
            if channel == "chat":
                hours = chat_hours(self.config)
                result.append(say("contact.line.chat", hours=hours.weekly_summary(),
                                  status=hours.status_sentence(self.now)))
            elif channel == "email":
                result.append(say("contact.line.email", address=settings["address"],
                                  response=settings["response"]))
            elif channel == "phone":
                result.append(say("contact.line.phone", phone=self.phone_line()))
            elif channel == "contact_form":
                result.append(say("contact.line.contact_form", url=settings["url"],
                                  response=settings["response"]))
            else:
                result.append(say("contact.line.forum", url=settings["url"],
                                  response=settings["response"]))
        return result

    def phone_line(self) -> str:
        """« +33 1 … (prix d'un appel local), du lundi au vendredi … (ouvert en ce moment…). »"""
        phone = self.config.channels["phone"]
        hours = channel_hours(self.config, "phone") or chat_hours(self.config)
        return say("contact.phone", number=phone["number"], cost=phone.get("cost", ""),
                   hours=hours.weekly_summary(), status=hours.status_sentence(self.now))

    def reach_support(self) -> str:
        """One sentence on how to reach a human, true for this moment."""
        email = self.config.channels.get("email", {})
        state = "open" if chat_hours(self.config).is_open(self.now) else "closed"
        if not email:
            return say(f"contact.reach.{state}", status=self.chat_status())
        return say(f"contact.reach.{state}_with_email", status=self.chat_status(),
                   address=email["address"], response=email["response"])

    def helpline_sentence(self, country: Optional[str] = None) -> str:
        """The helpline of ``country`` (a code of support.yml), else the default (France)."""
        line = self.config.helpline(country)
        sentence = say("responsible_gambling.helpline", name=line["name"], phone=line["phone"],
                       hours=line["hours"], url=line["url"])
        default = self.config.helpline()
        if line is not default:
            sentence += " " + say("responsible_gambling.helpline_france", name=default["name"],
                                  phone=default["phone"])
        return sentence

    # --- registration ------------------------------------------------------------
    def register(self, q: Question) -> Answer:
        op = self.config.operator
        security = self.config.account_security
        age, countries = op["minimum_age"], join_fr(op["countries_served"])
        if q.aspect == "confirmation_email":
            return Answer([
                listed(say("register.confirmation_email.intro"), lines(
                    "register.confirmation_email.steps",
                    validity=security["confirmation_link_validity"])),
                say("register.confirmation_email.still_nothing", reach_support=self.reach_support()),
            ])
        if q.aspect == "second_account":
            return Answer([say("register.second_account")])
        if q.aspect == "conditions":
            return Answer([
                say("register.conditions.who", age=age, countries=countries),
                say("register.conditions.refused"),
                self.config.operator["licence"]["note"],
            ])
        answer = Answer([
            listed(say("register.how.intro"), lines(
                "register.how.steps", password_length=security["password_min_length"])),
            say("register.how.conditions", age=age, countries=countries,
                documents=self.required_documents()),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons(
                "register", ["confirmation_email", "conditions", "second_account"])
        return answer

    # --- deposits -----------------------------------------------------------------
    def deposit(self, q: Question) -> Answer:
        limits = self.config.limits
        minimum, maximum = money(limits["deposit_min"]), money(limits["deposit_max_per_day"])
        method = self.method(q.payment_method)
        accepted = join_fr(self.methods("deposit"))
        if q.payment_method and method is None:
            return Answer([say("deposit.unknown_method", methods=accepted)])
        if method is not None:
            if not method.deposit:
                return Answer([say("deposit.method_refused", method=method.label, methods=accepted)])
            sentence = say("deposit.method", method=method.label, delay=method.deposit_delay,
                           fee=self.method_fee(method), minimum=minimum, maximum=maximum)
            if not method.withdraw:
                sentence += " " + say("deposit.no_withdraw", method=method.label)
            return Answer([sentence])
        if q.aspect == "fees":
            return Answer([say("deposit.fees", fees=self.deposit_fees())])
        if q.aspect == "limits":
            return Answer([say("deposit.limits", minimum=minimum, maximum=maximum,
                               limits_path=self.config.responsible_gambling["limits_path"])])
        if q.aspect == "delay":
            return Answer([say("deposit.delay", delays=self.deposit_delays())])
        if q.aspect == "methods":
            return Answer([say("deposit.methods", methods=accepted, delays=self.deposit_delays())])
        answer = Answer([
            say("deposit.how.where"),
            say("deposit.how.terms", methods=accepted, minimum=minimum, maximum=maximum,
                fees=self.deposit_fees(), delays=self.deposit_delays()),
            say("deposit.how.bonus"),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("deposit", ["methods", "limits", "delay"]) + [
                deposit_failed_button()]
        return answer

    def fees_sentence(self, direction: str) -> str:
        with_fees = [say("common.method_with_fee", method=m.label, fee=m.fee)
                     for m in self.config.payment_methods.values() if getattr(m, direction) and m.fee]
        if not with_fees:
            return say("common.no_fees_from_us")
        return say("common.no_fees_from_us_except", methods=join_fr(with_fees))

    def deposit_fees(self) -> str:
        return self.fees_sentence("deposit")

    def required_documents(self) -> str:
        return join_fr([document_name(key) for key in self.config.verification["documents"]])

    def deposit_delays(self) -> str:
        instant = say("deposit.instant")
        methods = [m for m in self.config.payment_methods.values() if m.deposit]
        slow = [say("common.method_delay", method=m.label, delay=m.deposit_delay)
                for m in methods if m.deposit_delay != instant]
        if not slow:
            return say("deposit.delays_instant")
        return say("deposit.delays_except", methods=join_fr(slow))

    def deposit_failed(self, q: Question) -> Answer:
        limits = self.config.limits
        method = self.method(q.payment_method)
        if method is not None and method.deposit and method.deposit_delay != say("deposit.instant"):
            return Answer(lines("deposit_failed.slow_method", method=method.label,
                                delay=method.deposit_delay, reach_support=self.reach_support()))
        return Answer([
            listed(say("deposit_failed.intro"), lines(
                "deposit_failed.causes", minimum=money(limits["deposit_min"]),
                maximum=money(limits["deposit_max_per_day"]))),
            say("deposit_failed.debited", reach_support=self.reach_support()),
        ])

    # --- withdrawals --------------------------------------------------------------
    def withdrawal_delays(self) -> str:
        delays = [say("common.method_delay", method=m.label, delay=m.withdraw_delay)
                  for m in self.config.payment_methods.values() if m.withdraw and m.withdraw_delay]
        return listed(say("withdraw.delays", days=self.config.withdrawals["processing_days"]),
                      delays)

    def withdraw(self, q: Question) -> Answer:
        limits = self.config.limits
        rules = self.config.withdrawals
        minimum, maximum = money(limits["withdraw_min"]), money(limits["withdraw_max_per_week"])
        possible = join_fr(self.methods("withdraw"))
        same = (" " + say("withdraw.same_method")) if rules.get("same_method_rule") else ""
        if q.aspect == "cancel":
            if rules.get("cancellable_while_pending"):
                return Answer([say("withdraw.cancel")])
            return Answer([say("withdraw.no_cancel", reach_support=self.reach_support())])
        method = self.method(q.payment_method)
        if q.payment_method and method is None:
            return Answer([say("withdraw.unknown_method", methods=possible)])
        if method is not None and not method.withdraw:
            return Answer([say("withdraw.method_refused", method=method.label, methods=possible)])
        if method is not None:
            return Answer([say("withdraw.method", method=method.label, delay=method.withdraw_delay,
                               days=rules["processing_days"], minimum=minimum,
                               fee=self.method_fee(method))])
        if q.aspect == "delay":
            return Answer([self.withdrawal_delays()])
        if q.aspect == "fees":
            return Answer([say("withdraw.fees", fees=self.withdrawal_fees())])
        if q.aspect == "limits":
            return Answer([say("withdraw.limits", minimum=minimum, maximum=maximum)])
        if q.aspect == "methods":
            return Answer([say("withdraw.methods", methods=possible) + same,
                           self.withdrawal_delays()])
        if q.aspect == "blocked":
            return Answer([
                listed(say("withdraw.blocked.intro"), lines(
                    "withdraw.blocked.causes", documents=self.required_documents(),
                    minimum=minimum, maximum=maximum)),
                say("withdraw.blocked.logged_in", reach_support=self.reach_support()),
            ])
        answer = Answer([
            say("withdraw.how.where", minimum=minimum, maximum=maximum) + same,
            say("withdraw.how.first", documents=self.required_documents()),
            self.withdrawal_delays(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("withdraw", ["delay", "blocked", "cancel"])
        return answer

    def method_fee(self, method) -> str:
        return say("common.free") if not method.fee else say("common.fee", fee=method.fee)

    def withdrawal_fees(self) -> str:
        return self.fees_sentence("withdraw")

    def late_payment(self, q: Question) -> Answer:
        return Answer([
            self.withdrawal_delays(),
            say("late_payment.rule", days=self.config.late_after_days,
                reach_support=self.reach_support()),
        ])

    # --- account access -------------------------------------------------------------
    def account_access(self, q: Question) -> Answer:
        security = self.config.account_security
        if q.aspect == "code":
            return Answer([
                listed(say("account_access.code.intro"), lines(
                    "account_access.code.steps", validity=security["verification_code_validity"])),
                say("account_access.code.lost_phone", reach_support=self.reach_support()),
            ])
        if q.aspect == "close":
            rg = self.config.responsible_gambling
            return Answer([
                say("account_access.close.how"),
                say("account_access.close.self_exclusion", limits_path=rg["limits_path"],
                    helpline=self.helpline_sentence(q.country)),
                self.reach_support(),
            ])
        if q.aspect == "locked":
            return Answer(lines("account_access.locked",
                                attempts=security["lockout_after_failed_logins"],
                                minutes=security["lockout_minutes"],
                                reach_support=self.reach_support()))
        if q.aspect == "password":
            return Answer(lines("account_access.password",
                                validity=security["password_reset_link_validity"],
                                password_length=security["password_min_length"],
                                reach_support=self.reach_support()))
        if q.aspect == "change_details":
            how = security.get("change_details") or say("account_access.change_details")
            return Answer([f"{how} {self.reach_support()}"])
        answer = Answer([
            say("account_access.how.login"),
            listed(say("account_access.how.intro"), lines(
                "account_access.how.steps", attempts=security["lockout_after_failed_logins"],
                minutes=security["lockout_minutes"])),
            self.reach_support(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("account_access", ["password", "code", "change_details"])
        return answer

    # --- account validation ---------------------------------------------------------
    def upload_sentence(self) -> str:
        ver = self.config.verification
        return say("verify_account.upload", upload_path=ver["upload_path"], formats=ver["formats"],
                   hours=ver["review_hours"])

    def verify_account(self, q: Question) -> Answer:
        ver = self.config.verification
        docs = ver["documents"]
        if q.document_type in docs:
            return Answer([say("verify_account.document", document=docs[q.document_type]),
                           self.upload_sentence()])
        if q.aspect == "documents":
            return Answer([
                listed(say("verify_account.documents.intro"), list(docs.values())),
                say("verify_account.documents.rules", upload=self.upload_sentence()),
            ])
        if q.aspect == "where_to_send":
            return Answer([self.upload_sentence()])
        if q.aspect == "delay":
            return Answer([say("verify_account.delay", hours=ver["review_hours"])])
        if q.aspect == "rejected":
            return Answer([
                listed(say("verify_account.rejected"), list(docs.values())),
                self.upload_sentence(),
            ])
        answer = Answer([
            listed(say("verify_account.how.intro"), list(docs.values())),
            say("verify_account.how.upload", upload_path=ver["upload_path"],
                formats=ver["formats"], hours=ver["review_hours"]),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("verify_account", ["where_to_send", "delay", "rejected"])
        return answer

    # --- bonuses --------------------------------------------------------------------
    def welcome_terms(self) -> str:
        welcome = self.config.bonuses["welcome"]
        return say("bonus.welcome_terms", description=welcome["description"],
                   multiplier=welcome["wagering_multiplier"], days=welcome["validity_days"],
                   max_bet=money(welcome["max_bet"]))

    def wagering_rule(self) -> str:
        welcome = self.config.bonuses["welcome"]
        return say("bonus.wagering_rule", description=welcome["description"],
                   multiplier=welcome["wagering_multiplier"], days=welcome["validity_days"],
                   max_bet=money(welcome["max_bet"]))

    def bonus_rights(self) -> str:
        return say("bonus.rights", cancel_path=self.config.bonuses["cancel_path"])

    def bonus(self, q: Question) -> Answer:
        bonuses = self.config.bonuses
        welcome = bonuses["welcome"]
        if q.aspect == "free_spins":
            return Answer([say("bonus.free_spins", free_spins=bonuses["free_spins"]),
                           self.bonus_rights()])
        if q.aspect == "cashback":
            return Answer([say("bonus.cashback", cashback=bonuses["cashback"]), self.bonus_rights()])
        if q.aspect == "vip":
            return Answer([say("bonus.vip", vip=bonuses["vip"]), self.bonus_rights()])
        if q.aspect == "wagering":
            return Answer([
                say("bonus.wagering", rule=self.wagering_rule()),
                say("bonus.free_spins", free_spins=bonuses["free_spins"]),
                self.bonus_rights(),
            ])
        if q.aspect == "expiry":
            return Answer([say("bonus.expiry", days=welcome["validity_days"])])
        if q.aspect == "welcome":
            return Answer([self.welcome_terms(), say("bonus.welcome_how"), self.bonus_rights()])
        if q.aspect == "not_received":
            return Answer([say("bonus.not_received", description=welcome["description"],
                               reach_support=self.reach_support())])
        answer = Answer([
            self.welcome_terms(),
            say("bonus.also", cashback=bonuses["cashback"], free_spins=bonuses["free_spins"],
                vip=bonuses["vip"]),
            self.bonus_rights(),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("bonus", ["wagering", "vip", "free_spins"])
        return answer

    def offer_sentences(self) -> Set[str]:
        """The sentences of the answers above that promote an offer (held back from a player
        after a responsible-gambling signal); the rules of a bonus one holds are not among them."""
        bonuses = self.config.bonuses
        return {
            self.welcome_terms(), say("bonus.welcome_how"),
            say("bonus.wagering", rule=self.wagering_rule()),
            say("bonus.not_received", description=bonuses["welcome"]["description"],
                reach_support=self.reach_support()),
            say("bonus.also", cashback=bonuses["cashback"], free_spins=bonuses["free_spins"],
                vip=bonuses["vip"]),
            say("bonus.free_spins", free_spins=bonuses["free_spins"]),
            say("bonus.cashback", cashback=bonuses["cashback"]),
            say("bonus.vip", vip=bonuses["vip"]),
            say("deposit.how.bonus"),
        }

    def bonus_cancel(self, q: Question) -> Answer:
        return Answer([self.bonus_rights(), say("bonus.refuse")])

    # --- contact and the operator ----------------------------------------------------
    def contact_support(self, q: Question) -> Answer:
        complaints = self.config.operator["complaints"]
        channels = self.config.channels
        if q.aspect == "complaint":
            return Answer([say("contact.complaint", first_step=complaints["first_step"],
                               days=complaints["response_days"],
                               mediation=complaints["mediation"]),
                           say("contact.complaint_here")],
                          [complaint_button()])
        if q.aspect == "hours":
            return Answer([listed(say("contact.hours"), self.contact_lines(("chat", "phone"))),
                           say("contact.any_hour")])
        if q.aspect == "email" and "email" in channels:
            email = channels["email"]
            return Answer([say("contact.email", address=email["address"],
                               response=email["response"])])
        if q.aspect == "phone" and "phone" in channels:
            return Answer([say("contact.call", phone=self.phone_line())])
        return Answer([listed(say("contact.all"), self.contact_lines()), say("contact.any_hour")])

    def operator_licence(self, q: Question) -> Answer:
        op = self.config.operator
        licence = op["licence"]
        complaints = op["complaints"]
        return Answer([
            say("licence.operator", operator=op["name"], authority=licence["authority"],
                number=licence["number"], note=licence["note"]),
            say("licence.dispute", first_step=complaints["first_step"],
                mediation=complaints["mediation"]),
        ])

    # --- people ---------------------------------------------------------------------
    def human_handoff(self, q: Question) -> Answer:
        return Answer([self.reach_support()])

    def responsible_gambling(self, q: Question) -> Answer:
        """Routine tools get the self-service path; distress and self-exclusion the helpline first."""
        rg = self.config.responsible_gambling
        tools = rg["tools"]
        where = rg["limits_path"]
        if q.aspect in ("limits", "pause", "reality_check") and q.aspect in tools:
            return Answer([
                say("responsible_gambling.tool.chosen", limits_path=where, tool=tools[q.aspect]),
                listed(say("responsible_gambling.tool.others"),
                       [text for key, text in tools.items() if key != q.aspect]),
                say("responsible_gambling.tool.talk", helpline=self.helpline_sentence(q.country)),
            ])
        helpline = self.helpline_sentence(q.country)
        if q.aspect == "helpline":
            return Answer(lines("responsible_gambling.helpline_first", limits_path=where,
                                helpline=helpline))
        if q.aspect == "come_back":
            return Answer(lines("responsible_gambling.come_back", limits_path=where,
                                helpline=helpline))
        if q.aspect == "self_exclusion":
            return Answer(lines(
                "responsible_gambling.self_exclusion", limits_path=where, helpline=helpline,
                self_exclusion=tools.get("self_exclusion")
                or say("responsible_gambling.self_exclusion_word")))
        if q.aspect == "distress":
            return Answer(lines("responsible_gambling.distress", limits_path=where,
                                helpline=helpline))
        answer = Answer([
            listed(say("responsible_gambling.tools", limits_path=where), list(tools.values())),
            say("responsible_gambling.help", helpline=helpline),
        ])
        if q.is_overview:
            answer.buttons = aspect_buttons("responsible_gambling",
                                            ["limits", "pause", "self_exclusion"])
        return answer

    def complain(self, q: Question) -> Answer:
        complaints = ComplaintSettings.from_config(self.config.raw)
        return Answer([say("complain.sorry"),
                       say("complain.written", days=complaints.response_days,
                           authority=complaints.authority.name),
                       self.reach_support()])

    def out_of_scope(self, q: Question) -> Answer:
        return Answer([say("out_of_scope.answer", operator=self.config.operator_name)])


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
