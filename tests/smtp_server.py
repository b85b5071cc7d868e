"""A real SMTP server on a free localhost port for the tests (aiosmtpd), keeping every
message it receives; addresses in ``refuse`` are refused for good (550)."""
from __future__ import annotations

import email
import time
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Iterator, List, Optional, Sequence

from aiosmtpd.controller import Controller

from tests.servers import free_port


class Inbox:
    def __init__(self, refuse: Sequence[str] = ()):
        self.messages: List[EmailMessage] = []
        self.envelopes: List[tuple] = []
        self.refuse = {address.lower() for address in refuse}
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.original_content or
                                                      envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 30.0) -> List[EmailMessage]:
        """The first ``count`` messages, once they arrived (AssertionError after timeout)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} mails arrived"
        return self.messages[:count]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


@contextmanager
def smtp_server(port: Optional[int] = None, refuse: Sequence[str] = ()) -> Iterator[Inbox]:
    inbox = Inbox(refuse)
    inbox.port = port or free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
