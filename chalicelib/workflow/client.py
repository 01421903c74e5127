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

ANSWER_ATTEMPTS = 4
ANSWER_BACKOFF_SECONDS = 0.2
RETRYABLE = frozenset(
    {
        "InvalidToken",
        "TaskDoesNotExist",
        "ThrottlingException",
        "ServiceUnavailable",
        "InternalFailure",
        "InternalServerError",
        "RequestLimitExceeded",
    }
)


class WorkflowUnavailable(Exception):
    pass


class Workflow:
    def start(self, request_id: str, plan: dict[str, Any]) -> str:
        """Start (or find) the request's execution with its plan (see ``services.dispatch``); return its ARN."""
        settings = get_settings()
        try:
            return client("stepfunctions").start_execution(
                stateMachineArn=settings.state_machine_arn,
                name=request_id,
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
        """Resume the wait that stored ``token``. False if there was none or it is already over;
        ``WorkflowUnavailable`` if Step Functions could not be told (the caller alerts operators)."""
        if not token:
            return False
        return self._send(lambda sfn: sfn.send_task_success(taskToken=token, output=json.dumps(output)))

    def withdraw(self, token: str | None) -> bool:
        """End the waiting execution of a withdrawn request."""
        if not token:
            return False
        return self._send(
            lambda sfn: sfn.send_task_failure(
                taskToken=token, error="Liaison.Withdrawn", cause="The authority withdrew the request."
            )
        )

    @staticmethod
    def _send(call: Any) -> bool:
        last: Exception | None = None
        for attempt in range(ANSWER_ATTEMPTS):
            try:
                call(client("stepfunctions"))
                return True
            except ClientError as error:
                code = error.response["Error"]["Code"]
                if code == "TaskTimedOut":
                    return False  # the wait already ended (timed out into an escalation)
                if code not in RETRYABLE:
                    raise WorkflowUnavailable(str(error)) from error
                # InvalidToken: the token was stored a moment before its wait began (seen with moto);
                # throttling or a 5xx: transient. Either way, give it a moment.
                last = error
            except BotoCoreError as error:
                last = error
            if attempt + 1 < ANSWER_ATTEMPTS:
                time.sleep(ANSWER_BACKOFF_SECONDS * (attempt + 1))
        raise WorkflowUnavailable(str(last))
