"""Whether each AWS dependency of the API answers.

Checks are cheap read-only calls, run in parallel with short timeouts. Results
name dependencies by role (``requests_table``), never by physical name or ARN:
the health route is public.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.observability import logger
from chalicelib.settings import TABLE_SETTINGS, Settings

DependencyKind = Literal["table", "state_machine", "topic", "bucket", "key"]


class Dependency(NamedTuple):
    name: str
    kind: DependencyKind
    probe: Callable[[], object]


def dependencies(settings: Settings) -> list[Dependency]:
    def table(name: str) -> Dependency:
        table_name = getattr(settings, name)
        return Dependency(name, "table", lambda: client("dynamodb", probe=True).describe_table(TableName=table_name))

    return [
        *(table(name) for name in TABLE_SETTINGS),
        Dependency(
            "request_workflow",
            "state_machine",
            lambda: client("stepfunctions", probe=True).describe_state_machine(
                stateMachineArn=settings.state_machine_arn
            ),
        ),
        Dependency(
            "representatives_topic",
            "topic",
            lambda: client("sns", probe=True).get_topic_attributes(TopicArn=settings.representatives_topic_arn),
        ),
        Dependency(
            "operator_alerts_topic",
            "topic",
            lambda: client("sns", probe=True).get_topic_attributes(TopicArn=settings.operator_alerts_topic_arn),
        ),
        Dependency(
            "agency_topic",
            "topic",
            lambda: client("sns", probe=True).get_topic_attributes(TopicArn=settings.agency_topic_arn),
        ),
        Dependency(
            "evidence_bucket", "bucket", lambda: client("s3", probe=True).head_bucket(Bucket=settings.evidence_bucket)
        ),
        Dependency(
            "receipt_key", "key", lambda: client("kms", probe=True).get_public_key(KeyId=settings.receipt_key_id)
        ),
    ]


def _reachable(dependency: Dependency) -> bool:
    try:
        dependency.probe()
    except (BotoCoreError, ClientError) as exc:
        logger.warning("dependency unreachable", extra={"dependency": dependency.name, "error": str(exc)})
        return False
    return True


def check(settings: Settings) -> list[tuple[Dependency, bool]]:
    deps = dependencies(settings)
    with ThreadPoolExecutor(max_workers=len(deps)) as pool:
        return list(zip(deps, pool.map(_reachable, deps), strict=True))
