"""A real SMTP server on a free local port, for the e-mail tests of this app."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        # Django folds an encoded subject onto the next line; readers drop that leading space.
        return str(self.message["Subject"]).strip()

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class Inbox:
    """The aiosmtpd handler: keeps what it accepts and refuses the addresses in ``refuse``."""

    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    controller: Controller | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=message_from_bytes(raw, policy=default_policy),
            )
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    inbox.controller = Controller(inbox, hostname="127.0.0.1", port=port)
    inbox.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "dantoc@ubdt.example.gov.vn"
    yield inbox
    inbox.stop()


@pytest.fixture
def immediate_tasks(settings):
    """Run enqueued tasks at once, in the test, instead of leaving them for db_worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
