"""The deployment template: agrees with the models, is locked down, packages and lints clean."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import zipfile
import sys
from pathlib import Path

import pytest

from chalicelib.settings import Settings
from infra.bench import production_environment
from chalicelib.store.models import MODELS, SHARED_TABLES
from infra import template as cfn
from infra.local import resources

ROOT = Path(__file__).resolve().parents[2]
DATA_SERVICES = ("dynamodb", "s3", "sns", "sqs", "states", "kms", "ses")


@pytest.fixture(scope="module")
def merged() -> dict:
    return cfn.load()


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory) -> Path:
    """`make package`'s output directory."""
    out = tmp_path_factory.mktemp("package")
    result = subprocess.run([sys.executable, "-m", "infra.package", "--out", str(out)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"make package failed:\n{result.stdout}\n{result.stderr}"
    return out


@pytest.fixture(scope="module")
def packaged(package_dir) -> dict:
    """Chalice's generated template with ours merged in."""
    return json.loads((package_dir / "sam.json").read_text())


def test_given_the_bundle_then_every_module_has_unchecked_hash_bytecode_that_imports_without_sources(
        package_dir, tmp_path):
    """Lambda's /var/task is read-only: without .pyc files every cold start compiles every module."""
    with zipfile.ZipFile(package_dir / "deployment.zip") as bundle:
        names = set(bundle.namelist())
        bundle.extractall(tmp_path)
    sources = {name for name in names if name.endswith(".py")}
    assert {"app.py", "chalicelib/api/http.py", "boto3/__init__.py"} <= sources
    for source in sources:
        folder, _, file = source.rpartition("/")
        pyc = f"{folder + '/' if folder else ''}__pycache__/{file[:-3]}.cpython-311.pyc"
        assert pyc in names, source
    flags = int.from_bytes((tmp_path / "chalicelib/api/__pycache__/http.cpython-311.pyc").read_bytes()[4:8], "little")
    assert flags == 0b01, "unchecked-hash: bit 0 (hash-based) set, bit 1 (check source) clear"
    (tmp_path / "app.py").touch()  # a new mtime: unchecked-hash bytecode is used all the same
    env = {**production_environment(), "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    probe = subprocess.run([sys.executable, "-S", "-v", "-c", "import app"], cwd=tmp_path, env=env,
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
    loaded = set(re.findall(r"# code object from '?([^'\n]+\.pyc)", probe.stderr))
    for module in ("__pycache__/app", "chalicelib/api/__pycache__/http", "botocore/__pycache__/client"):
        assert str(tmp_path / f"{module}.cpython-311.pyc") in loaded, module


def _keys(schema: list[dict]) -> dict[str, str]:
    return {key["KeyType"]: key["AttributeName"] for key in schema}


def _model_view(model) -> dict:
    schema = model._get_schema()
    return {
        "keys": _keys(schema["key_schema"]),
        "types": {a["AttributeName"]: a["AttributeType"] for a in schema["attribute_definitions"]},
        "indexes": {gsi["index_name"]: (_keys(gsi["key_schema"]), gsi["projection"]["ProjectionType"])
                    for gsi in schema["global_secondary_indexes"]},
    }


def _template_view(props: dict) -> dict:
    return {
        "keys": _keys(props["KeySchema"]),
        "types": {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]},
        "indexes": {gsi["IndexName"]: (_keys(gsi["KeySchema"]), gsi["Projection"]["ProjectionType"])
                    for gsi in props.get("GlobalSecondaryIndexes", [])},
    }


@pytest.mark.parametrize("logical_id", sorted(MODELS))
def test_given_each_model_then_its_keys_and_indexes_match_the_template(merged, logical_id):
    view = _model_view(MODELS[logical_id])
    for guest in SHARED_TABLES.get(logical_id, ()):  # same keys; its indexes and their attributes added
        shared = _model_view(guest)
        assert shared["keys"] == view["keys"]
        view["types"].update(shared["types"])
        view["indexes"].update(shared["indexes"])
    assert view == _template_view(merged["Resources"][logical_id]["Properties"])


def test_given_the_idempotency_table_then_it_matches_powertools_defaults(merged):
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    layer = DynamoDBPersistenceLayer(table_name="x")
    props = merged["Resources"]["IdempotencyTable"]["Properties"]
    assert _keys(props["KeySchema"]) == {"HASH": layer.key_attr}
    assert props["TimeToLiveSpecification"] == {"AttributeName": layer.expiry_attr, "Enabled": True}


def test_given_every_table_then_pitr_kms_encryption_and_deletion_protection_are_on(merged):
    tables = cfn.resources_of_type(merged, "AWS::DynamoDB::Table")
    assert set(tables) == set(MODELS) | {"IdempotencyTable"}
    for name, table in tables.items():
        props = table["Properties"]
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name
        assert props["SSESpecification"]["SSEType"] == "KMS", name
        assert props["DeletionProtectionEnabled"] is True, name
        assert table["DeletionPolicy"] == "Retain", name


def test_given_the_evidence_bucket_then_it_is_versioned_locked_encrypted_and_private(merged):
    bucket = merged["Resources"]["EvidenceBucket"]
    props = bucket["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["ObjectLockEnabled"] is True
    assert props["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
    encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert encryption == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Ref": "DataKey"}}
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert bucket["DeletionPolicy"] == "Retain"


def test_given_the_receipt_key_then_it_signs_with_p256_and_only_the_api_may_use_it(merged):
    key = merged["Resources"]["ReceiptKey"]
    assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == ("ECC_NIST_P256", "SIGN_VERIFY")
    assert key["DeletionPolicy"] == "Retain"  # receipts must stay checkable after the stack is gone
    statements = merged["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    signing = [s for s in statements if "kms:Sign" in s["Action"]]
    assert signing == [{"Sid": "Receipts", "Effect": "Allow", "Action": ["kms:Sign", "kms:GetPublicKey"],
                        "Resource": {"Fn::GetAtt": ["ReceiptKey", "Arn"]}}]
    workflow = json.dumps(merged["Resources"]["WorkflowRole"])
    assert "kms:Sign" not in workflow and "DocumentsTable" not in workflow


def test_given_the_audit_trail_then_the_api_can_append_to_it_but_not_change_or_delete_it(merged):
    statements = merged["Resources"]["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    on_events = [s for s in statements if "EventsTable" in json.dumps(s.get("Resource"))]
    assert on_events and all(not {"dynamodb:UpdateItem", "dynamodb:DeleteItem"} & set(s["Action"]) for s in on_events)
    deleting = [s for s in statements if "dynamodb:DeleteItem" in s["Action"]]
    # Only idempotency records and web sessions (sign-out deletes the session) are ever deleted.
    assert [s["Resource"] for s in deleting] == [[{"Fn::GetAtt": ["IdempotencyTable", "Arn"]}],
                                                 [{"Fn::GetAtt": ["SessionsTable", "Arn"]}]]


def test_given_the_workflow_then_every_event_it_writes_is_chained(merged):
    """An event put outside a chained transaction would break the audit trail: the workflow has none."""
    definition = merged["Resources"]["RequestWorkflow"]["Properties"]["Definition"]
    for name, state in definition["States"].items():
        text = json.dumps(state)
        if "${EventsTable}" in text:
            assert state["Resource"].endswith(":dynamodb:transactWriteItems"), name
            put = state["Parameters"]["TransactItems"][1]["Put"]
            assert {"prev_hash", "hash"} <= set(put["Item"]) and put["ConditionExpression"] == \
                "attribute_not_exists(seq)", name
            update = state["Parameters"]["TransactItems"][0]["Update"]
            assert "last_event_seq = :head" in update["ConditionExpression"], name


def test_given_topics_and_queues_then_they_are_encrypted(merged):
    for kind in ("AWS::SNS::Topic", "AWS::SQS::Queue"):
        for name, res in cfn.resources_of_type(merged, kind).items():
            assert res["Properties"]["KmsMasterKeyId"] == {"Ref": "DataKey"}, name


def test_given_the_state_machine_then_its_definition_is_the_asl_file_with_every_substitution_defined(merged):
    machine = merged["Resources"]["RequestWorkflow"]
    asl_path = cfn.INFRA_DIR / machine["Metadata"][cfn.DEFINITION_FILE_KEY]
    assert machine["Properties"]["Definition"] == json.loads(asl_path.read_text())
    used = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", asl_path.read_text()))
    assert used == set(machine["Properties"]["DefinitionSubstitutions"])


def test_given_the_state_machine_then_it_uses_direct_service_integrations_only(merged):
    text = json.dumps(merged["Resources"]["RequestWorkflow"]["Properties"]["Definition"])
    assert "lambda:invoke" not in text and ":function:" not in text


STATELINT = Path(sys.executable).with_name("statelint")
STATELINT_PIN = next(line for line in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
                     if line.startswith("statelint=="))


def statelint(definition: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "definition.asl.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    return subprocess.run([str(STATELINT), str(path)], capture_output=True, text=True, timeout=60)


def test_given_the_workflow_then_statelint_reports_no_error_and_would_report_an_integer_backoff(merged, tmp_path):
    """statelint (pinned in requirements-dev.txt: the Python port of awslabs/statelint, the ASL's own validator)
    on the definition the packaged template carries: 0 errors. It refused the 25 integer BackoffRates this workflow
    once had; the same run on a copy with one of them put back shows it still would."""
    from importlib.metadata import version

    assert STATELINT_PIN == f"statelint=={version('statelint')}"
    definition = merged["Resources"]["RequestWorkflow"]["Properties"]["Definition"]
    clean = statelint(definition, tmp_path)
    assert clean.returncode == 0 and clean.stdout.strip() == "", clean.stdout + clean.stderr

    broken = copy.deepcopy(definition)
    retry = next(state["Retry"][0] for state in broken["States"].values() if state.get("Retry"))
    retry["BackoffRate"] = 2
    found = statelint(broken, tmp_path)
    assert found.returncode != 0 and "BackoffRate is 2 but should be a Float" in found.stdout, found.stdout


# Settings the template never sets: `make run`'s own (its mock provider, where approved applicants sign in).
LOCAL_ONLY_SETTINGS = {"local_accounts_url"}


def test_given_the_api_environment_then_it_sets_exactly_the_settings_fields(merged):
    env = cfn.api_environment(merged)
    from_settings = {f"LIAISON_{name.upper()}" for name in Settings.model_fields
                     if name not in {"aws_region", "stage", *LOCAL_ONLY_SETTINGS}}
    assert set(env) == from_settings
    assert cfn.api_environment(merged) == merged["Resources"]["JwtAuth"]["Properties"]["Environment"]["Variables"]


def test_given_prod_then_the_local_accounts_setting_is_refused():
    """The mock provider's account endpoint takes any claims from anyone on loopback: never in a deployment."""
    with pytest.raises(ValueError, match="make run only"):
        Settings(**{**{name: "x" for name in ("requests_table", "events_table", "agencies_table",
                                               "representatives_table", "config_table", "idempotency_table",
                                               "state_machine_arn", "representatives_topic_arn",
                                               "operator_alerts_topic_arn", "agency_topic_arn", "evidence_bucket",
                                               "documents_table", "reports_table", "receipt_key_id",
                                               "request_id_key_id", "refusals_queue_url", "sessions_table",
                                               "filings_table")},
                    "stage": "prod", "local_accounts_url": "http://127.0.0.1:9400"})


def test_given_the_local_bootstrap_then_every_resource_is_created_or_knowingly_not_emulated(merged, local_resources):
    typed = {name for name, res in merged["Resources"].items() if "Type" in res}
    skipped = {name for name in typed if merged["Resources"][name]["Type"] in resources.NOT_EMULATED}
    assert set(local_resources.created) == typed - skipped
    # The filings table streams locally too, so `make run`'s pump can read it as keep_filings does deployed.
    assert local_resources.created["FilingsTable"].attributes["StreamArn"].startswith("arn:aws:dynamodb:")


def _statements(template: dict):
    for name, res in template["Resources"].items():
        if res.get("Type") == "AWS::IAM::Role":
            for policy in res["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def test_given_the_packaged_template_then_no_role_has_wildcard_actions_or_resources_on_data(packaged):
    statements = list(_statements(packaged))
    roles = {name for name, _ in statements}
    assert {"ApiHandlerRole", "JwtAuthRole", "WorkflowRole"} <= roles
    for role, statement in statements:
        if statement["Effect"] != "Allow":
            continue
        actions = _as_list(statement["Action"])
        for action in actions:
            assert action != "*" and not action.endswith(":*"), (role, action)
        if any(action.split(":")[0] in DATA_SERVICES for action in actions):
            assert "*" not in _as_list(statement["Resource"]), (role, statement)


def test_given_the_packaged_template_then_every_function_gets_the_environment(packaged):
    functions = {n: r for n, r in packaged["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {"APIHandler", "JwtAuth", "RecordRefusals", "KeepFilings", "AuditCheckpoint"}
    for name, function in functions.items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["LIAISON_REQUESTS_TABLE"] == {"Ref": "RequestsTable"}, name
        assert variables["LIAISON_STAGE"] == "prod", name
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "Liaison", name
        assert variables["POWERTOOLS_SERVICE_NAME"] == "liaison", name
        assert variables["PYDANTIC_DISABLE_PLUGINS"] == "__all__", name  # no entry-point scan at a cold start
        assert function["Properties"]["Tracing"] == "Active", name


def test_given_request_ids_then_they_are_macs_under_a_kept_hmac_key_only_the_api_may_use(merged, packaged):
    key = merged["Resources"]["RequestIdKey"]
    assert (key["Properties"]["KeySpec"], key["Properties"]["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    assert key["DeletionPolicy"] == key["UpdateReplacePolicy"] == "Retain"  # a new key: new ids for old keys
    env = cfn.api_environment(merged)
    assert env["LIAISON_REQUEST_ID_KEY_ID"] == {"Ref": "RequestIdKey"}
    using = [(role, s) for role, s in _statements(packaged) if "RequestIdKey" in json.dumps(s.get("Resource"))]
    assert using == [("ApiHandlerRole", {"Sid": "RequestIds", "Effect": "Allow", "Action": ["kms:GenerateMac"],
                                         "Resource": {"Fn::GetAtt": ["RequestIdKey", "Arn"]}})]


def test_given_refused_attempts_then_the_api_queues_them_and_only_their_consumer_reads_the_queue(merged, packaged):
    """Refusals are recorded off the request path: the API may only send, the consumer only receive, and what the
    consumer cannot chain goes to a dead-letter queue that alarms."""
    queue = merged["Resources"]["RefusalsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["RefusalsDeadLetterQueue", "Arn"]}
    alarm = merged["Resources"]["RefusalsDeadLetterAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["RefusalsDeadLetterQueue", "QueueName"]}
    assert alarm["AlarmActions"] == [{"Ref": "OperatorAlertsTopic"}]
    assert cfn.api_environment(merged)["LIAISON_REFUSALS_QUEUE_URL"] == {"Ref": "RefusalsQueue"}

    function = packaged["Resources"]["RecordRefusals"]["Properties"]
    assert function["Handler"] == "chalicelib.events.record_refusals"
    assert function["Role"] == {"Fn::GetAtt": ["RecordRefusalsRole", "Arn"]}
    assert function["Environment"]["Variables"]["LIAISON_REFUSALS_QUEUE_URL"] == {"Ref": "RefusalsQueue"}
    source = function["Events"]["RecordRefusalsSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
                                          "${RefusalsQueue.QueueName}"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]  # one message given back, not the batch
    assert queue["VisibilityTimeout"] >= 6 * function["Timeout"]  # AWS's advice for an SQS event source

    on_queue = {(role, action) for role, s in _statements(packaged) if "RefusalsQueue" in json.dumps(s.get("Resource"))
                for action in _as_list(s["Action"])}
    assert on_queue == {("ApiHandlerRole", "sqs:SendMessage"), ("RecordRefusalsRole", "sqs:ReceiveMessage"),
                        ("RecordRefusalsRole", "sqs:DeleteMessage"), ("RecordRefusalsRole", "sqs:GetQueueAttributes")}
    consumer = [s for role, s in _statements(packaged) if role == "RecordRefusalsRole"]
    on_events = [s for s in consumer if "EventsTable" in json.dumps(s.get("Resource"))]
    assert on_events and all(set(s["Action"]) <= {"dynamodb:PutItem", "dynamodb:DescribeTable"} for s in on_events)
    touched = {r for s in consumer for r in re.findall(r'"(\w+)", "Arn"', json.dumps(s.get("Resource")))}
    assert touched == {"DataKey", "RefusalsQueue", "RequestsTable", "EventsTable"}


STREAM_READS = {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"}


def test_given_the_filings_table_then_it_streams_each_new_item_whole(merged):
    """keep_filings copies the body from the stream record itself: the new image, never a second read."""
    props = merged["Resources"]["FilingsTable"]["Properties"]
    assert props["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert _keys(props["KeySchema"]) == {"HASH": "request_id", "RANGE": "sha256"}
    assert cfn.api_environment(merged)["LIAISON_FILINGS_TABLE"] == {"Ref": "FilingsTable"}


def test_given_keep_filings_then_it_reads_only_inserts_of_the_filings_stream_and_parks_what_fails(packaged):
    """From the oldest record kept, inserts only, a failed batch retried a bounded number of times and split down
    to the record that fails, which is then named in an alarmed dead-letter queue (the shard moves on)."""
    function = packaged["Resources"]["KeepFilings"]["Properties"]
    assert function["Handler"] == "chalicelib.events.keep_filings"
    assert function["Role"] == {"Fn::GetAtt": ["KeepFilingsRole", "Arn"]}
    assert function["Environment"]["Variables"]["LIAISON_FILINGS_TABLE"] == {"Ref": "FilingsTable"}
    assert function["Environment"]["Variables"]["LIAISON_EVIDENCE_BUCKET"] == {"Ref": "EvidenceBucket"}
    assert function["ReservedConcurrentExecutions"] == {"Fn::If": ["ReservesConcurrency", 5, {"Ref": "AWS::NoValue"}]}
    assert list(function["Events"]) == ["KeepFilingsDynamodbEventSource"]
    event = function["Events"]["KeepFilingsDynamodbEventSource"]
    assert event["Type"] == "DynamoDB"
    source = event["Properties"]
    assert source["Stream"] == {"Fn::GetAtt": ["FilingsTable", "StreamArn"]}
    assert source["StartingPosition"] == "TRIM_HORIZON"
    assert [json.loads(f["Pattern"]) for f in source["FilterCriteria"]["Filters"]] == [{"eventName": ["INSERT"]}]
    assert source["BisectBatchOnFunctionError"] is True
    assert 0 < source["MaximumRetryAttempts"] <= 10
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert source["DestinationConfig"] == {
        "OnFailure": {"Destination": {"Fn::GetAtt": ["FilingsDeadLetterQueue", "Arn"]}}}


def test_given_keep_filings_then_its_role_reads_that_stream_puts_kept_bodies_and_parks_failures_only(packaged):
    consumer = [s for role, s in _statements(packaged) if role == "KeepFilingsRole"]
    on_data = {(action, json.dumps(s["Resource"], sort_keys=True)) for s in consumer if s["Effect"] == "Allow"
               for action in _as_list(s["Action"]) if action.split(":")[0] in DATA_SERVICES}
    stream = json.dumps({"Fn::GetAtt": ["FilingsTable", "StreamArn"]})
    # ListStreams has no resource-level permission; scoped to the table's streams as SAM's DynamoDBStreamReadPolicy.
    streams = json.dumps({"Fn::Sub": "${FilingsTable.Arn}/stream/*"})
    data_key = json.dumps({"Fn::GetAtt": ["DataKey", "Arn"]})  # the stream, the queue and the bucket's SSE-KMS
    assert on_data == {
        ("dynamodb:DescribeStream", stream), ("dynamodb:GetRecords", stream), ("dynamodb:GetShardIterator", stream),
        ("dynamodb:ListStreams", streams),
        # One object per request, written once and read back only to compare a retried copy.
        ("s3:PutObject", json.dumps({"Fn::Sub": "${EvidenceBucket.Arn}/requests/*/filed.json"})),
        ("s3:GetObject", json.dumps({"Fn::Sub": "${EvidenceBucket.Arn}/requests/*/filed.json"})),
        # Whether a request filed before December 2026 has its body at the legacy key: listed, never read.
        ("s3:ListBucket", json.dumps({"Fn::GetAtt": ["EvidenceBucket", "Arn"]})),
        ("sqs:SendMessage", json.dumps({"Fn::GetAtt": ["FilingsDeadLetterQueue", "Arn"]})),
        ("kms:Decrypt", data_key), ("kms:GenerateDataKey", data_key),
    }
    others = {action for s in consumer for action in _as_list(s["Action"])
              if action.split(":")[0] not in DATA_SERVICES}
    assert others == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                      "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_given_the_filings_table_then_the_api_puts_and_gets_items_and_only_keep_filings_reads_its_stream(packaged):
    """The API files the body in the submission's transaction (a Put) and the evidence check reads it back while the
    bucket has no copy yet (GetItem); it never changes or deletes one, nor reads the stream."""
    statements = list(_statements(packaged))
    on_filings = {(role, action) for role, s in statements if "FilingsTable" in json.dumps(s.get("Resource"))
                  for action in _as_list(s["Action"])}
    assert {action for role, action in on_filings if role == "ApiHandlerRole"} == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DescribeTable"}
    assert {role for role, _ in on_filings} == {"ApiHandlerRole", "KeepFilingsRole"}
    reading_streams = {role for role, s in statements for action in _as_list(s["Action"]) if action in STREAM_READS}
    assert reading_streams == {"KeepFilingsRole"}


def test_given_the_filings_dead_letter_queue_then_it_keeps_two_weeks_alarms_the_operators_and_is_an_output(merged):
    queue = merged["Resources"]["FilingsDeadLetterQueue"]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue["Properties"] == {"KmsMasterKeyId": {"Ref": "DataKey"}, "MessageRetentionPeriod": 14 * 24 * 3600}
    alarm = merged["Resources"]["FilingsDeadLetterAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [{"Name": "QueueName",
                                    "Value": {"Fn::GetAtt": ["FilingsDeadLetterQueue", "QueueName"]}}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "OperatorAlertsTopic"}]
    refused = merged["Resources"]["FilingsRefusedAlarm"]["Properties"]  # records not copied: chalicelib/events.py
    assert (refused["Namespace"], refused["MetricName"]) == ("Liaison", "FilingsRefused")
    assert refused["AlarmActions"] == [{"Ref": "OperatorAlertsTopic"}]
    # where `make keep-filings AWS=1 QUEUE=...` reads it (docs/operations.md)
    assert merged["Outputs"]["FilingsDeadLetterQueueUrl"]["Value"] == {"Ref": "FilingsDeadLetterQueue"}


def test_given_the_packaged_api_then_it_is_throttled_and_gateway_errors_are_json(packaged):
    api = packaged["Resources"]["RestAPI"]["Properties"]
    settings = api["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    for kind, response in api["GatewayResponses"].items():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body) == {"code", "message"}, kind
        # An answer of the gateway's own (an unknown /console/ path, a body too large) carries the pages' safety
        # headers too: nothing in it may run, be framed or sniffed into HTML.
        assert response["ResponseParameters"]["Headers"] == {
            "X-Content-Type-Options": "'nosniff'", "X-Frame-Options": "'DENY'", "Referrer-Policy": "'no-referrer'",
            "Cache-Control": "'no-store'", "Content-Security-Policy": "'sandbox'"}, kind


def test_given_the_packaged_template_then_cfn_lint_reports_no_errors(packaged, tmp_path):
    path = tmp_path / "sam.json"
    path.write_text(json.dumps(packaged))
    result = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_given_the_workflow_generator_then_the_committed_asl_is_its_output():
    from infra.statemachine import generate

    assert generate.OUTPUT.read_text() == generate.render(), "run: python -m infra.statemachine.generate"


LOCAL_ONLY = re.compile(rb"oidc[_-]provider[_-]mock|infra/local", re.IGNORECASE)
LOOPBACK = re.compile(r"127\.0\.0\.1|localhost|\[::1\]", re.IGNORECASE)


def _strings(node, key: str = ""):
    """Every string in a template, with the key it sits under."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _strings(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, key)
    elif isinstance(node, str):
        yield key, node


def test_given_the_package_then_the_local_sign_in_provider_is_in_neither_the_template_nor_the_bundle(
        package_dir, packaged):
    """`make run`'s mock OpenID provider (infra/local/oidc.py, oidc-provider-mock) is for this machine only."""
    assert not LOCAL_ONLY.search((package_dir / "sam.json").read_bytes())
    with zipfile.ZipFile(package_dir / "deployment.zip") as bundle:
        names = bundle.namelist()
        assert not [name for name in names if name.startswith("infra/") or "oidc_provider_mock" in name]
        mentioning = [name for name in names if LOCAL_ONLY.search(bundle.read(name))]
    assert mentioning == []
    # No value the deployment would use points at a loopback provider (descriptions may give examples).
    assert packaged["Parameters"]["WebSignIn"].get("Default", "") == ""
    assert [(key, value) for key, value in _strings(packaged) if key != "Description" and LOOPBACK.search(value)] == []


def test_given_the_requirements_then_the_mock_provider_is_a_development_dependency_only():
    def names(path: Path) -> set[str]:
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return {re.split(r"[=<>!~\[; ]", line)[0].lower().replace("_", "-") for line in lines if line}

    assert "oidc-provider-mock" not in names(ROOT / "requirements.txt")
    assert "oidc-provider-mock" in names(ROOT / "requirements-dev.txt")


CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_PIN = (ROOT / "infra" / "requirements-checkov.txt").read_text(encoding="utf-8").strip()


def test_given_the_packaged_template_then_checkov_fails_nothing_and_every_skip_says_why(package_dir):
    """checkov (pinned in infra/requirements-checkov.txt; `make test` installs it into .venv-checkov) on the
    deployable template: no failed check, and each check the template skips carries its reason beside it. It runs
    offline (--skip-download: nothing but loopback is contacted from the tests)."""
    assert CHECKOV.exists(), "checkov is not installed: `make test` installs it into .venv-checkov"
    result = subprocess.run([str(CHECKOV), "-f", str(package_dir / "sam.json"), "--framework", "cloudformation",
                             "--skip-download", "--output", "json"], capture_output=True, text=True, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "HOME": str(package_dir), "BC_SKIP_MAPPING": "TRUE"})
    report = json.loads(result.stdout)
    assert report["summary"]["checkov_version"] == CHECKOV_PIN.split("==")[1]
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [] and report["summary"]["parsing_errors"] == 0, failed
    skipped = report["results"]["skipped_checks"]
    assert skipped and all(len(c["check_result"].get("suppress_comment") or "") > 40 for c in skipped)
    # The fixes asked for: access logs, X-Ray on the stage, the evidence bucket's access logs, reserved concurrency.
    passed = {(c["check_id"], c["resource"]) for c in report["results"]["passed_checks"]}
    assert {("CKV_AWS_76", "AWS::Serverless::Api.RestAPI"), ("CKV_AWS_73", "AWS::Serverless::Api.RestAPI"),
            ("CKV_AWS_18", "AWS::S3::Bucket.EvidenceBucket"),
            ("CKV_AWS_115", "AWS::Serverless::Function.APIHandler"),
            ("CKV_AWS_115", "AWS::Serverless::Function.JwtAuth"),
            ("CKV_AWS_115", "AWS::Serverless::Function.KeepFilings")} <= passed


def test_given_the_api_access_log_then_it_is_json_with_request_principal_and_status_and_no_token(packaged):
    api = packaged["Resources"]["RestAPI"]["Properties"]
    assert api["TracingEnabled"] is True
    logged = json.loads(api["AccessLogSetting"]["Format"])
    assert {"requestId", "principal", "status"} <= set(logged)
    assert logged["principal"] == "$context.authorizer.principalId"
    text = api["AccessLogSetting"]["Format"].lower()
    assert "authorization" not in text and "token" not in text and "querystring" not in text
    assert packaged["Resources"]["ApiAccessLogGroup"]["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["DataKey", "Arn"]}


def test_given_the_evidence_bucket_then_the_api_cannot_write_a_body_as_filed_and_the_keeper_lists_one_prefix(
        merged):
    """The API's role may put documents under requests/, but not the one object per request that keep_filings
    writes: a version it added over a body would be what the evidence check reads."""
    statements = merged["Resources"]["EvidenceBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in statements if s.get("Sid") == "FiledBodiesNotByTheApi")
    assert (deny["Effect"], deny["Action"]) == ("Deny", "s3:PutObject")
    assert deny["Resource"] == {"Fn::Sub": "${EvidenceBucket.Arn}/requests/*/filed.json"}
    assert deny["Condition"] == {"ArnEquals": {"aws:PrincipalArn": {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}}}
    listing = next(s for s in merged["Resources"]["KeepFilingsRole"]["Properties"]["Policies"][0]["PolicyDocument"]
                   ["Statement"] if s.get("Sid") == "LegacyFilings")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "requests/*/filed-"}}


def test_given_the_local_event_sources_then_they_feed_the_functions_chalicelib_declares():
    from chalicelib.events import KEEP_FILINGS, RECORD_REFUSALS
    from infra.local.filings import FilingPump
    from infra.local.refusals import RefusalPump

    assert (FilingPump.function, RefusalPump.function) == (KEEP_FILINGS, RECORD_REFUSALS)
