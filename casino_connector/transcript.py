"""A conversation as the widget and the agent console show it, read from Rasa's tracker.

``transcript(events)`` turns tracker events into ``[{sender, text, buttons?, agent?, at}]``:
``UserUttered`` -> ``user``; ``BotUttered`` -> ``bot``, or ``agent`` (with ``agent``: the
name) when its metadata says an agent wrote it. The tracker store is the one the
running Rasa agent uses (``app.ctx.agent``), so the history survives restarts and is the
same on every replica.

The lines come in the order the player saw them: the tracker stores what the
session-start action said (the automated-assistant greeting) before the message that
opened the session, the player saw it after.

Card numbers, IBANs and e-mail addresses in the lines are masked
(``casino_support.masking``): the widget's history and the agent console never show
them; the tracker keeps what was typed. The widget's history (``mask_bot_text=False``)
shows the bot's own messages as they were sent (the support address, for one): what the
player typed is masked there as everywhere.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa.shared.core.constants import ACTION_SESSION_START_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered

from casino_support.masking import mask

NEUTRALISED_PREFIX = "\u200b"  # put before a typed "/..." so that Rasa reads it as text
MAX_ENTRIES = 300


def iso_time(timestamp: Optional[float]) -> Optional[str]:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(float(timestamp), tz=timezone.utc).isoformat()


def button_list(buttons: Any) -> List[Dict[str, str]]:
    """Buttons or quick replies as ``[{title, payload}]`` (anything else dropped)."""
    result = []
    for button in buttons or []:
        if isinstance(button, dict) and isinstance(button.get("payload"), str):
            result.append({"title": str(button.get("title") or button["payload"]),
                           "payload": button["payload"]})
    return result


def agent_of(event: BotUttered, key: str = "agent") -> Optional[str]:
    """The agent who wrote this message (their login), or with ``key="agent_shown"`` the
    first name the player is shown (None: « Conseiller » alone; never the login)."""
    metadata = event.metadata if isinstance(event.metadata, dict) else {}
    agent = metadata.get(key)
    return agent if isinstance(agent, str) and agent else None


def entry(event: Event, mask_bot_text: bool = True) -> Optional[Dict[str, Any]]:
    """One transcript line, or None for events the people in the chat do not see."""
    if isinstance(event, UserUttered):
        text = event.text or ""
        if text.startswith(NEUTRALISED_PREFIX):
            text = text[len(NEUTRALISED_PREFIX):]
        if not text:
            return None
        return {"sender": "user", "text": mask(text), "at": iso_time(event.timestamp)}
    if isinstance(event, BotUttered):
        data = event.data if isinstance(event.data, dict) else {}
        buttons = button_list(data.get("buttons") or data.get("quick_replies"))
        if not event.text and not buttons:
            return None
        text = event.text or ""
        line: Dict[str, Any] = {"sender": "bot", "text": mask(text) if mask_bot_text else text,
                                "at": iso_time(event.timestamp)}
        agent = agent_of(event)
        if agent:
            line["sender"], line["agent"] = "agent", agent
            line["agent_shown"] = agent_of(event, "agent_shown")
        if buttons:
            line["buttons"] = buttons
        return line
    return None


def in_the_order_seen(events: Iterable[Event]) -> List[Event]:
    """The messages of ``events`` (player's and bot's) in the order the player saw them:
    what the session-start action said comes after the player's message that opened the
    session (Rasa runs that action, and stores what it said, before logging the message)."""
    ordered: List[Event] = []
    greeting: List[Event] = []  # said by the session-start action, not placed yet
    in_session_start = False
    for event in events:
        if isinstance(event, ActionExecuted):
            in_session_start = event.action_name == ACTION_SESSION_START_NAME
        elif isinstance(event, BotUttered) and in_session_start:
            greeting.append(event)
        elif isinstance(event, UserUttered):
            ordered.append(event)
            ordered.extend(greeting)
            greeting = []
        elif isinstance(event, BotUttered):
            ordered.extend(greeting)  # a session opened without a player's message
            greeting = []
            ordered.append(event)
    return ordered + greeting


def offered_buttons(event: Event) -> List[Dict[str, str]]:
    data = event.data if isinstance(getattr(event, "data", None), dict) else {}
    return button_list(data.get("buttons") or data.get("quick_replies"))


def with_button_titles(events: Iterable[Event]) -> List[Tuple[Event, Optional[str]]]:
    """``events`` each with, for a player's message that is exactly the payload of a
    button the bot offered just before (a quick reply clicked), that button's title."""
    result: List[Tuple[Event, Optional[str]]] = []
    offered: Dict[str, str] = {}
    for event in events:
        title = None
        if isinstance(event, UserUttered):
            title = offered.get(event.text or "")
            offered = {}
        elif isinstance(event, BotUttered):
            for button in offered_buttons(event):
                offered.setdefault(button["payload"], button["title"])
        result.append((event, title))
    return result


def title_of_payload(events: Iterable[Event], payload: str) -> Optional[str]:
    """The title of the button whose ``payload`` the player's last such message was."""
    found = None
    for event, title in with_button_titles(events):
        if isinstance(event, UserUttered) and (event.text or "") == payload:
            found = title
    return found


def transcript(events: Iterable[Event], limit: int = MAX_ENTRIES,
               mask_bot_text: bool = True) -> List[Dict[str, Any]]:
    """The visible messages of ``events``, oldest first (as seen), at most the last
    ``limit``; ``mask_bot_text=False``: the bot's messages as sent (the player's history).
    A quick reply the player clicked shows the button's title (``button: true``), not its
    payload (``/human_handoff_wait``)."""
    lines = []
    for event, title in with_button_titles(in_the_order_seen(events)):
        line = entry(event, mask_bot_text)
        if line is not None and title:
            line["text"], line["button"] = mask(title), True
        lines.append(line)
    return [line for line in lines if line is not None][-limit:]


def for_the_player(lines: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The transcript as the player may see it: an agent by the first name they chose to
    show, never by their login."""
    shown = []
    for line in lines:
        line = dict(line)
        if "agent" in line:
            line["agent"] = line.pop("agent_shown", None)
        shown.append(line)
    return shown


def last_offered_payloads(events: Iterable[Event]) -> List[str]:
    """The button payloads the bot offered since the player's last message."""
    offered: List[str] = []
    for event in events:
        if isinstance(event, UserUttered):
            offered = []
        elif isinstance(event, BotUttered):
            data = event.data if isinstance(event.data, dict) else {}
            offered.extend(b["payload"] for b in
                           button_list(data.get("buttons") or data.get("quick_replies")))
    return offered


# --- the tracker store of the running Rasa agent ------------------------------------

async def conversation_events(agent: Any, conversation_id: str) -> List[Event]:
    """Every event of the conversation (all sessions), [] when it does not exist."""
    tracker = await agent.tracker_store.retrieve_full_tracker(conversation_id)
    return list(tracker.events) if tracker is not None else []


async def append_events(agent: Any, conversation_id: str, events: List[Event]) -> None:
    """Append ``events`` to the conversation's tracker under the conversation lock."""
    async with agent.lock_store.lock(conversation_id):
        processor = agent.processor
        tracker = await processor.get_tracker(conversation_id)
        for event in events:
            tracker.update(event)
        await processor.save_tracker(tracker)
