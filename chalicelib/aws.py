"""boto3 clients, made once per process and shared.

Endpoints follow ``AWS_ENDPOINT_URL`` (moto locally), which boto3 and
PynamoDB both honour, so no code here knows whether AWS is real.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.settings import get_settings

_DEFAULT = Config(connect_timeout=2, read_timeout=5, retries={"mode": "standard", "max_attempts": 3})
# Health checks must answer fast even when a dependency hangs.
_PROBE = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 1})


# Presigned S3 URLs must be SigV4 (the only signature S3 accepts in newer regions and with KMS encryption).
_S3 = Config(signature_version="s3v4")


@functools.cache
def client(service: str, *, probe: bool = False) -> Any:
    config = _PROBE if probe else _DEFAULT
    if service == "s3":
        config = config.merge(_S3)
    return boto3.session.Session().client(service, region_name=get_settings().aws_region, config=config)
