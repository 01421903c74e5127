"""Reads ``infra/template.json`` the one way both the packager and the local stack use.

A state machine names its ASL file in ``Metadata['Liaison::DefinitionFile']``;
``load()`` inlines that file as the resource's ``Definition`` so the deployed
template carries exactly the JSON that runs locally. A Lambda function names its
one-file handler in ``Metadata['Liaison::CodeFile']`` (the sign-in trigger,
``infra/cognito_claims.py``); ``load()`` inlines it as ``Code.ZipFile``, so the code
that deploys is the module the unit tests import.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

INFRA_DIR = Path(__file__).resolve().parent
TEMPLATE_PATH = INFRA_DIR / "template.json"
DEFINITION_FILE_KEY = "Liaison::DefinitionFile"
CODE_FILE_KEY = "Liaison::CodeFile"
MAX_INLINE_CODE = 4096  # CloudFormation's limit on Code.ZipFile
# Resources that `chalice package` generates; template.json only completes them.
CHALICE_RESOURCES = (
    "APIHandler",
    "JwtAuth",
    "ApiHandlerRole",
    "JwtAuthRole",
    "RestAPI",
    "RecordRefusals",
    "RecordRefusalsRole",
    "KeepFilings",
    "KeepFilingsRole",
    "AuditCheckpoint",
    "AuditCheckpointRole",
)


@cache
def _raw() -> dict[str, Any]:
    return json.loads(TEMPLATE_PATH.read_text(encoding="utf-8"))


def definition(resource: dict[str, Any]) -> dict[str, Any]:
    """The ASL document of a state-machine resource, with ``${...}`` placeholders intact."""
    path = INFRA_DIR / resource["Metadata"][DEFINITION_FILE_KEY]
    return json.loads(path.read_text(encoding="utf-8"))


def inline_code(resource: dict[str, Any]) -> str:
    """The source of a function whose code is one file of ``infra/``, as ``Code.ZipFile`` carries it."""
    code = (INFRA_DIR / resource["Metadata"][CODE_FILE_KEY]).read_text(encoding="utf-8")
    if len(code) > MAX_INLINE_CODE:
        raise ValueError(
            f"{resource['Metadata'][CODE_FILE_KEY]} is longer than inline code may be "
            f"({len(code)} > {MAX_INLINE_CODE} characters)"
        )
    return code


def load() -> dict[str, Any]:
    """The template with every state machine's definition and every inline function's code (a fresh copy)."""
    template = copy.deepcopy(_raw())
    for resource in template["Resources"].values():
        if resource.get("Type") == "AWS::StepFunctions::StateMachine":
            resource["Properties"]["Definition"] = definition(resource)
        elif CODE_FILE_KEY in resource.get("Metadata", {}):
            resource["Properties"]["Code"] = {"ZipFile": inline_code(resource)}
    return template


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: res for name, res in template["Resources"].items() if res.get("Type") == kind}


def api_environment(template: dict[str, Any]) -> dict[str, Any]:
    """The environment variables given to the API function (unresolved intrinsics)."""
    return template["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
