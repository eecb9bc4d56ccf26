"""The email channel: plain-text mail through Django's SMTP backend and the EMAIL_* settings."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from safepassage.alerts.channels.base import ChannelError, Destination, Message

# SMTP reply codes in the 4xx range are temporary by definition (RFC 5321).
_TEMPORARY = range(400, 500)


class EmailChannel:
    """Sends through the SMTP server named by EMAIL_HOST/EMAIL_PORT (TLS and login optional)."""

    name = "email"

    def send(self, message: Message, destination: Destination) -> None:
        """Send one plain-text mail; raise ChannelError saying whether a retry makes sense."""
        if not destination.address or "@" not in destination.address:
            raise ChannelError("the recipient has no email address", retryable=False)
        # The SMTP backend is named explicitly: alerts must really leave, whatever backend
        # the rest of the site (or a test run) uses for other mail.
        connection = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host=settings.EMAIL_HOST,
            port=settings.EMAIL_PORT,
            username=settings.EMAIL_HOST_USER or None,
            password=settings.EMAIL_HOST_PASSWORD or None,
            use_tls=settings.EMAIL_USE_TLS,
            use_ssl=settings.EMAIL_USE_SSL,
            timeout=settings.EMAIL_TIMEOUT,
            fail_silently=False,
        )
        mail = EmailMessage(
            subject=message.subject[:250],
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[destination.address],
            connection=connection,
        )
        try:
            mail.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            retry = all(code in _TEMPORARY for code in codes)
            raise ChannelError(
                f"the server refused the recipient: {codes}", retryable=retry
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(
                f"the SMTP server answered {exc.smtp_code}", retryable=exc.smtp_code in _TEMPORARY
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, a dropped connection: the server may be back later.
            raise ChannelError(
                f"the SMTP server could not be reached: {exc}", retryable=True
            ) from exc
