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


@functools.cache
def client(service: str, *, probe: bool = False) -> Any:
    return boto3.session.Session().client(
        service, region_name=get_settings().aws_region, config=_PROBE if probe else _DEFAULT
    )
