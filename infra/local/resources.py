"""Creates the template's resources in moto (or any endpoint boto3 is pointed at).

It reads the same ``infra/template.json`` that deploys, so table keys and
indexes, topics, queues, the bucket and the state machine cannot drift between
local and AWS. Every resource type in the template must be either created here
or listed in ``NOT_EMULATED`` with the reason; an unknown type is an error, so a
new resource cannot be silently missing locally.

The API's environment is resolved from the same template: ``Ref``, ``Fn::GetAtt``,
``Fn::Sub`` and ``Fn::If`` (on the template's conditions over parameters). A setting
that depends on a resource that is not emulated (the Cognito sign-in) is left empty,
which the settings read as unset; the local stack gives such settings through the
template's override parameters instead (``WebSignIn``: the mock OpenID provider).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import boto3

from infra import template as cfn

ACCOUNT_ID = "123456789012"  # moto's default account
NOT_EMULATED = {
    "AWS::IAM::Role": "moto does not enforce IAM; policies are checked on the template",
    "AWS::IAM::Policy": "moto does not enforce IAM; policies are checked on the template",
    "AWS::ApiGateway::Account": "the account's API Gateway log role: `chalice local` serves the API locally",
    "AWS::KMS::Alias": "nothing local refers to the alias",
    "AWS::Logs::LogGroup": "workflow and sign-in trigger logs are not shipped locally",
    "AWS::CloudWatch::Alarm": "alarms need CloudWatch metrics that moto does not emit",
    "AWS::S3::BucketPolicy": "moto does not enforce bucket policies (TLS-only)",
    # Sign-in: moto has no managed login pages, MFA prompts or token triggers. `make run` signs people in with
    # the mock OpenID provider instead, passed as the WebSignIn parameter, which the template prefers when set.
    "AWS::Cognito::UserPool": "sign-in is the mock OpenID provider locally (WebSignIn parameter)",
    "AWS::Cognito::UserPoolClient": "sign-in is the mock OpenID provider locally (WebSignIn parameter)",
    "AWS::Cognito::UserPoolDomain": "sign-in is the mock OpenID provider locally (WebSignIn parameter)",
    "AWS::Cognito::ManagedLoginBranding": "sign-in is the mock OpenID provider locally (WebSignIn parameter)",
    "AWS::Lambda::Function": "the Cognito claims trigger: moto runs Lambda only in Docker; its code is unit-tested",
    "AWS::Lambda::Permission": "lets Cognito invoke the claims trigger, which is not emulated",
}
CREATION_ORDER = (
    "AWS::KMS::Key",
    "AWS::DynamoDB::Table",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::StepFunctions::StateMachine",
    "AWS::SES::EmailIdentity",
)


class NotEmulated(LookupError):
    """A value that depends on a resource the local stack does not create."""


@dataclass
class Created:
    ref: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class LocalResources:
    """Physical names of what was created, and how to resolve the template's intrinsics."""

    region: str
    parameters: dict[str, str]
    created: dict[str, Created] = field(default_factory=dict)
    conditions: dict[str, Any] = field(default_factory=dict)  # the template's, evaluated when used

    def _ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name == "AWS::Region":
            return self.region
        if name == "AWS::AccountId":
            return ACCOUNT_ID
        if name not in self.created:
            raise NotEmulated(name)
        return self.created[name].ref

    def _attribute(self, name: str, attribute: str) -> str:
        if name not in self.created:
            raise NotEmulated(name)
        return self.created[name].attributes[attribute]

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} stays ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return self.resolve(variables[name])
            if "." in name:
                return self._attribute(*name.split(".", 1))
            return self._ref(name)

        return re.sub(r"\$\{([^}]+)\}", one, text)

    def condition(self, name: str) -> bool:
        return self._holds(self.conditions[name])

    def _holds(self, expression: Any) -> bool:
        ((function, argument),) = expression.items()
        if function == "Fn::Equals":
            return self.resolve(argument[0]) == self.resolve(argument[1])
        if function == "Fn::Not":
            return not self._holds(argument[0])
        if function == "Fn::And":
            return all(self._holds(part) for part in argument)
        if function == "Fn::Or":
            return any(self._holds(part) for part in argument)
        if function == "Condition":
            return self.condition(argument)
        raise ValueError(f"condition not supported locally: {expression!r}")

    def resolve(self, value: Any) -> str:
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and "Ref" in value:
            return self._ref(value["Ref"])
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            name, attribute = value["Fn::GetAtt"]
            return self._attribute(name, attribute)
        if isinstance(value, dict) and "Fn::Sub" in value:
            argument = value["Fn::Sub"]
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            return self._sub(text, variables)
        if isinstance(value, dict) and "Fn::If" in value:
            name, when_true, when_false = value["Fn::If"]
            return self.resolve(when_true if self.condition(name) else when_false)
        raise ValueError(f"intrinsic not supported locally: {value!r}")

    def environment(self, template: dict[str, Any]) -> dict[str, str]:
        """The API's environment variables, resolved to the local resources; empty where they depend on a
        resource that is not emulated (the settings read an empty value as unset)."""
        environment = {}
        for name, value in cfn.api_environment(template).items():
            try:
                environment[name] = self.resolve(value)
            except NotEmulated:
                environment[name] = ""
        return environment


def physical_name(prefix: str, logical_id: str) -> str:
    return f"{prefix}-{logical_id}"


def _table(dynamodb: Any, name: str, props: dict[str, Any]) -> Created:
    args: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props["BillingMode"],
    }
    if "GlobalSecondaryIndexes" in props:
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:  # CloudFormation's has the view type only; the API's, StreamEnabled too
        args["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": props["StreamSpecification"]["StreamViewType"],
        }
    description = dynamodb.create_table(**args)["TableDescription"]
    if "TimeToLiveSpecification" in props:
        dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"])
    if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    return Created(name, {"Arn": description["TableArn"], "StreamArn": description.get("LatestStreamArn", "")})


def _bucket(s3: Any, region: str, name: str, props: dict[str, Any], resources: LocalResources) -> Created:
    args: dict[str, Any] = {"Bucket": name, "ObjectLockEnabledForBucket": bool(props.get("ObjectLockEnabled"))}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**args)
    if "VersioningConfiguration" in props:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration=props["VersioningConfiguration"])
    lock = props.get("ObjectLockConfiguration")
    if lock:
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration=lock)
    encryption = props.get("BucketEncryption")
    if encryption:
        # CloudFormation's property names differ from the S3 API's here.
        rules = []
        for rule in encryption["ServerSideEncryptionConfiguration"]:
            default = dict(rule["ServerSideEncryptionByDefault"])
            if "KMSMasterKeyID" in default:
                default["KMSMasterKeyID"] = resources.resolve(default["KMSMasterKeyID"])
            rules.append(
                {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": rule.get("BucketKeyEnabled", False)}
            )
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in props:
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
    return Created(name, {"Arn": f"arn:aws:s3:::{name}"})


def _queue_attributes(props: dict[str, Any], resources: LocalResources) -> dict[str, str]:
    """The queue's timings and its dead-letter queue (created before it: the template lists it first), so a
    message the local consumer gives back behaves as deployed. Encryption is left to the deployment."""
    timings = ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "ReceiveMessageWaitTimeSeconds")
    attributes: dict[str, str] = {name: str(props[name]) for name in timings if name in props}
    if "RedrivePolicy" in props:
        redrive = props["RedrivePolicy"]
        target = resources.resolve(redrive["deadLetterTargetArn"])
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": target, "maxReceiveCount": redrive["maxReceiveCount"]}
        )
    return attributes


def _substitute(definition: dict[str, Any], substitutions: dict[str, str]) -> str:
    text = json.dumps(definition)
    missing = set(re.findall(r"\$\{([A-Za-z0-9_]+)\}", text)) - set(substitutions)
    if missing:
        raise ValueError(f"state machine definition uses undefined substitutions: {sorted(missing)}")
    for key, value in substitutions.items():
        text = text.replace("${" + key + "}", value)
    return text


def create(
    *, prefix: str, region: str, parameters: dict[str, str], session: boto3.session.Session | None = None
) -> LocalResources:
    """Create every emulated resource of the template; return how to reach them."""
    session = session or boto3.session.Session()
    template = cfn.load()
    defaults = {name: spec["Default"] for name, spec in template.get("Parameters", {}).items() if "Default" in spec}
    missing = set(template.get("Parameters", {})) - set(defaults) - set(parameters)
    if missing:
        raise ValueError(f"template parameters without a value: {sorted(missing)}")
    resources = LocalResources(
        region=region, parameters={**defaults, **parameters}, conditions=template.get("Conditions", {})
    )
    typed = {name: res for name, res in template["Resources"].items() if "Type" in res}
    unknown = {res["Type"] for res in typed.values()} - set(CREATION_ORDER) - set(NOT_EMULATED)
    if unknown:
        raise ValueError(f"resource types neither created locally nor listed as not emulated: {sorted(unknown)}")

    def client(service: str) -> Any:
        return session.client(service, region_name=region)

    for kind in CREATION_ORDER:
        for logical_id, resource in cfn.resources_of_type(template, kind).items():
            props = resource.get("Properties", {})
            name = physical_name(prefix, logical_id)
            if "Condition" in resource and not resources.condition(resource["Condition"]):
                continue  # not part of this stack (as CloudFormation skips it)
            if kind == "AWS::SES::EmailIdentity":  # moto verifies it at once: no DNS here
                identity = resources.resolve(props["EmailIdentity"])
                client("sesv2").create_email_identity(EmailIdentity=identity)
                resources.created[logical_id] = Created(identity, {})
                continue
            if kind == "AWS::KMS::Key":
                key = client("kms").create_key(
                    Description=props.get("Description", logical_id),
                    KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
                    KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
                )["KeyMetadata"]
                created = Created(key["KeyId"], {"Arn": key["Arn"]})
            elif kind == "AWS::DynamoDB::Table":
                created = _table(client("dynamodb"), name, props)
            elif kind == "AWS::SNS::Topic":
                arn = client("sns").create_topic(Name=name)["TopicArn"]
                created = Created(arn, {"TopicName": name, "TopicArn": arn})
            elif kind == "AWS::SQS::Queue":
                sqs = client("sqs")
                url = sqs.create_queue(QueueName=name, Attributes=_queue_attributes(props, resources))["QueueUrl"]
                arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                created = Created(url, {"Arn": arn, "QueueName": name})
            elif kind == "AWS::S3::Bucket":
                created = _bucket(client("s3"), region, name.lower(), props, resources)
            else:  # AWS::StepFunctions::StateMachine
                substitutions = {
                    key: resources.resolve(value) for key, value in props.get("DefinitionSubstitutions", {}).items()
                }
                arn = client("stepfunctions").create_state_machine(
                    name=name,
                    definition=_substitute(props["Definition"], substitutions),
                    roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{prefix}-{logical_id}-role",
                    type=props.get("StateMachineType", "STANDARD"),
                )["stateMachineArn"]
                created = Created(arn, {"Arn": arn, "Name": name})
            resources.created[logical_id] = created
    return resources
