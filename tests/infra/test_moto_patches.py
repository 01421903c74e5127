"""The moto patches the tests and `make run` rely on: state machines are parsed once, executions do not share
components."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local import moto_patches

WORKFLOW = Path(__file__).resolve().parents[2] / "infra" / "statemachine" / "request-workflow.asl.json"


@pytest.fixture(scope="module")
def parsers():
    moto_patches.patch()
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.intrinsic.intrinsic_parser import IntrinsicParser

    return AmazonStateLanguageParser, IntrinsicParser


def test_given_the_same_definition_then_the_tree_is_reused_and_each_execution_gets_its_own_components(parsers):
    asl, _ = parsers
    definition = WORKFLOW.read_text(encoding="utf-8")
    first, first_tree = asl.parse(definition)
    second, second_tree = asl.parse(definition)
    assert second_tree is first_tree
    assert second is not first and type(second) is type(first)
    assert second.states.states.keys() == first.states.states.keys()


def test_given_an_intrinsic_function_then_its_tree_is_reused_too(parsers):
    _, intrinsic = parsers
    text = "States.Format('{} {}', $.a, $.b)"
    first, first_tree = intrinsic.parse(text)
    second, second_tree = intrinsic.parse(text)
    assert second_tree is first_tree and second is not first


def test_given_a_malformed_definition_then_every_parse_refuses_it(parsers):
    from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException

    asl, _ = parsers
    broken = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": tru}}}'
    for _ in range(2):
        with pytest.raises(ASLParserException):
            asl.parse(broken)


def test_given_patch_twice_then_it_wraps_once(parsers):
    asl, _ = parsers
    wrapped = asl.parse
    moto_patches.patch()
    assert asl.parse is wrapped


def test_given_a_host_then_its_backend_is_found_once_and_the_answer_is_the_same(parsers):
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    dispatcher = DomainDispatcherApplication(create_backend_app)
    host = "dynamodb.eu-west-1.amazonaws.com"
    assert dispatcher.get_backend_for_host(host) == "dynamodb"
    assert dispatcher.get_backend_for_host("states.eu-west-1.amazonaws.com") == "stepfunctions"
    import moto.backends

    listed = []
    original = moto.backends.list_of_moto_modules
    moto.backends.list_of_moto_modules = lambda: listed.append(1) or original()
    try:
        assert dispatcher.get_backend_for_host(host) == "dynamodb"
    finally:
        moto.backends.list_of_moto_modules = original
    assert listed == []  # answered from what was found the first time


def test_given_messages_past_the_retention_period_then_they_are_not_received_and_others_are(parsers):
    import boto3
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    sqs = boto3.client("sqs", region_name="eu-west-1")
    url = sqs.create_queue(QueueName="patch-retention", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    try:
        sqs.send_message(QueueUrl=url, MessageBody="old")
        queue = sqs_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].queues["patch-retention"]
        queue._messages[0].sent_timestamp -= 61_000  # sent 61 s before: past the 60 s retention
        assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
        sqs.send_message(QueueUrl=url, MessageBody="new")
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        assert [m["Body"] for m in got] == ["new"]
    finally:
        sqs.delete_queue(QueueUrl=url)


def test_given_a_workflow_that_starts_an_execution_then_moto_runs_it_with_boto3_s_names(parsers):
    """ContinueNotice (states:startExecution) in moto's interpreter: the execution it starts runs, and named as
    asked; patched twice, the names are converted once."""
    import json
    import time

    import boto3
    from moto import mock_aws
    from moto.core.config import default_user_config
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import state_task_service_sfn

    moto_patches.patch()
    normalise = state_task_service_sfn.StateTaskServiceSfn._normalise_parameters
    moto_patches.patch()
    assert state_task_service_sfn.StateTaskServiceSfn._normalise_parameters is normalise
    definition = {"StartAt": "Start", "States": {
        "Start": {"Type": "Choice", "Choices": [{"Variable": "$.resume", "IsPresent": True, "Next": "Resumed"}],
                  "Default": "Continue"},
        "Continue": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "ResultPath": None,
                     "Parameters": {"StateMachineArn.$": "$$.StateMachine.Id",
                                    "Name.$": "States.Format('{}-n1', $.request_id)",
                                    "Input": {"resume": "notice", "request_id.$": "$.request_id"}},
                     "Next": "HandedOver"},
        "HandedOver": {"Type": "Succeed"}, "Resumed": {"Type": "Succeed"}}}
    before = default_user_config.get("stepfunctions")
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    try:
        with mock_aws():
            sfn = boto3.client("stepfunctions", region_name="eu-west-1")
            machine = sfn.create_state_machine(name="continues", definition=json.dumps(definition),
                                               roleArn="arn:aws:iam::123456789012:role/workflow")["stateMachineArn"]
            sfn.start_execution(stateMachineArn=machine, name="LR-A", input=json.dumps({"request_id": "LR-A"}))
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                done = {e["name"]: e["status"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]}
                if done == {"LR-A": "SUCCEEDED", "LR-A-n1": "SUCCEEDED"}:
                    break
                time.sleep(0.1)
            assert done == {"LR-A": "SUCCEEDED", "LR-A-n1": "SUCCEEDED"}
    finally:
        if before is None:
            default_user_config.pop("stepfunctions", None)
        else:
            default_user_config["stepfunctions"] = before
