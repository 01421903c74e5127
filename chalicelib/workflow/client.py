"""Starts the request workflow. One execution per request, named after it.

The name makes starting idempotent: a retry after a crash finds the execution
already there and carries on, so a request never gets two sets of timers.
"""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.observability import logger
from chalicelib.settings import get_settings


class WorkflowUnavailable(Exception):
    pass


class Workflow:
    def start(self, request_id: str) -> str:
        """Start (or find) the request's execution; return its ARN."""
        settings = get_settings()
        try:
            return client("stepfunctions").start_execution(
                stateMachineArn=settings.state_machine_arn, name=request_id,
                input=json.dumps({"request_id": request_id}),
            )["executionArn"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ExecutionAlreadyExists":
                machine = settings.state_machine_arn
                return machine.replace(":stateMachine:", ":execution:") + f":{request_id}"
            logger.exception("workflow start failed", extra={"request_id": request_id})
            raise WorkflowUnavailable(str(error)) from error
        except BotoCoreError as error:
            logger.exception("workflow start failed", extra={"request_id": request_id})
            raise WorkflowUnavailable(str(error)) from error
