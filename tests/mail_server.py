"""A mail server on loopback (aiosmtpd) that keeps what it was sent, or refuses it while told to."""

import asyncio
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from app.ports import free_port


class Inbox:
    """aiosmtpd's handler: each message taken, parsed; `refuse` (an SMTP answer such as "554 ...") refuses them;
    `delay_s` makes the server slow to answer each message."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.delay_s = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.refuse:
            return self.refuse
        with self._lock:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 Message accepted for delivery"

    def recipients(self) -> list[str]:
        return [to for _, tos in self.envelopes for to in tos]


@contextmanager
def mail_server():
    """(inbox, port) of a mail server on 127.0.0.1 without STARTTLS or sign-in, for the test's length."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def reminders_config(port: int, **extra: str) -> str:
    """A config file's clinic name and `[reminders]` table for the loopback server (no STARTTLS, no sign-in)."""
    lines = [
        'clinic_name = "Praxis Dr. Weber"',
        "clinic_address = '''Hauptstraße 1\n10115 Berlin'''",
        "",
        "[reminders]",
        'host = "127.0.0.1"',
        f"port = {port}",
        'security = "none"',
        'sender = "Praxis Dr. Weber <termine@praxis-weber.example>"',
        *(f'{key} = "{value}"' for key, value in extra.items()),
    ]
    return "\n".join(lines) + "\n"
