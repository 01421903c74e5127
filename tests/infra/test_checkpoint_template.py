"""The hourly audit checkpoint, deployed: a scheduled function of its own, the only role that may write checkpoints.

Checked on `make package`'s template (moto's Object Lock support is partial: the deployed settings are asserted
here, on the template).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from infra import template as cfn

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("package")
    subprocess.run([sys.executable, "-m", "infra.package", "--out", str(out)], cwd=ROOT, check=True,
                   capture_output=True)
    return json.loads((out / "sam.json").read_text())


def _statements(template: dict, role: str) -> list[dict]:
    return [s for policy in template["Resources"][role]["Properties"].get("Policies", [])
            for s in policy["PolicyDocument"]["Statement"]]  # a role with managed policies only has none


def test_given_the_package_then_checkpoints_run_hourly_with_the_api_s_settings(packaged):
    function = packaged["Resources"]["AuditCheckpoint"]["Properties"]
    assert function["Handler"] == "chalicelib.schedules.audit_checkpoint"
    assert function["Role"] == {"Fn::GetAtt": ["AuditCheckpointRole", "Arn"]}
    [event] = function["Events"].values()
    assert (event["Type"], event["Properties"]["Schedule"]) == ("Schedule", "rate(1 hour)")
    variables = function["Environment"]["Variables"]
    assert variables["LIAISON_EVIDENCE_BUCKET"] == {"Ref": "EvidenceBucket"}
    assert variables["LIAISON_AUDIT_CHECKPOINT_RETENTION_DAYS"] == cfn.api_environment(cfn.load())[
        "LIAISON_AUDIT_CHECKPOINT_RETENTION_DAYS"]


def test_given_the_roles_then_only_the_checkpoint_function_writes_checkpoints_and_the_api_only_reads_them(packaged):
    writers = [(role, s) for role, res in packaged["Resources"].items() if res.get("Type") == "AWS::IAM::Role"
               for s in _statements(packaged, role)
               if "/audit/" in json.dumps(s.get("Resource")) and "s3:PutObject" in s["Action"]]
    assert [role for role, _ in writers] == ["AuditCheckpointRole"]
    assert sorted(writers[0][1]["Action"]) == ["s3:PutObject", "s3:PutObjectRetention"]
    api = {s.get("Sid"): s for s in _statements(packaged, "ApiHandlerRole")}
    assert api["AuditCheckpointsRead"]["Action"] == ["s3:GetObject"]
    assert api["EvidenceBucket"]["Action"] == ["s3:ListBucket"]  # a missing key is a 404, not a 403
    checkpoint = {s.get("Sid"): s for s in _statements(packaged, "AuditCheckpointRole")}
    assert checkpoint["ChangedChains"]["Resource"][1] == {
        "Fn::Sub": "${RequestsTable.Arn}/index/chain-changed-index"}
    assert not any("dynamodb:Scan" in s["Action"] for s in checkpoint.values())


def test_given_the_requests_table_then_its_changed_chains_index_matches_the_model():
    from chalicelib.store.models import LegalRequest

    table = cfn.load()["Resources"]["RequestsTable"]["Properties"]
    [index] = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "chain-changed-index"]
    assert [k["AttributeName"] for k in index["KeySchema"]] == ["chain_hour", "request_id"]
    assert index["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert LegalRequest.by_chain_hour.Meta.index_name == "chain-changed-index"


def test_given_the_evidence_bucket_then_object_lock_is_on_for_bodies_and_checkpoints():
    bucket = cfn.load()["Resources"]["EvidenceBucket"]["Properties"]
    assert bucket["ObjectLockEnabled"] is True and bucket["VersioningConfiguration"]["Status"] == "Enabled"


def test_given_the_template_then_every_resource_it_only_completes_is_one_chalice_generates(packaged):
    incomplete = {name for name, res in cfn.load()["Resources"].items() if "Type" not in res}
    assert incomplete <= set(cfn.CHALICE_RESOURCES) <= set(packaged["Resources"])
