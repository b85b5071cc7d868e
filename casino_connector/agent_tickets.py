"""The tickets' side of the agent console: open a ticket, reply by e-mail, write notes,
change the status; and the background sender of the mail outbox.

HTTP (JSON, ``Authorization: Bearer <agent token>`` like the rest of the agent API):

    GET  /casino/agent/tickets/<reference>          the ticket: fields, transcript,
                                                    account_snapshot, events (replies,
                                                    notes, status changes), mails (outbox
                                                    state), due_local / created_local
    POST /casino/agent/tickets/<reference>/reply    {text} -> {event, ticket}: queued mail
    POST /casino/agent/tickets/<reference>/notes    {text} -> {event, ticket}
    POST /casino/agent/tickets/<reference>/status   {status: open|pending|solved} -> ticket
    POST /casino/agent/mails/<id>/retry             a failed mail queued again

400 ``{error}`` for a bad request (no text, unknown status, no address to answer to),
404 for an unknown ticket. What the player typed (summary, description, their lines of
the transcript) is masked as everywhere in the console; the bot's own lines are shown as
sent (``casino_connector.transcript``); the contact ``email`` is shown as it is.

The outbox sender runs in the Rasa server process next to the agent desk's presence
sweep: every ``mail.send_interval_seconds`` of support.yml (default 5), and at once after
a reply, it sends what is due (``casino_support.ticket_mail.send_due``: short SMTP
timeouts, retries later, never blocks the bot: it works in a thread).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Dict, List, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from casino_support import ticket_desk, ticket_mail
from casino_support.clock import resolve_now
from casino_support.complaints import complaint_facts
from casino_support.config import current_config
from casino_support.escalation import CATEGORY_COMPLAINTS
from casino_support.masking import mask
from casino_support.tickets import TicketError, UnknownTicket

if TYPE_CHECKING:  # pragma: no cover
    from .agent_api import AgentDesk

logger = logging.getLogger(__name__)

DEFAULT_SEND_INTERVAL_SECONDS = 5.0
MAX_ID_CHARS = 64


def send_interval_seconds() -> float:
    try:
        raw = current_config().raw.get("mail") or {}
        return max(1.0, float(raw.get("send_interval_seconds") or DEFAULT_SEND_INTERVAL_SECONDS))
    except Exception:
        return DEFAULT_SEND_INTERVAL_SECONDS


def masked_ticket(ticket: Dict[str, Any]) -> Dict[str, Any]:
    """The player's own text masked; the bot's and the team's as written."""
    shown = dict(ticket)
    for key in ("summary", "description"):
        if isinstance(shown.get(key), str):
            shown[key] = mask(shown[key])
    if isinstance(shown.get("transcript"), list):
        shown["transcript"] = [
            dict(line, text=mask(line["text"]))
            if isinstance(line, dict) and line.get("sender") == "user"
            and isinstance(line.get("text"), str) else line
            for line in shown["transcript"]]
    return shown


def with_local_times(items: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Tickets of the list with ``due_local`` (operator's zone, with its name)."""
    try:
        config = current_config()
    except Exception:
        return items
    result = []
    for item in items:
        due = item.get("due_at") if isinstance(item, dict) else None
        if isinstance(due, str):
            item = dict(item, due_local=ticket_desk.local_time(
                resolve_now(datetime.fromisoformat(due)), config),
                timezone=config.timezone)
        if isinstance(item, dict) and item.get("category") == CATEGORY_COMPLAINTS and item.get("created_at"):
            item = dict(item, complaint=complaint_facts(
                datetime.fromisoformat(item["created_at"]), item.get("status") == "solved",
                resolve_now(None), config.raw))
        result.append(item)
    return result


class TicketDesk:
    """Routes and the outbox sender; ``desk`` is the agent desk (auth, database)."""

    def __init__(self, desk: "AgentDesk"):
        self.desk = desk
        self.connector = desk.connector
        self._task: Optional[asyncio.Task] = None
        self._wake: Optional[asyncio.Event] = None
        self._settings_error: Optional[str] = None

    def register(self, blueprint: Blueprint) -> None:
        self._add_routes(blueprint)
        blueprint.listener("after_server_start")(self._start)
        blueprint.listener("before_server_stop")(self._stop)

    # --- the outbox sender ---------------------------------------------------------------

    async def _start(self, *_: Any) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.ensure_future(self._send_loop())

    async def _stop(self, *_: Any) -> None:
        if self._task is not None:
            self._task.cancel()

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _send_loop(self) -> None:
        while True:
            try:
                assert self._wake is not None
                await asyncio.wait_for(self._wake.wait(), timeout=send_interval_seconds())
            except asyncio.TimeoutError:
                pass
            if self._wake is not None:
                self._wake.clear()
            try:
                await self.send_now()
            except Exception:
                logger.exception("ticket mail: sending the outbox failed")

    async def send_now(self) -> Dict[str, int]:
        try:
            settings = ticket_mail.mail_settings()
        except ticket_mail.MailSettingsError as error:  # said once, not every few seconds
            if str(error) != self._settings_error:
                logger.error("ticket mail: nothing sent until support.yml is fixed: %s", error)
            self._settings_error = str(error)
            return {}
        self._settings_error = None
        report = await self.connector.db(ticket_mail.send_due, settings)
        if report.sent or report.failed:
            logger.info("ticket mail: %s", report.as_dict())
        return report.as_dict()

    # --- HTTP ------------------------------------------------------------------------------

    def _add_routes(self, blueprint: Blueprint) -> None:
        desk = self

        def guarded(handler: Callable[..., Awaitable[HTTPResponse]]):
            async def route(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                name = await desk.desk.authenticated(request)
                if name is None:
                    return response.json({"error": "agent token missing or invalid"},
                                         status=401)
                reference = kwargs.get("reference")
                if reference is not None and not (
                        isinstance(reference, str) and 0 < len(reference) <= MAX_ID_CHARS
                        and reference.isprintable()):
                    return response.json({"error": "invalid reference"}, status=400)
                try:
                    return await handler(request, name, *args, **kwargs)
                except UnknownTicket:
                    return response.json({"error": "no such ticket"}, status=404)
                except LookupError:
                    return response.json({"error": "not found"}, status=404)
                except (TicketError, ValueError) as error:
                    return response.json({"error": str(error)}, status=400)
                except Exception:
                    logger.exception("agent API: %s failed", request.path)
                    return response.json({"error": "server error"}, status=500)
            route.__name__ = handler.__name__
            return route

        def body_of(request: Request) -> Dict[str, Any]:
            try:
                body = request.json
            except Exception:
                body = None
            if not isinstance(body, dict):
                raise ValueError("JSON body expected")
            return body

        async def view(reference: str) -> Dict[str, Any]:
            return masked_ticket(await desk.connector.db(ticket_desk.ticket_view, reference))

        async def ticket_get(_: Request, __: str, reference: str) -> HTTPResponse:
            return response.json(await view(reference))

        async def ticket_reply(request: Request, name: str, reference: str) -> HTTPResponse:
            event = await desk.connector.db(ticket_desk.reply, reference, name,
                                            body_of(request).get("text"))
            desk.wake()
            return response.json({"event": event.as_dict(), "ticket": await view(reference)})

        async def ticket_note(request: Request, name: str, reference: str) -> HTTPResponse:
            event = await desk.connector.db(ticket_desk.add_note, reference, name,
                                            body_of(request).get("text"))
            return response.json({"event": event.as_dict(), "ticket": await view(reference)})

        async def ticket_status(request: Request, name: str, reference: str) -> HTTPResponse:
            status = body_of(request).get("status")
            if status not in ("open", "pending", "solved"):
                raise ValueError("status: open, pending or solved")
            await desk.connector.db(ticket_desk.set_status, reference, name, status)
            return response.json(await view(reference))

        async def mail_retry(_: Request, __: str, mail_id: int) -> HTTPResponse:
            mail = await desk.connector.db(ticket_mail.retry_mail, mail_id)
            desk.wake()
            return response.json(mail.as_dict())

        blueprint.add_route(guarded(ticket_get), "/casino/agent/tickets/<reference>",
                            methods=["GET"], name="agent_ticket")
        blueprint.add_route(guarded(ticket_reply), "/casino/agent/tickets/<reference>/reply",
                            methods=["POST"], name="agent_ticket_reply")
        blueprint.add_route(guarded(ticket_note), "/casino/agent/tickets/<reference>/notes",
                            methods=["POST"], name="agent_ticket_note")
        blueprint.add_route(guarded(ticket_status), "/casino/agent/tickets/<reference>/status",
                            methods=["POST"], name="agent_ticket_status")
        blueprint.add_route(guarded(mail_retry), "/casino/agent/mails/<mail_id:int>/retry",
                            methods=["POST"], name="agent_mail_retry")
