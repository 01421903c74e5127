"""Health reports each AWS dependency; 200 only when all answer."""

from __future__ import annotations

from chalicelib.api import public


def test_given_every_resource_exists_then_health_is_200_and_lists_each_dependency(client):
    response = client.http.get("/v1/health")
    assert response.status_code == 200
    body = response.json_body
    assert body["status"] == "ok"
    kinds = {dep["name"]: dep["kind"] for dep in body["dependencies"]}
    assert kinds == {
        "requests_table": "table", "events_table": "table", "agencies_table": "table",
        "representatives_table": "table", "config_table": "table", "idempotency_table": "table",
        "request_workflow": "state_machine", "representatives_topic": "topic",
        "operator_alerts_topic": "topic", "agency_topic": "topic", "evidence_bucket": "bucket",
        "documents_table": "table", "filings_table": "table", "receipt_key": "key", "reports_table": "table", "sessions_table": "table",
    }
    assert all(dep["reachable"] for dep in body["dependencies"])
    assert response.headers["Cache-Control"] == "no-store"


def test_given_a_missing_table_and_bucket_then_health_is_503_naming_them(client, monkeypatch):
    broken = public.get_settings().model_copy(update={"events_table": "no-such-table",
                                                      "evidence_bucket": "no-such-bucket"})
    monkeypatch.setattr(public, "get_settings", lambda: broken)
    response = client.http.get("/v1/health")
    assert response.status_code == 503
    body = response.json_body
    assert body["status"] == "degraded"
    unreachable = {dep["name"] for dep in body["dependencies"] if not dep["reachable"]}
    assert unreachable == {"events_table", "evidence_bucket"}


def test_given_health_then_no_physical_resource_name_leaks(client, local_resources):
    text = client.http.get("/v1/health").body.decode()
    for created in local_resources.created.values():
        assert created.ref not in text
