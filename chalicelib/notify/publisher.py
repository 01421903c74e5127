"""Publishes notices on SNS. Best effort after the change is committed: a failure is logged and
counted, never turned into an error for the person who acted (the change stands)."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.notify.notices import Notice
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings


class Publisher:
    """Notices to authorities, and to a representative taking a request over."""

    def notify_representative(self, region: str, rep_id: str, request_id: str, text: str) -> bool:
        try:
            client("sns").publish(
                TopicArn=get_settings().representatives_topic_arn, Subject="Liaison: a legal request needs you",
                Message=text, MessageAttributes={
                    "region": {"DataType": "String", "StringValue": region},
                    "recipient": {"DataType": "String", "StringValue": rep_id},
                    "request_id": {"DataType": "String", "StringValue": request_id},
                })
        except (BotoCoreError, ClientError):
            logger.exception("representative notice not sent", extra={"request_id": request_id})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
            return False
        return True

    def publish(self, agency_id: str, request_id: str, kind: str, notice: Notice) -> bool:
        try:
            client("sns").publish(
                TopicArn=get_settings().agency_topic_arn, Subject=notice.subject[:100], Message=notice.text,
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

    def subscribe_contact(self, agency_id: str, email: str) -> None:
        """Deliver the agency's notices to its contact address (SNS asks the address to confirm)."""
        try:
            client("sns").subscribe(
                TopicArn=get_settings().agency_topic_arn, Protocol="email", Endpoint=email,
                Attributes={"FilterPolicy": json.dumps({"agency_id": [agency_id]})},
            )
        except (BotoCoreError, ClientError):
            logger.exception("agency contact not subscribed", extra={"agency_id": agency_id})
            metrics.add_metric(name="NotificationFailures", unit="Count", value=1)
