"""Reading one object of the evidence bucket: its bytes, or None if there is none; S3 unavailable is a 503."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import client
from chalicelib.errors import DependencyUnavailable

UNAVAILABLE = "The evidence bucket is unavailable; retry shortly."


def body_or_none(bucket: str, key: str) -> bytes | None:
    try:
        return client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in {"NoSuchKey", "404"}:
            return None
        raise DependencyUnavailable(UNAVAILABLE) from error
    except BotoCoreError as error:
        raise DependencyUnavailable(UNAVAILABLE) from error
