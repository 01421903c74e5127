"""Publishes notices on SNS. Best effort after the change is committed: a failure is logged and
counted, never turned into an error for the person who acted (the change stands).

Every e-mail about a request links to its console page (``request_page``), never to a JSON endpoint, which
would answer 401 in a browser: notices to representatives, leads and operators get the link appended here;
agency notices carry it in their text (``notices.agency_notice``).
"""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.notify.notices import Notice
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings


def request_page(request_id: str) -> str:
    """The console page of a request, where representatives, operators and officers all follow it."""
    return f"{get_settings().console_base_url.rstrip('/')}/requests/{request_id}"


class Publisher:
    """Notices to authorities, and to a representative taking a request over."""

    def notify_representative(self, region: str, rep_id: str, request_id: str, text: str) -> bool:
        """Send ``text`` to one representative, followed by the link to the request's console page."""
        try:
            client("sns").publish(
                TopicArn=get_settings().representatives_topic_arn,
                Subject="Liaison: a legal request needs you",
                Message=f"{text} {request_page(request_id)}",
                MessageAttributes={
                    "region": {"DataType": "String", "StringValue": region},
                    "recipient": {"DataType": "String", "StringValue": rep_id},
                    "request_id": {"DataType": "String", "StringValue": request_id},
                },
            )
        except (BotoCoreError, ClientError):
            logger.exception("representative notice not sent", extra={"request_id": request_id})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
            return False
        return True

    def tell_lead(self, region: str, lead: str | None, request_id: str, text: str) -> bool:
        """Flag a request to its region's lead, as the caller read it from the region's registry
        (``domain.assignment.region_lead``: never a request's escalation chain, which reassignments rewrite);
        to the operators if the region has no available lead."""
        if lead:
            return self.notify_representative(region, lead, request_id, f"FLAGGED: {text}")
        return self.alert_operators(f"FLAGGED: {text}", request_id)

    def publish(self, agency_id: str, request_id: str, kind: str, notice: Notice) -> bool:
        try:
            client("sns").publish(
                TopicArn=get_settings().agency_topic_arn,
                Subject=notice.subject[:100],
                Message=notice.text,
                MessageAttributes={
                    "agency_id": {"DataType": "String", "StringValue": agency_id},
                    "recipient": {"DataType": "String", "StringValue": agency_id},
                    "kind": {"DataType": "String", "StringValue": kind},
                    "request_id": {"DataType": "String", "StringValue": request_id},
                },
            )
        except (BotoCoreError, ClientError):
            logger.exception("agency notice not sent", extra={"request_id": request_id, "kind": kind})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
            return False
        return True

    def alert_operators(self, text: str, request_id: str) -> bool:
        """Send ``text`` to the operators, followed by the link to the request's console page."""
        try:
            client("sns").publish(
                TopicArn=get_settings().operator_alerts_topic_arn,
                Subject="Liaison: operator action needed",
                Message=f"{text} {request_page(request_id)}",
                MessageAttributes={"request_id": {"DataType": "String", "StringValue": request_id}},
            )
        except (BotoCoreError, ClientError):
            logger.exception("operator alert not sent", extra={"request_id": request_id})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
            return False
        return True

    def subscribe_representative(self, rep_id: str, email: str) -> None:
        """Deliver notices meant for this representative to their address (SNS asks them to confirm)."""
        self._subscribe(get_settings().representatives_topic_arn, email, {"recipient": [rep_id]})

    def subscribe_contact(self, agency_id: str, email: str) -> None:
        """Deliver the agency's notices to its contact address (SNS asks the address to confirm)."""
        self._subscribe(get_settings().agency_topic_arn, email, {"agency_id": [agency_id]})

    @staticmethod
    def _subscribe(topic_arn: str, email: str, filter_policy: dict[str, list[str]]) -> None:
        try:
            client("sns").subscribe(
                TopicArn=topic_arn,
                Protocol="email",
                Endpoint=email,
                Attributes={"FilterPolicy": json.dumps(filter_policy)},
            )
        except (BotoCoreError, ClientError):
            logger.exception("e-mail subscription failed", extra={"topic": topic_arn})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
