"""Writes request-workflow.asl.json, the state machine of a legal request.

The ASL file is what deploys and what moto runs; it is generated from this
script because its states (123 now) repeat a few shapes (notify with a failure
alert, record a change with its event, wait on a task token). Edit here, run
`python -m infra.statemachine.generate`, commit both; a test checks they agree.
"""

import json
from pathlib import Path
from typing import Any

State = dict[str, Any]  # one state of the ASL definition, or a part of one

TABLE = "${RequestsTable}"
EVENTS = "${EventsTable}"
REPS = "${RepresentativesTopicArn}"
OPS = "${OperatorAlertsTopicArn}"
AGENCIES = "${AgencyTopicArn}"
# The console page of the request, inside a States.Format text: its {} takes $.request_id. Every message about a
# request links there (representatives, leads, operators and authorities alike), never to a JSON endpoint.
PAGE = "${ConsoleBaseUrl}/requests/{}"
RETRY = [
    {"ErrorEquals": ["States.TaskFailed", "States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}
]
KEY = {"request_id": {"S.$": "$.request_id"}}


TRANSIENT = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "InternalServerErrorException",
    "RequestLimitExceeded",
    "TransactionConflictException",
)


def retry_except(prefix: str = "DynamoDB") -> list[State]:
    """Retries for transient DynamoDB errors. A write that meets an API transaction on the same request gets
    TransactionConflictException: it is retried, not treated as a failure of the workflow."""
    return [
        {
            "ErrorEquals": [f"{prefix}.{name}" for name in TRANSIENT],
            "IntervalSeconds": 1,
            "MaxAttempts": 4,
            "BackoffRate": 2.0,
        }
    ]


def notify(name: str, recipient_path: str, message: str, nxt: str) -> dict[str, State]:
    """Publish to the representatives topic; a failure alerts operators and the workflow carries on."""
    return {
        name: {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": REPS,
                "Subject": "Liaison: a legal request needs you",
                "Message.$": message,
                "MessageAttributes": {
                    "region": {"DataType": "String", "StringValue.$": "$.region"},
                    "recipient": {"DataType": "String", "StringValue.$": recipient_path},
                    "request_id": {"DataType": "String", "StringValue.$": "$.request_id"},
                },
            },
            "ResultPath": None,
            "Retry": RETRY,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notification_error", "Next": f"{name}Failed"}],
            "Next": nxt,
        },
        f"{name}Failed": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": OPS,
                "Subject": "Liaison: a notification failed",
                "Message.$": "States.Format('Notifying {} about request {} failed ({}). Reach them another way. "
                + PAGE
                + "', "
                + recipient_path
                + ", $.request_id, $.notification_error.Error, "
                "$.request_id)",
            },
            "ResultPath": None,
            "Retry": RETRY,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": nxt}],
            "Next": nxt,
        },
    }


def _current_either(statuses: tuple[str, ...]) -> State:
    """A Choice rule: the request read into $.current (Resync) has one of ``statuses``."""
    return {"Or": [{"Variable": "$.current.status", "StringEquals": status} for status in statuses]}


def _either(statuses: tuple[str, ...]) -> State:
    """A Choice rule: the request read into $.head has one of ``statuses``."""
    return {"Or": [{"Variable": "$.head.item.status.S", "StringEquals": status} for status in statuses]}


def record(
    name: str,
    update: str,
    values: State,
    kind: str,
    detail_path: str,
    nxt: str,
    condition: tuple[str, State],
    check: State,
) -> dict[str, State]:
    """Update the request and append the matching timeline event, chained into its audit trail, in one
    transaction (the API's writes are chained the same way: chalicelib/domain/audit.py).

    The head of the chain is read first; the event's hash is computed here with ``States.Hash`` over the
    same canonical form Python uses, and the write holds the request on that head (``last_event_seq``) and in
    the state this change assumes (``condition``). ``check`` is that state as a Choice rule on the read: if
    the API changed it meanwhile (acknowledged just as the timer fired), nothing is written and the workflow
    re-reads where the request stands (Resync). If only the chain moved (a message arrived), it tries again,
    five times at most (refused attempts, which also move the chain, are capped per request)."""
    canonical = (
        "States.Format('{}{}|{}|{}|" + kind + "|system|workflow|{}', $.head.hash, $.request_id, "
        "States.Format('{}', States.MathAdd(States.StringToJson($.head.seq), 1)), $$.State.EnteredTime, "
        f"States.JsonToString({detail_path}))"
    )
    return {
        name: {"Type": "Pass", "Result": {"count": 0}, "ResultPath": "$.attempts", "Next": f"{name}Read"},
        f"{name}Read": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {
                "TableName": TABLE,
                "Key": KEY,
                "ConsistentRead": True,
                "ProjectionExpression": "#status, last_event_seq, last_event_hash, hold_state, "
                "hold_expires_at, notice_state, notice_due_at",
                "ExpressionAttributeNames": {"#status": "status"},
            },
            "ResultSelector": {
                "seq.$": "$.Item.last_event_seq.N",
                "hash.$": "$.Item.last_event_hash.S",
                "item.$": "$.Item",
            },
            "ResultPath": "$.head",
            "Retry": retry_except(),
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"}],
            "Next": f"{name}Check",
        },
        f"{name}Check": {"Type": "Choice", "Choices": [{**check, "Next": f"{name}Chain"}], "Default": "Resync"},
        f"{name}Chain": {
            "Type": "Pass",
            "Parameters": {
                "seq.$": "States.Format('{}', States.MathAdd(States.StringToJson($.head.seq), 1))",
                "at.$": "$$.State.EnteredTime",
                "detail.$": f"States.JsonToString({detail_path})",
                "hash.$": f"States.Hash({canonical}, 'SHA-256')",
            },
            "ResultPath": "$.chain",
            "Next": f"{name}Write",
        },
        f"{name}Write": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
            "Parameters": {
                "TransactItems": [
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": KEY,
                            "UpdateExpression": f"SET {update}, updated_at = :now, last_event_seq = :seq, "
                            "last_event_hash = :hash, chain_hour = :hour ADD version :one",
                            "ConditionExpression": f"({condition[0]}) AND last_event_seq = :head",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                **values,
                                **condition[1],
                                ":one": {"N": "1"},
                                ":now": {"S.$": "$.chain.at"},
                                ":seq": {"N.$": "$.chain.seq"},
                                ":hash": {"S.$": "$.chain.hash"},
                                ":head": {"N.$": "$.head.seq"},
                                # the hour, for the checkpoint index: "2026-12-01T09" of the time
                                ":hour": {"S.$": "States.ArrayGetItem(States.StringSplit($.chain.at, ':'), 0)"},
                            },
                        }
                    },
                    {
                        "Put": {
                            "TableName": EVENTS,
                            "Item": {
                                "request_id": {"S.$": "$.request_id"},
                                "seq": {"N.$": "$.chain.seq"},
                                "at": {"S.$": "$.chain.at"},
                                "kind": {"S": kind},
                                "actor_role": {"S": "system"},
                                "actor": {"S": "workflow"},
                                "detail": {"S.$": "$.chain.detail"},
                                "prev_hash": {"S.$": "$.head.hash"},
                                "hash": {"S.$": "$.chain.hash"},
                            },
                            "ConditionExpression": "attribute_not_exists(seq)",
                        }
                    },
                ]
            },
            "ResultPath": None,
            "Retry": retry_except("DynamoDb"),
            "Catch": [
                {"ErrorEquals": ["DynamoDb.TransactionCanceledException"], "ResultPath": None, "Next": f"{name}Again"},
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"},
            ],
            "Next": nxt,
        },
        f"{name}Again": {
            "Type": "Pass",
            "Parameters": {"count.$": "States.MathAdd($.attempts.count, 1)"},
            "ResultPath": "$.attempts",
            "Next": f"{name}Retry",
        },
        f"{name}Retry": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.attempts.count", "NumericLessThan": 5, "Next": f"{name}Read"}],
            "Default": "AlertOperators",
        },
    }


def agency_notice(name: str, subject: str, message: str, kind: str, nxt: str) -> dict[str, State]:
    """Tell the authority (the agency topic, filtered on agency_id); a failure does not stop the workflow."""
    return {
        name: {
            "Type": "Task",
            "Resource": "arn:aws:states:::sns:publish",
            "Parameters": {
                "TopicArn": AGENCIES,
                "Subject.$": subject,
                "Message.$": message,
                "MessageAttributes": {
                    "agency_id": {"DataType": "String", "StringValue.$": "$.agency_id"},
                    "recipient": {"DataType": "String", "StringValue.$": "$.agency_id"},
                    "kind": {"DataType": "String", "StringValue": kind},
                    "request_id": {"DataType": "String", "StringValue.$": "$.request_id"},
                },
            },
            "ResultPath": None,
            "Retry": RETRY,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": nxt}],
            "Next": nxt,
        },
    }


def await_token(
    name: str,
    waiting_for: str,
    condition: str,
    timeout_path: str | None,
    on_timeout: str | None,
    nxt: str,
    condition_values: State,
) -> dict[str, State]:
    """Store this wait's task token on the request and wait for the API to answer it."""
    state: State = {
        "Type": "Task",
        "Resource": "arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken",
        "Parameters": {
            "TableName": TABLE,
            "Key": KEY,
            # Bumping the version makes an API change based on an older read (and an older token) retry.
            "UpdateExpression": "SET task_token = :token, waiting_for = :waiting ADD version :one",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":token": {"S.$": "$$.Task.Token"},
                ":waiting": {"S": waiting_for},
                ":one": {"N": "1"},
                **condition_values,
            },
        },
        "ResultPath": "$.answer",
        "Retry": retry_except("DynamoDb"),  # SDK integrations name the service "DynamoDb"
        "Catch": [
            {"ErrorEquals": ["Liaison.Withdrawn"], "ResultPath": None, "Next": "Withdrawn"},
            # The API changed the request before this wait began: read where it stands and go on from there.
            # (SDK integrations name the service "DynamoDb"; optimised ones "DynamoDB".)
            {
                "ErrorEquals": ["DynamoDb.ConditionalCheckFailedException", "DynamoDB.ConditionalCheckFailedException"],
                "ResultPath": None,
                "Next": "Resync",
            },
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"},
        ],
        "Next": nxt,
    }
    if timeout_path:
        state["TimeoutSecondsPath"] = timeout_path
        state["Catch"].insert(0, {"ErrorEquals": ["States.Timeout"], "ResultPath": None, "Next": on_timeout})
    return {name: state}


OPEN_BEFORE_ACK = {":received": {"S": "received"}, ":assigned": {"S": "assigned"}}
states: dict[str, State] = {}
# A new request starts at its assignment; an execution started by another to keep a notice timer (ContinueNotice)
# starts where that one handed over.
states["Start"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.resume", "IsPresent": True, "Next": "NoticeRoute"}],
    "Default": "NotifyAssignee",
}
states.update(
    notify(
        "NotifyAssignee",
        "$.assignee",
        "States.Format('New {} request {} (region {}). Acknowledge by {}; resolve by {}. "
        + PAGE
        + "', $.type, $.request_id, $.region, $.ack_due_at, $.due_at, $.request_id)",
        "AwaitAcknowledgement",
    )
)
states.update(
    await_token(
        "AwaitAcknowledgement",
        "acknowledgement",
        "#status IN (:received, :assigned)",
        "$.timer.ack_wait",
        "Escalate",
        "AfterAnswer",
        OPEN_BEFORE_ACK,
    )
)
states["Escalate"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.escalation.level", "NumericLessThanPath": "$.escalation_count", "Next": "ReadEscalationChain"}
    ],
    "Default": "Breach",
}
# The chain is read from the request at each escalation: a reassignment may have rewritten it.
states["ReadEscalationChain"] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::dynamodb:getItem",
    "Parameters": {"TableName": TABLE, "Key": KEY, "ConsistentRead": True, "ProjectionExpression": "escalation_chain"},
    "ResultSelector": {"chain.$": "$.Item.escalation_chain.L[*].S"},
    "ResultPath": "$.chain_now",
    "Retry": retry_except(),
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"}],
    "Next": "RaiseEscalation",
}
states["RaiseEscalation"] = {
    "Type": "Pass",
    "Parameters": {
        "level.$": "States.MathAdd($.escalation.level, 1)",
        "notified.$": "States.ArrayGetItem($.chain_now.chain, $.escalation.level)",
        "wait_seconds.$": "States.ArrayGetItem($.escalation_waits, $.escalation.level)",
        "set": {"escalation_level.$": "States.MathAdd($.escalation.level, 1)"},  # what the event binds
    },
    "ResultPath": "$.escalation",
    "Next": "RecordEscalation",
}
states.update(
    record(
        "RecordEscalation",
        "escalation_level = :level",
        {":level": {"N.$": "States.Format('{}', $.escalation.level)"}},
        "escalated",
        "$.escalation",
        "SetEscalationTimer",
        ("#status IN (:received, :assigned)", OPEN_BEFORE_ACK),
        _either(("received", "assigned")),
    )
)
states["SetEscalationTimer"] = {
    "Type": "Pass",
    "Parameters": {"ack_wait.$": "$.escalation.wait_seconds"},
    "ResultPath": "$.timer",
    "Next": "NotifyEscalation",
}
states.update(
    notify(
        "NotifyEscalation",
        "$.escalation.notified",
        "States.Format('ESCALATED (level {}): {} request {} (region {}) was not acknowledged by {}. "
        "It is due {}. " + PAGE + "', $.escalation.level, $.type, $.request_id, $.region, $.ack_due_at, "
        "$.due_at, $.request_id)",
        "AwaitAcknowledgement",
    )
)
states["AfterAnswer"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.answer.event", "StringEquals": "acknowledged", "Next": "EnforcingGate"},
        {"Variable": "$.answer.event", "StringEquals": "paused", "Next": "AwaitResume"},
        {"Variable": "$.answer.event", "StringEquals": "resumed", "Next": "EnforcingGate"},
        {"Variable": "$.answer.event", "StringEquals": "enforcing_cleared", "Next": "AwaitDecision"},
        {"Variable": "$.answer.event", "StringEquals": "decided", "Next": "Decided"},
    ],
    "Default": "AlertOperators",
}
# e-Evidence Art. 8 and 10: an EPOC notified to the enforcing authority is not produced before its 10 days end,
# unless it confirms earlier that it raises no ground. The API sends how long they still run when the decision
# clock starts; the workflow waits that long (the API refuses a fulfilment meanwhile), records the end in the
# trail (the request's enforcing_wait_over) and tells the assignee to produce, then waits for the decision.
states["EnforcingGate"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.answer.enforcing", "IsPresent": True, "Next": "AwaitEnforcingAuthority"}],
    "Default": "AwaitDecision",
}
states.update(
    await_token(
        "AwaitDecision",
        "decision",
        "#status = :acknowledged",
        "$.answer.resolve_seconds",
        "Breach",
        "AfterAnswer",
        {":acknowledged": {"S": "acknowledged"}},
    )
)
states.update(
    await_token(
        "AwaitEnforcingAuthority",
        "enforcing_authority",
        "#status = :acknowledged",
        "$.answer.enforcing.wait_seconds",
        "EnforcingWaitOver",
        "AfterAnswer",
        {":acknowledged": {"S": "acknowledged"}},
    )
)
states["EnforcingWaitOver"] = {
    "Type": "Pass",
    "Parameters": {"wait_until.$": "$.answer.enforcing.wait_until", "set": {"enforcing_wait_over": True}},
    "ResultPath": "$.enforcing_over",
    "Next": "RecordEnforcingWaitOver",
}
states.update(
    record(
        "RecordEnforcingWaitOver",
        "enforcing_wait_over = :true",
        {":true": {"BOOL": True}},
        "enforcing_wait_ended",
        "$.enforcing_over",
        "NotifyEnforcingWaitOver",
        ("#status = :acknowledged", {":acknowledged": {"S": "acknowledged"}}),
        _either(("acknowledged",)),
    )
)
states.update(
    notify(
        "NotifyEnforcingWaitOver",
        "$.assignee",
        "States.Format('EPOC {}: the 10 days of the enforcing authority ended ({}) without a ground for "
        "refusal recorded (e-Evidence Art. 10). Produce the data now: decide by {}. " + PAGE + "', "
        "$.request_id, $.answer.enforcing.wait_until, $.answer.enforcing.due_at, $.request_id)",
        "AfterEnforcingWait",
    )
)
states["AfterEnforcingWait"] = {
    "Type": "Pass",
    "Parameters": {"event": "enforcing_over", "resolve_seconds.$": "$.answer.enforcing.then_seconds"},
    "ResultPath": "$.answer",
    "Next": "AwaitDecision",
}
states.update(
    await_token(
        "AwaitResume",
        "information",
        "#status = :awaiting",
        None,
        None,
        "AfterAnswer",
        {":awaiting": {"S": "awaiting_information"}},
    )
)
states["Breach"] = {
    "Type": "Pass",
    "Parameters": {"due_at.$": "$.due_at", "escalation_level.$": "$.escalation.level", "set": {"sla_breached": True}},
    "ResultPath": "$.breach",
    "Next": "RecordBreach",
}
states.update(
    record(
        "RecordBreach",
        "sla_breached = :true",
        {":true": {"BOOL": True}},
        "sla_breached",
        "$.breach",
        "NotifyBreach",
        (
            "#status IN (:received, :assigned, :acknowledged)",
            {**OPEN_BEFORE_ACK, ":acknowledged": {"S": "acknowledged"}},
        ),
        _either(("received", "assigned", "acknowledged")),
    )
)
states.update(
    notify(
        "NotifyBreach",
        "$.lead",
        "States.Format('SLA BREACHED: {} request {} (region {}) was due {} and is not decided. "
        + PAGE
        + "', $.type, $.request_id, $.region, $.due_at, $.request_id)",
        "AlertOperatorsOfBreach",
    )
)
states["AlertOperatorsOfBreach"] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::sns:publish",
    "Parameters": {
        "TopicArn": OPS,
        "Subject": "Liaison: SLA breached",
        "Message.$": "States.Format('Request {} ({}, region {}) breached its deadline {}. "
        + PAGE
        + "', $.request_id, $.type, $.region, $.due_at, $.request_id)",
    },
    "ResultPath": None,
    "Retry": RETRY,
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "NotifyAgencyOfBreach"}],
    "Next": "NotifyAgencyOfBreach",
}
states.update(
    agency_notice(
        "NotifyAgencyOfBreach",
        "States.Format('Deadline passed on your request {}', $.request_id)",
        "States.Format('Your request {} (your reference {}, {}) passed its deadline {} without a decision. The lead of "
        "the {} desk has been alerted and the request stays open. Details: " + PAGE + "', $.request_id, $.reference, "
        "$.type, $.due_at, $.region, $.request_id)",
        "sla_breached",
        "AwaitAfterBreach",
    )
)
states.update(
    await_token(
        "AwaitAfterBreach",
        "decision",
        "attribute_exists(request_id) AND NOT #status IN (:f, :p, :r, :w)",
        None,
        None,
        "AfterBreachAnswer",
        {
            ":f": {"S": "fulfilled"},
            ":p": {"S": "partially_fulfilled"},
            ":r": {"S": "rejected"},
            ":w": {"S": "withdrawn"},
        },
    )
)
states["AfterBreachAnswer"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.answer.event", "StringEquals": "decided", "Next": "Decided"}],
    "Default": "AwaitAfterBreach",
}
states["Resync"] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::dynamodb:getItem",
    "Parameters": {
        "TableName": TABLE,
        "Key": KEY,
        "ConsistentRead": True,
        "ProjectionExpression": "#status, sla_breached, resolve_timer_seconds, hold_state, "
        "hold_expires_at, hold_reminder_seconds, hold_expiry_seconds, "
        "enforcing_timer, enforcing_wait_over, notice_state, notice_timer",
        "ExpressionAttributeNames": {"#status": "status"},
    },
    "ResultSelector": {"status.$": "$.Item.status.S", "item.$": "$.Item"},
    "ResultPath": "$.current",
    "Retry": retry_except(),
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"}],
    "Next": "WhereItStands",
}
states["WhereItStands"] = {
    "Type": "Choice",
    "Choices": [
        {
            "And": [
                {
                    "Or": [
                        {"Variable": "$.current.status", "StringEquals": s}
                        for s in ("fulfilled", "partially_fulfilled")
                    ]
                },
                {"Variable": "$.current.item.hold_state.S", "IsPresent": True},
                {"Variable": "$.current.item.hold_state.S", "StringEquals": "active"},
            ],
            "Next": "ResumeHold",
        },
        # Annex V: kept until production, whatever the hold's timers said (before Closed, which would end it)
        {
            "And": [
                {
                    "Or": [
                        {"Variable": "$.current.status", "StringEquals": s}
                        for s in ("fulfilled", "partially_fulfilled")
                    ]
                },
                {"Variable": "$.current.item.hold_state.S", "IsPresent": True},
                {"Variable": "$.current.item.hold_state.S", "StringEquals": "until_production"},
            ],
            "Next": "AwaitProduction",
        },
        # the user notice's timers, once the data went or the content was acted on (before Closed)
        {
            "And": [
                _current_either(("fulfilled", "partially_fulfilled")),
                {"Variable": "$.current.item.notice_timer.S", "IsPresent": True},
                {"Variable": "$.current.item.notice_state.S", "IsPresent": True},
                {"Variable": "$.current.item.notice_state.S", "StringEquals": "due"},
            ],
            "Next": "ResumeNoticeRecorded",
        },
        {
            "And": [
                _current_either(("fulfilled", "partially_fulfilled")),
                {"Variable": "$.current.item.notice_timer.S", "IsPresent": True},
                {"Variable": "$.current.item.notice_state.S", "IsPresent": True},
                {
                    "Or": [
                        {"Variable": "$.current.item.notice_state.S", "StringEquals": "prohibited"},
                        {"Variable": "$.current.item.notice_state.S", "StringEquals": "delayed"},
                    ]
                },
            ],
            "Next": "ResumeNoticeTimer",
        },
        {
            "Or": [
                {"Variable": "$.current.status", "StringEquals": s}
                for s in ("fulfilled", "partially_fulfilled", "rejected")
            ],
            "Next": "Closed",
        },
        {"Variable": "$.current.status", "StringEquals": "withdrawn", "Next": "Withdrawn"},
        {"Variable": "$.current.status", "StringEquals": "awaiting_information", "Next": "AwaitResume"},
        # the enforcing authority's 10 days still to wait out (and record) before the decision
        {
            "And": [
                {"Variable": "$.current.status", "StringEquals": "acknowledged"},
                {"Variable": "$.current.item.resolve_timer_seconds.N", "IsPresent": True},
                {"Variable": "$.current.item.enforcing_timer.S", "IsPresent": True},
                {"Not": {"Variable": "$.current.item.enforcing_wait_over.BOOL", "IsPresent": True}},
            ],
            "Next": "ResumeEnforcingWait",
        },
        {
            "And": [
                {"Variable": "$.current.status", "StringEquals": "acknowledged"},
                {"Variable": "$.current.item.resolve_timer_seconds.N", "IsPresent": True},
            ],
            "Next": "ResumeDecisionTimer",
        },
    ],
    "Default": "AlertOperators",
}
states["ResumeEnforcingWait"] = {
    "Type": "Pass",
    "Parameters": {
        "event": "acknowledged",
        "resolve_seconds.$": "States.StringToJson($.current.item.resolve_timer_seconds.N)",
        "enforcing.$": "States.StringToJson($.current.item.enforcing_timer.S)",
    },
    "ResultPath": "$.answer",
    "Next": "AwaitEnforcingAuthority",
}
states["ResumeDecisionTimer"] = {
    "Type": "Pass",
    "Parameters": {
        "event": "acknowledged",
        "resolve_seconds.$": "States.StringToJson($.current.item.resolve_timer_seconds.N)",
    },
    "ResultPath": "$.answer",
    "Next": "AwaitDecision",
}
# A fulfilled preservation request holds the data until its hold expires: a reminder to the authority first,
# then the expiry. An extension (POST /extend) answers either wait with new timers and starts over.
states["Decided"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.answer.hold", "IsPresent": True, "Next": "AwaitHoldReminder"},
        {"Variable": "$.answer.notice", "IsPresent": True, "Next": "NoticeGate"},
    ],
    "Default": "Closed",
}
FULFILLED = {":f": {"S": "fulfilled"}, ":p": {"S": "partially_fulfilled"}, ":active": {"S": "active"}}
HOLDING = "#status IN (:f, :p) AND hold_state = :active"
states.update(
    await_token(
        "AwaitHoldReminder",
        "hold",
        HOLDING,
        "$.answer.hold.reminder_seconds",
        "NotifyHoldReminder",
        "AfterHoldAnswer",
        FULFILLED,
    )
)
states.update(
    agency_notice(
        "NotifyHoldReminder",
        "States.Format('Preservation hold ending on your request {}', $.request_id)",
        "States.Format('The preservation hold on your request {} (your reference {}) ends {}. To extend it once, "
        "press Extend hold on the request page before then (or POST /v1/requests/{}/extend): " + PAGE + "', "
        "$.request_id, $.reference, "
        "$.answer.hold.expires_at, $.request_id, $.request_id)",
        "hold_expiring",
        "AwaitHoldExpiry",
    )
)
states.update(
    await_token(
        "AwaitHoldExpiry", "hold", HOLDING, "$.answer.hold.expiry_seconds", "HoldExpiry", "AfterHoldAnswer", FULFILLED
    )
)
states["AfterHoldAnswer"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.answer.event", "StringEquals": "extended", "Next": "AwaitHoldReminder"},
        {"Variable": "$.answer.event", "StringEquals": "production_follows", "Next": "AwaitProduction"},
        {"Variable": "$.answer.event", "StringEquals": "released", "Next": "Closed"},
    ],
    "Default": "AlertOperators",
}
# e-Evidence Annex V: a production request follows the preservation, so the data are kept with no end date until
# one side ends the hold (POST /release-hold: it was served, or is no longer needed).
states.update(
    await_token(
        "AwaitProduction",
        "production",
        "#status IN (:f, :p) AND hold_state = :until",
        None,
        None,
        "AfterHoldAnswer",
        {":f": {"S": "fulfilled"}, ":p": {"S": "partially_fulfilled"}, ":until": {"S": "until_production"}},
    )
)
states["HoldExpiry"] = {
    "Type": "Pass",
    "Parameters": {"expires_at.$": "$.answer.hold.expires_at", "set": {"hold_state": "expired"}},
    "ResultPath": "$.hold_expiry",
    "Next": "HoldExpires",
}
states.update(
    record(
        "HoldExpires",
        "hold_state = :expired",
        {":expired": {"S": "expired"}},
        "hold_expired",
        "$.hold_expiry",
        "NotifyHoldExpired",
        (HOLDING + " AND hold_expires_at = :expires", {**FULFILLED, ":expires": {"S.$": "$.answer.hold.expires_at"}}),
        {
            "And": [
                _either(("fulfilled", "partially_fulfilled")),
                {"Variable": "$.head.item.hold_state.S", "StringEquals": "active"},
                {"Variable": "$.head.item.hold_expires_at.S", "StringEqualsPath": "$.answer.hold.expires_at"},
            ]
        },
    )
)
states.update(
    agency_notice(
        "NotifyHoldExpired",
        "States.Format('Preservation hold ended on your request {}', $.request_id)",
        "States.Format('The preservation hold on your request {} (your reference {}) ended {}. The data is no "
        "longer preserved for this request. " + PAGE + "', $.request_id, $.reference, $.answer.hold.expires_at, "
        "$.request_id)",
        "hold_expired",
        "Closed",
    )
)
states["ResumeHold"] = {
    "Type": "Pass",
    "Parameters": {
        "event": "decided",
        "hold": {
            "reminder_seconds.$": "States.StringToJson($.current.item.hold_reminder_seconds.N)",
            "expiry_seconds.$": "States.StringToJson($.current.item.hold_expiry_seconds.N)",
            "expires_at.$": "$.current.item.hold_expires_at.S",
        },
    },
    "ResultPath": "$.answer",
    "Next": "AwaitHoldReminder",
}
# User notice (chalicelib/domain/user_notice.py), once the data went or the content was acted on. The API hands the
# timer over with the decision, and a new one whenever the authority declares, replaces or ends a non-disclosure
# order: "due" and "review" wait until the order ends (or the emergency has passed) or its review day, "due_now"
# was made due by the API itself. Once due, the assignee is told, then the lead if nobody records the notice by
# its deadline; recording it (or why none is given) answers "notice_closed".
# A Standard execution lives at most a year; an order can run for ten. So each notice timer runs in an execution of
# its own, started by the one before it (continue-as-new, named <request id>-n<leg>), and a long wait is cut into
# legs of at most 120 days (services/user_notice.py, legs): the one before the notice falls due, and each of the
# open-ended waits after it (overdue, an indefinite order under review) ends its leg by handing over to a new
# execution. The API answers whichever execution's token is stored on the request.
NOTICE_DUE = {":f": {"S": "fulfilled"}, ":p": {"S": "partially_fulfilled"}, ":due": {"S": "due"}}
NOTICE_DUE_AT = {**NOTICE_DUE, ":due_at": {"S.$": "$.answer.notice.due_at"}}
NOTICE_FIELDS = (
    "kind",
    "due_at",
    "due_seconds",
    "deadline",
    "deadline_seconds",
    "assignee",
    "leg_seconds",
    "minus_leg_seconds",
    "wait_seconds",
    "rest_seconds",
)


def notice_timer(**changed: Any) -> State:
    """The notice timer in $.answer.notice with some fields changed (a value, or "x.$" for a path or function)."""
    kept = {
        f"{name}.$": f"$.answer.notice.{name}"
        for name in NOTICE_FIELDS
        if name not in changed and f"{name}.$" not in changed
    }
    return {
        "Type": "Pass",
        "Parameters": {"event": "notice", "notice": {**kept, **changed}},
        "ResultPath": "$.answer",
        "Next": "NoticeGate",
    }


states["NoticeGate"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.notice_leg", "IsPresent": True, "Next": "NoticeNextLegNumber"}],
    "Default": "NoticeFirstLeg",
}
states["NoticeFirstLeg"] = {"Type": "Pass", "Result": 0, "ResultPath": "$.notice_leg", "Next": "NoticeNextLegNumber"}
states["NoticeNextLegNumber"] = {
    "Type": "Pass",
    "Parameters": {"n.$": "States.MathAdd($.notice_leg, 1)"},
    "ResultPath": "$.next_leg",
    "Next": "ContinueNotice",
}
states["ContinueNotice"] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::states:startExecution",
    "Parameters": {
        "StateMachineArn.$": "$$.StateMachine.Id",
        "Name.$": "States.Format('{}-n{}', $.request_id, $.next_leg.n)",
        "Input": {
            "request_id.$": "$.request_id",
            "region.$": "$.region",
            "type.$": "$.type",
            "agency_id.$": "$.agency_id",
            "reference.$": "$.reference",
            "assignee.$": "$.assignee",
            "lead.$": "$.lead",
            "resume": "notice",
            "notice_leg.$": "$.next_leg.n",
            "answer.$": "$.answer",
            "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
        },
    },
    "ResultPath": None,
    "Retry": RETRY,
    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertOperators"}],
    "Next": "HandedOver",
}
states["HandedOver"] = {"Type": "Succeed"}
states["NoticeRoute"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.answer.notice.kind", "StringEquals": "due_now", "Next": "NotifyNoticeDue"},
        {"Variable": "$.answer.notice.kind", "StringEquals": "recorded", "Next": "AwaitNoticeRecorded"},
        {"Variable": "$.answer.notice.kind", "StringEquals": "overdue", "Next": "AwaitNoticeAfterOverdue"},
        {"Variable": "$.answer.notice.kind", "StringEquals": "under_review", "Next": "AwaitNoticeAfterReview"},
    ],
    "Default": "AwaitNoticeDue",
}
states.update(
    await_token(
        "AwaitNoticeDue",
        "notice",
        "#status IN (:f, :p) AND notice_state IN (:prohibited, :delayed) AND notice_due_at = :due_at",
        "$.answer.notice.wait_seconds",
        "NoticeLegOver",
        "AfterNoticeAnswer",
        {
            ":f": {"S": "fulfilled"},
            ":p": {"S": "partially_fulfilled"},
            ":prohibited": {"S": "prohibited"},
            ":delayed": {"S": "delayed"},
            ":due_at": {"S.$": "$.answer.notice.due_at"},
        },
    )
)
states["NoticeLegOver"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.answer.notice.rest_seconds", "NumericGreaterThan": 0, "Next": "NoticeNextLeg"}],
    "Default": "NoticeTimerFired",
}
states["NoticeNextLeg"] = {
    "Type": "Choice",
    "Choices": [
        {
            "Variable": "$.answer.notice.rest_seconds",
            "NumericGreaterThanPath": "$.answer.notice.leg_seconds",
            "Next": "NoticeLongLeg",
        }
    ],
    "Default": "NoticeLastLeg",
}
states["NoticeLongLeg"] = notice_timer(
    **{
        "wait_seconds.$": "$.answer.notice.leg_seconds",
        "rest_seconds.$": "States.MathAdd($.answer.notice.rest_seconds, $.answer.notice.minus_leg_seconds)",
    }
)
states["NoticeLastLeg"] = notice_timer(**{"wait_seconds.$": "$.answer.notice.rest_seconds", "rest_seconds": 0})
states["NoticeTimerFired"] = {
    "Type": "Choice",
    "Choices": [{"Variable": "$.answer.notice.kind", "StringEquals": "review", "Next": "ReviewDue"}],
    "Default": "NoticeDue",
}
NOTICE_TIMER_CURRENT = {
    "And": [
        _either(("fulfilled", "partially_fulfilled")),
        {"Variable": "$.head.item.notice_due_at.S", "IsPresent": True},
        {"Variable": "$.head.item.notice_due_at.S", "StringEqualsPath": "$.answer.notice.due_at"},
    ]
}
states["NoticeDue"] = {
    "Type": "Pass",
    "Parameters": {
        "due_at.$": "$.answer.notice.due_at",
        "deadline.$": "$.answer.notice.deadline",
        "set": {"notice_state": "due"},
    },
    "ResultPath": "$.notice_due",
    "Next": "RecordNoticeDue",
}
states.update(
    record(
        "RecordNoticeDue",
        "notice_state = :due, notice_task_region = :region, notice_task_due = :deadline",
        {":due": {"S": "due"}, ":region": {"S.$": "$.region"}, ":deadline": {"S.$": "$.answer.notice.deadline"}},
        "user_notice_due",
        "$.notice_due",
        "NotifyNoticeDue",
        (
            "#status IN (:f, :p) AND notice_state IN (:prohibited, :delayed) AND notice_due_at = :due_at",
            {
                ":f": {"S": "fulfilled"},
                ":p": {"S": "partially_fulfilled"},
                ":prohibited": {"S": "prohibited"},
                ":delayed": {"S": "delayed"},
                ":due_at": {"S.$": "$.answer.notice.due_at"},
            },
        ),
        {
            "And": [
                NOTICE_TIMER_CURRENT,
                {
                    "Or": [
                        {"Variable": "$.head.item.notice_state.S", "StringEquals": "prohibited"},
                        {"Variable": "$.head.item.notice_state.S", "StringEquals": "delayed"},
                    ]
                },
            ]
        },
    )
)
states.update(
    notify(
        "NotifyNoticeDue",
        "$.answer.notice.assignee",
        "States.Format('USER NOTICE DUE on {} request {}: the non-disclosure order ended, the emergency "
        "passed or the content was acted on. Tell the user and record the notice by {}. " + PAGE + "', "
        "$.type, $.request_id, $.answer.notice.deadline, $.request_id)",
        "AwaitNoticeRecorded",
    )
)
# Each wait holds on the timer it was handed (notice_due_at): an order declared, renewed or ended while one execution
# hands over to the next answers nobody's token, and the next execution, finding another timer, resyncs at once.
states.update(
    await_token(
        "AwaitNoticeRecorded",
        "notice",
        "#status IN (:f, :p) AND notice_state = :due AND notice_due_at = :due_at",
        "$.answer.notice.deadline_seconds",
        "NoticeOverdue",
        "AfterNoticeAnswer",
        NOTICE_DUE_AT,
    )
)
states["NoticeOverdue"] = {
    "Type": "Pass",
    "Parameters": {"deadline.$": "$.answer.notice.deadline"},
    "ResultPath": "$.notice_overdue",
    "Next": "RecordNoticeOverdue",
}
states.update(
    record(
        "RecordNoticeOverdue",
        "notice_overdue = :true",
        {":true": {"BOOL": True}},
        "user_notice_overdue",
        "$.notice_overdue",
        "NotifyNoticeOverdue",
        ("#status IN (:f, :p) AND notice_state = :due", NOTICE_DUE),
        {
            "And": [
                _either(("fulfilled", "partially_fulfilled")),
                {"Variable": "$.head.item.notice_state.S", "IsPresent": True},
                {"Variable": "$.head.item.notice_state.S", "StringEquals": "due"},
            ]
        },
    )
)
states.update(
    notify(
        "NotifyNoticeOverdue",
        "$.lead",
        "States.Format('USER NOTICE OVERDUE: {} request {} (region {}): the notice to the user was to be "
        "recorded by {} and is not. " + PAGE + "', $.type, $.request_id, $.region, "
        "$.answer.notice.deadline, $.request_id)",
        "AwaitNoticeAfterOverdue",
    )
)
states.update(
    await_token(
        "AwaitNoticeAfterOverdue",
        "notice",
        "#status IN (:f, :p) AND notice_state = :due AND notice_due_at = :due_at",
        "$.answer.notice.leg_seconds",
        "NoticeOverdueLeg",
        "AfterNoticeAnswer",
        NOTICE_DUE_AT,
    )
)
states["NoticeOverdueLeg"] = notice_timer(kind="overdue")  # still overdue: wait on in a new execution
states["ReviewDue"] = {
    "Type": "Pass",
    "Parameters": {"review_at.$": "$.answer.notice.due_at"},
    "ResultPath": "$.review_due",
    "Next": "RecordReviewDue",
}
states.update(
    record(
        "RecordReviewDue",
        "notice_task_region = :region, notice_task_due = :review",
        {":region": {"S.$": "$.region"}, ":review": {"S.$": "$.answer.notice.due_at"}},
        "non_disclosure_review_due",
        "$.review_due",
        "NotifyReviewDue",
        (
            "#status IN (:f, :p) AND notice_state = :prohibited AND notice_due_at = :due_at",
            {
                ":f": {"S": "fulfilled"},
                ":p": {"S": "partially_fulfilled"},
                ":prohibited": {"S": "prohibited"},
                ":due_at": {"S.$": "$.answer.notice.due_at"},
            },
        ),
        {"And": [NOTICE_TIMER_CURRENT, {"Variable": "$.head.item.notice_state.S", "StringEquals": "prohibited"}]},
    )
)
states.update(
    notify(
        "NotifyReviewDue",
        "$.answer.notice.assignee",
        "States.Format('REVIEW DUE: the indefinite non-disclosure order on {} request {} reached its "
        "review day ({}). The authority was asked whether it still stands; until it answers, do not tell "
        "the user. " + PAGE + "', $.type, $.request_id, $.answer.notice.due_at, $.request_id)",
        "NotifyAgencyReviewDue",
    )
)
states.update(
    agency_notice(
        "NotifyAgencyReviewDue",
        "States.Format('Review the non-disclosure order on your request {}', $.request_id)",
        "States.Format('The review day ({}) of the indefinite non-disclosure order you declared on your request "
        "{} (your reference {}) has come. The order is still respected. On the request page, declare it again "
        "with its next review day or its end, or end it. " + PAGE + "', $.answer.notice.due_at, $.request_id, "
        "$.reference, $.request_id)",
        "non_disclosure_review_due",
        "AwaitNoticeAfterReview",
    )
)
states.update(
    await_token(
        "AwaitNoticeAfterReview",
        "notice",
        "#status IN (:f, :p) AND notice_state = :prohibited AND notice_due_at = :due_at",
        "$.answer.notice.leg_seconds",
        "NoticeReviewLeg",
        "AfterNoticeAnswer",
        {
            ":f": {"S": "fulfilled"},
            ":p": {"S": "partially_fulfilled"},
            ":prohibited": {"S": "prohibited"},
            ":due_at": {"S.$": "$.answer.notice.due_at"},
        },
    )
)
states["NoticeReviewLeg"] = notice_timer(kind="under_review")  # the authority has not answered: wait on
states["AfterNoticeAnswer"] = {
    "Type": "Choice",
    "Choices": [
        {"Variable": "$.answer.event", "StringEquals": "notice", "Next": "NoticeGate"},
        {"Variable": "$.answer.event", "StringEquals": "notice_closed", "Next": "Closed"},
    ],
    "Default": "AlertOperators",
}
states["ResumeNoticeRecorded"] = {
    "Type": "Pass",
    "Parameters": {"event": "notice", "notice.$": "States.StringToJson($.current.item.notice_timer.S)"},
    "ResultPath": "$.answer",
    "Next": "ResumeNoticeRecordedKind",
}
states["ResumeNoticeRecordedKind"] = {
    "Type": "Pass",
    "Result": "recorded",
    "ResultPath": "$.answer.notice.kind",
    "Next": "NoticeGate",
}
states["ResumeNoticeTimer"] = {
    "Type": "Pass",
    "Parameters": {"event": "notice", "notice.$": "States.StringToJson($.current.item.notice_timer.S)"},
    "ResultPath": "$.answer",
    "Next": "NoticeGate",
}
states["Closed"] = {"Type": "Succeed"}
states["Withdrawn"] = {"Type": "Succeed"}
states["AlertOperators"] = {
    "Type": "Task",
    "Resource": "arn:aws:states:::sns:publish",
    "Parameters": {
        "TopicArn": OPS,
        "Subject": "Liaison: a request workflow failed",
        "Message.$": "States.Format('The workflow of request {} stopped on an error: {}. Its deadline "
        "timers are not running. " + PAGE + "', $.request_id, States.JsonToString($), "
        "$.request_id)",
    },
    "ResultPath": None,
    "Retry": RETRY,
    "Next": "WorkflowFailed",
}
states["WorkflowFailed"] = {
    "Type": "Fail",
    "Error": "Liaison.WorkflowFailed",
    "Cause": "See the operator alert for this request.",
}

definition = {
    "Comment": "The life of one legal request, started once per request and named after it: notify the assignee, "
    "wait for acknowledgement until the acknowledge deadline, escalate to the backup then the lead, wait "
    "for the decision until due_at, then flag the breach and keep waiting. The API answers the task token "
    "stored on the request (acknowledge, pause, resume, decide) or fails it with Liaison.Withdrawn. "
    "Timers arrive pre-scaled from the API (SLA_TIME_SCALE).",
    "StartAt": "Start",
    "States": states,
}
OUTPUT = Path(__file__).with_name("request-workflow.asl.json")


def render() -> str:
    return json.dumps(definition, indent=2) + "\n"


if __name__ == "__main__":
    OUTPUT.write_text(render(), encoding="utf-8")
