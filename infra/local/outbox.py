"""The local outbox: every notification the system sends, written as a readable .eml file.

Deployed, the topics deliver e-mail to subscribed addresses. Locally nothing
leaves the machine, so an SQS queue in moto is subscribed to every topic and a
pump thread turns each message into ``<state dir>/outbox/<time>-<topic>-<recipient>.eml``,
addressed to the person the message is for. Open one to see what a
representative, an authority or an operator receives.
"""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import boto3

logger = logging.getLogger(__name__)

SENDER = "Liaison <notifications@liaison.local>"
OPERATORS = "operators@liaison.local"
TOPICS = {
    "RepresentativesTopic": "representatives",
    "OperatorAlertsTopic": "operators",
    "AgencyNotificationsTopic": "authorities",
}


def _address(kind: str, recipient: str | None) -> str:
    """The e-mail address of a recipient id, from the same tables the API uses."""
    from chalicelib.store.models import Agency, Representative  # settings are in the environment by now

    try:
        if kind == "representatives" and recipient:
            return Representative.get(recipient).email
        if kind == "authorities" and recipient:
            return Agency.get(recipient).contact_email
    except Exception:  # noqa: BLE001 - an unknown recipient still gets its message written
        return f"{recipient}@unknown.liaison.local"
    return OPERATORS


def render(kind: str, envelope: dict[str, Any]) -> tuple[str, bytes]:
    attributes = {k: v.get("Value") for k, v in envelope.get("MessageAttributes", {}).items()}
    recipient = attributes.get("recipient")
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = _address(kind, recipient)
    message["Subject"] = envelope.get("Subject") or "Liaison notification"
    message["Date"] = format_datetime(datetime.now(UTC))
    if attributes.get("request_id"):
        message["X-Liaison-Request"] = attributes["request_id"]
    message["X-Liaison-Topic"] = kind
    message.set_content(envelope.get("Message", ""), cte="8bit")  # readable as plain text
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"{stamp}-{kind}-{recipient or 'all'}.eml", bytes(message)


def _file_safe(recipient: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "@.-_" else "_" for ch in recipient)[:100]


def write_mail(directory: Path, sender: str, recipient: str, subject: str, body: str) -> Path:
    """One e-mail sent through SES (to one person, not a topic), as ``<time>-mail-<recipient>.eml``."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["X-Liaison-Topic"] = "mail"
    message.set_content(body, cte="8bit")
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    safe = _file_safe(recipient)
    path = directory / f"{stamp}-mail-{safe}.eml"
    path.write_bytes(bytes(message))
    return path


def mail_to(directory: Path, recipient: str) -> list[EmailMessage]:
    """The e-mails sent through SES to ``recipient`` so far, oldest first (what a test or a person reads)."""
    from email import policy
    from email.parser import BytesParser

    safe = _file_safe(recipient)
    return [
        BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        for path in sorted(directory.glob(f"*-mail-{safe}.eml"))
    ]


class Outbox:
    def __init__(self, directory: Path, topics: dict[str, str], region: str) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self._sqs = boto3.client("sqs", region_name=region)
        self._stop = threading.Event()
        self._queues: dict[str, str] = {}
        sns = boto3.client("sns", region_name=region)
        for logical_id, topic_arn in topics.items():
            kind = TOPICS[logical_id]
            url = self._sqs.create_queue(QueueName=f"liaison-local-outbox-{kind}")["QueueUrl"]
            arn = self._sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
            self._queues[kind] = url
        self._thread = threading.Thread(target=self._pump, name="outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _pump(self) -> None:
        while not self._stop.is_set():
            busy = False
            for kind, url in self._queues.items():
                try:
                    busy |= self._drain_batch(kind, url)
                except Exception:  # the pump outlives a failed call: what is not deleted comes back
                    if self._stop.is_set():
                        return  # moto is stopping with the stack
                    logger.exception("outbox: reading the %s queue failed; trying again", kind)
                    self._stop.wait(1.0)
            if not busy:  # a full batch means more are waiting: keep up with them, or the queue grows
                self._stop.wait(0.5)

    def _drain_batch(self, kind: str, url: str) -> bool:
        """Write up to ten messages of one queue and delete them; True if the batch was full."""
        batch = self._sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = batch.get("Messages", [])
        for received in messages:
            name, content = render(kind, json.loads(received["Body"]))
            (self.directory / name).write_bytes(content)
        if messages:
            failed = self._sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(index), "ReceiptHandle": m["ReceiptHandle"]} for index, m in enumerate(messages)],
            ).get("Failed", [])
            if failed:  # those come back after the visibility timeout and are written a second time
                logger.warning("outbox: %d %s messages not deleted: %s", len(failed), kind, failed)
        return len(messages) == 10
