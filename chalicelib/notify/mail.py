"""One-to-one e-mail, through SES: to a person who is not (yet) subscribed to any topic, such as an officer
applying for an account. Notices about requests go through the topics (``publisher.py``).

Locally SES is moto's, which delivers nothing: ``make run`` writes each message it accepts to the outbox.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import DependencyUnavailable
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings


def configured() -> bool:
    return bool(get_settings().mail_from)


def send(to: str, subject: str, text: str) -> str:
    """Send ``text`` to ``to``; the SES message id. 503 when e-mail is not configured or SES refuses: the caller
    decides whether what it stored stands (it always does: the person can ask for the e-mail again)."""
    sender = get_settings().mail_from
    if not sender:
        raise DependencyUnavailable(
            "E-mail is not configured on this deployment (LIAISON_MAIL_FROM).", code="mail_not_configured"
        )
    try:
        answer = client("sesv2").send_email(
            FromEmailAddress=sender,
            Destination={"ToAddresses": [to]},
            Content={
                "Simple": {
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": text, "Charset": "UTF-8"}},
                }
            },
        )
    except (BotoCoreError, ClientError) as error:
        logger.exception("e-mail not sent")
        metrics.add_metric(name="MailFailures", unit="Count", value=1)
        raise DependencyUnavailable(
            "The e-mail could not be sent right now; try again in a few minutes.", code="mail_unavailable"
        ) from error
    return str(answer.get("MessageId", ""))
