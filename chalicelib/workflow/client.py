"""Starts the request workflow. One execution per request, named after it.

The name makes starting idempotent: a retry after a crash finds the execution
already there and carries on, so a request never gets two sets of timers.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.observability import logger
from chalicelib.settings import get_settings


ANSWER_ATTEMPTS = 3
ANSWER_BACKOFF_SECONDS = 0.2


class WorkflowUnavailable(Exception):
    pass


class Workflow:
    def start(self, request_id: str, plan: dict[str, Any]) -> str:
        """Start (or find) the request's execution with its plan (see ``services.dispatch``); return its ARN."""
        settings = get_settings()
        try:
            return client("stepfunctions").start_execution(
                stateMachineArn=settings.state_machine_arn, name=request_id,
                input=json.dumps({"request_id": request_id, **plan}),
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

    def answer(self, token: str | None, output: dict[str, Any]) -> bool:
        """Resume the wait that stored ``token``. False if there was none or it is already over."""
        if not token:
            return False
        for attempt in range(ANSWER_ATTEMPTS):
            try:
                client("stepfunctions").send_task_success(taskToken=token, output=json.dumps(output))
                return True
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code == "TaskTimedOut":
                    return False  # the wait already ended (timed out into an escalation)
                if code not in ("InvalidToken", "TaskDoesNotExist"):
                    raise WorkflowUnavailable(str(error)) from error
                # The token was stored a moment before its wait began (seen with moto); give it that moment.
                if attempt + 1 < ANSWER_ATTEMPTS:
                    time.sleep(ANSWER_BACKOFF_SECONDS * (attempt + 1))
        logger.warning("workflow token not answerable", extra={"output": output})
        return False

    def withdraw(self, token: str | None) -> bool:
        """End the waiting execution of a withdrawn request."""
        if not token:
            return False
        try:
            client("stepfunctions").send_task_failure(taskToken=token, error="Liaison.Withdrawn",
                                                      cause="The authority withdrew the request.")
        except ClientError as error:
            if error.response["Error"]["Code"] in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                return False
            raise WorkflowUnavailable(str(error)) from error
        return True
