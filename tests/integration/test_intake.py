"""Authorities submit legal requests and follow them (issue 3), against moto."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import boto3
import botocore.client
import botocore.session
import pytest

from chalicelib.clock import isoformat, parse_instant
from tests.helpers import DE, FR, US, authority, bearer, post, submission

EXPECTED_CLOCKS = {  # DESIGN.md section 3
    "terrorist_content_removal": (timedelta(minutes=15), timedelta(hours=1)),
    "emergency_disclosure": (timedelta(minutes=15), timedelta(hours=8)),
    "data_disclosure": (timedelta(hours=24), timedelta(days=10)),
    "preservation": (timedelta(hours=24), timedelta(hours=24)),
    "content_removal": (timedelta(hours=24), timedelta(hours=72)),
}



def without_version(view: dict) -> dict:
    """A request as shown, but its version: the workflow's task-token writes move it (and nothing else shown)
    at moments a test does not control."""
    return {k: v for k, v in view.items() if k != "version"}

def submit(client, issuer, agency=FR, kind="data_disclosure", mfa=True, headers=None, **overrides):
    return post(client, "/v1/requests", submission(kind, **overrides),
                {**authority(issuer, agency, mfa=mfa), **(headers or {})})


def executions_named(local_resources, name: str) -> list[dict]:
    sfn = boto3.client("stepfunctions", region_name="eu-west-1")
    machine = local_resources.created["RequestWorkflow"].ref
    return [e for e in sfn.list_executions(stateMachineArn=machine)["executions"] if e["name"] == name]


@pytest.mark.parametrize("kind", sorted(EXPECTED_CLOCKS))
def test_given_each_type_when_submitted_then_201_with_legal_deadlines_from_receipt(client, issuer, fixed_clock, kind):
    response = post(client, "/v1/requests", submission(kind),
                    authority(issuer, FR, mfa=True) | {"Authorization": "Bearer " + issuer.mint(
                        role="authority", sub="officer-1", agency_id=FR, mfa=True, now=fixed_clock.now().timestamp())})
    assert response.status_code == 201, response.body
    body = response.json_body
    received = parse_instant(body["received_at"])
    assert received == fixed_clock.now()
    ack, resolve = EXPECTED_CLOCKS[kind]
    assert body["ack_due_at"] == isoformat(received + ack)
    assert body["due_at"] == isoformat(received + resolve)
    assert (body["status"], body["type"], body["region"], body["agency_id"]) == ("assigned", kind, "eu", FR)
    assert body["assignee"].startswith("rep-eu-")
    assert body["received_at"].endswith("Z")
    assert response.headers["Location"] == f"/v1/requests/{body['id']}"


def test_given_a_us_agency_then_the_request_goes_to_the_us_region(client, issuer):
    assert submit(client, issuer, US).json_body["region"] == "us"


def test_given_a_submission_then_it_is_readable_with_its_first_event_and_one_workflow(client, issuer, local_resources):
    created = submit(client, issuer).json_body
    fetched = client.http.get(f"/v1/requests/{created['id']}", headers=authority(issuer))
    assert fetched.status_code == 200
    assert without_version(fetched.json_body) == without_version(created)
    events = client.http.get(f"/v1/requests/{created['id']}/events", headers=authority(issuer)).json_body["events"]
    assert [(e["seq"], e["kind"], e["actor_role"], e["actor"]) for e in events] == [
        (1, "submitted", "authority", "officer-1"), (2, "assigned", "system", "router")]
    assert events[1]["detail"]["assignee"] == created["assignee"]
    assert events[0]["at"] == created["received_at"]
    assert len(executions_named(local_resources, created["id"])) == 1


def test_given_a_warm_container_then_a_submission_makes_four_aws_calls_one_of_them_the_write(client, issuer,
                                                                                           monkeypatch):
    """The agency is read once (by the guard, reused by intake), the desk comes from the 30 s cache, and the
    request, its two events, its body as filed, its tallies and the region's turn are one transaction: what
    `make bench` reports for submit (the body reaches the evidence bucket through the filings table's stream)."""
    from chalicelib.services import config
    from chalicelib.store import representatives

    # A desk or routing cached 29 s ago by another test would expire between the two submissions: start afresh.
    representatives.forget()
    config.forget()
    submit(client, issuer)  # warms the region's desk cache, as any earlier submission in the container does
    calls, mine = [], threading.get_ident()  # moto runs earlier requests' workflows on threads of its own
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if threading.get_ident() == mine:
            calls.append(f"{self.meta.service_model.service_name}:{operation}")
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    created = submit(client, issuer)
    monkeypatch.undo()
    assert created.status_code == 201 and created.json_body["status"] == "assigned"
    assert calls == ["dynamodb:GetItem", "kms:Sign", "dynamodb:TransactWriteItems", "stepfunctions:StartExecution"]


def test_given_a_warm_container_then_a_submission_and_its_acknowledgement_create_no_aws_client(
        client, issuer, monkeypatch):
    """A botocore client costs about 0.12 s of CPU to create (botocore loads its JSON models for each new
    session): a warm container makes none per request. An uncached PynamoDB Connection, for one, would make
    one on every transaction."""
    def submit_and_acknowledge():
        created = submit(client, issuer).json_body
        rep = bearer(issuer.mint(role="representative", sub=created["assignee"], region="eu", mfa=True))
        return post(client, f"/v1/requests/{created['id']}/acknowledge", {}, rep)

    submit_and_acknowledge()  # the container's first requests make its clients
    made, mine = [], threading.get_ident()  # moto's workflow threads make clients of their own
    original = botocore.session.Session.create_client

    def counting(self, service_name, *args, **kwargs):
        if threading.get_ident() == mine:
            made.append(service_name)
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", counting)
    acknowledged = submit_and_acknowledge()
    monkeypatch.undo()
    assert acknowledged.status_code == 200, acknowledged.body
    assert made == []


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"type": "emergency_disclosure"}, "missing_field", "emergency"),
    ({"emergency": {"threat": "x", "callback_number": "+33123456"}}, "invalid_field", "emergency"),
    ({"data_categories": None}, "missing_field", "data_categories"),
    ({"data_categories": ["subscriber", "subscriber"]}, "invalid_field", "data_categories"),
    ({"type": "content_removal", "targets": [{"kind": "username", "value": "x"}]}, "invalid_field", "targets"),
    ({"type": "terrorist_content_removal", "targets": [{"kind": "user_id", "value": "1"}]}, "invalid_field",
     "targets"),
    ({"type": "wiretap"}, "invalid_field", "type"),
    ({"targets": []}, "invalid_field", "targets"),
    ({"targets": [{"kind": "username", "value": "u"}] * 101}, "invalid_field", "targets"),
    ({"targets": [{"kind": "ip", "value": "1.2.3.4"}]}, "invalid_field", "targets.0.kind"),
    ({"description": "x" * 20_001}, "invalid_field", "description"),
    ({"reference": ""}, "invalid_field", "reference"),
    ({"language": "French"}, "invalid_field", "language"),
    ({"legal_basis": None}, "invalid_field", "legal_basis"),
])
def test_given_a_submission_breaking_a_rule_then_400_naming_the_field(client, issuer, overrides, code, field):
    response = submit(client, issuer, **overrides)
    assert response.status_code == 400, response.body
    assert (response.json_body["code"], response.json_body["field"]) == (code, field)


def test_given_a_missing_required_field_then_400(client, issuer):
    body = submission()
    del body["legal_basis"]
    response = post(client, "/v1/requests", body, authority(issuer))
    assert (response.status_code, response.json_body["code"], response.json_body["field"]) == (
        400, "missing_field", "legal_basis")


def test_given_an_emergency_without_mfa_then_403_and_nothing_stored(client, issuer):
    reference = "EMERGENCY-NO-MFA"
    response = submit(client, issuer, kind="emergency_disclosure", mfa=False, reference=reference)
    assert (response.status_code, response.json_body["code"]) == (403, "mfa_required")
    listed = client.http.get("/v1/requests?type=emergency_disclosure&limit=100", headers=authority(issuer))
    assert reference not in {item["reference"] for item in listed.json_body["items"]}


def test_given_an_emergency_with_mfa_then_201(client, issuer):
    response = submit(client, issuer, kind="emergency_disclosure", mfa=True)
    assert response.status_code == 201
    assert response.json_body["emergency"]["callback_number"] == "+33 1 23 45 67 89"


@pytest.mark.parametrize(("field", "value"), [
    ("status", "fulfilled"), ("due_at", "2030-01-01T00:00:00.000Z"), ("agency_id", DE), ("assignee", "rep-1"),
    ("version", 7), ("id", "LR-MINE"), ("received_at", "2020-01-01T00:00:00.000Z"), ("region", "us"),
    ("sla_breached", True),
])
def test_given_a_server_owned_field_in_the_body_then_400_and_nothing_changes(client, issuer, field, value):
    reference = f"MASS-{field}"
    response = submit(client, issuer, reference=reference, **{field: value})
    assert (response.status_code, response.json_body["code"], response.json_body["field"]) == (
        400, "unknown_field", field)
    for agency in (FR, DE):
        listed = client.http.get("/v1/requests?limit=100", headers=authority(issuer, agency)).json_body["items"]
        assert reference not in {item["reference"] for item in listed}


def test_given_an_unknown_field_among_other_errors_then_the_unknown_field_is_reported(client, issuer):
    response = post(client, "/v1/requests", {"type": "data_disclosure", "status": "fulfilled"}, authority(issuer))
    assert (response.status_code, response.json_body["code"], response.json_body["field"]) == (
        400, "unknown_field", "status")


def test_given_a_body_over_256_kb_then_413(client, issuer):
    response = submit(client, issuer, description="x" * (256 * 1024))
    assert (response.status_code, response.json_body["code"]) == (413, "payload_too_large")


def test_given_the_same_key_and_body_then_the_same_request_once_with_one_workflow(client, issuer, local_resources):
    body = submission()
    headers = authority(issuer) | {"Idempotency-Key": "case-881-attempt"}
    first = post(client, "/v1/requests", body, headers)
    second = post(client, "/v1/requests", dict(reversed(list(body.items()))), headers)  # same content, other order
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json_body == second.json_body
    listed = client.http.get("/v1/requests?limit=100", headers=authority(issuer)).json_body["items"]
    assert [item["id"] for item in listed if item["reference"] == body["reference"]] == [first.json_body["id"]]
    assert len(executions_named(local_resources, first.json_body["id"])) == 1


def test_given_the_same_key_with_another_body_then_422_and_the_first_stands(client, issuer):
    headers = authority(issuer) | {"Idempotency-Key": "case-882"}
    first = post(client, "/v1/requests", submission(), headers)
    other = post(client, "/v1/requests", submission(description="Something else entirely."), headers)
    assert first.status_code == 201
    assert (other.status_code, other.json_body["code"]) == (422, "idempotency_key_reused")
    stored = client.http.get(f"/v1/requests/{first.json_body['id']}", headers=authority(issuer)).json_body
    assert without_version(stored) == without_version(first.json_body)


def test_given_two_agencies_using_the_same_key_then_each_gets_its_own_request(client, issuer):
    body = submission()
    fr = post(client, "/v1/requests", body, authority(issuer, FR) | {"Idempotency-Key": "shared-key-1"})
    de = post(client, "/v1/requests", body, authority(issuer, DE) | {"Idempotency-Key": "shared-key-1"})
    assert (fr.status_code, de.status_code) == (201, 201)
    assert fr.json_body["id"] != de.json_body["id"]
    assert de.json_body["agency_id"] == DE


@pytest.mark.parametrize("key", ["", "has space", "x" * 129, "ünïcode"])
def test_given_a_malformed_idempotency_key_then_400(client, issuer, key):
    response = post(client, "/v1/requests", submission(), authority(issuer) | {"Idempotency-Key": key})
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_header")


def test_given_a_stored_request_whose_reply_was_lost_when_retried_with_its_key_then_the_same_request(
        client, issuer, local_resources):
    """A crash after the write but before the idempotency record completed: the derived id finds the item."""
    from chalicelib.api import authorities

    table = boto3.resource("dynamodb", region_name="eu-west-1").Table(authorities.get_settings().idempotency_table)

    def record_ids() -> set[str]:
        return {record["id"] for record in table.scan()["Items"]}  # test inspection only

    body = submission()
    headers = authority(issuer) | {"Idempotency-Key": "lost-reply-1"}
    before = record_ids()
    first = post(client, "/v1/requests", body, headers)
    (this_record,) = record_ids() - before
    table.delete_item(Key={"id": this_record})  # as if the first attempt died before completing it
    again = post(client, "/v1/requests", body, headers)
    assert again.status_code == 201
    assert without_version(again.json_body) == without_version(first.json_body)
    assert len(executions_named(local_resources, first.json_body["id"])) == 1
    changed = post(client, "/v1/requests", submission(description="changed"), headers)
    assert (changed.status_code, changed.json_body["code"]) == (422, "idempotency_key_reused")


def test_given_many_requests_then_the_list_is_newest_first_paged_and_filtered(client, issuer, fixed_clock):
    agency = "es-castavel-fiscalia"

    def headers():
        return authority(issuer, agency) | {"Authorization": "Bearer " + issuer.mint(
            role="authority", sub="officer-es", agency_id=agency, mfa=True, now=fixed_clock.now().timestamp())}

    ids = []
    for index in range(5):
        kind = "preservation" if index % 2 else "data_disclosure"
        ids.append(post(client, "/v1/requests", submission(kind), headers()).json_body["id"])
        fixed_clock.advance(timedelta(seconds=1))
    page1 = client.http.get("/v1/requests?limit=2", headers=headers()).json_body
    page2 = client.http.get(f"/v1/requests?limit=2&cursor={page1['next_cursor']}", headers=headers()).json_body
    page3 = client.http.get(f"/v1/requests?limit=2&cursor={page2['next_cursor']}", headers=headers()).json_body
    listed = [item["id"] for page in (page1, page2, page3) for item in page["items"]]
    assert listed == list(reversed(ids))
    preservations = client.http.get("/v1/requests?type=preservation", headers=headers()).json_body["items"]
    assert [item["id"] for item in preservations] == [ids[3], ids[1]]
    received = client.http.get("/v1/requests?status=assigned&type=data_disclosure",
                               headers=headers()).json_body["items"]
    assert [item["id"] for item in received] == [ids[4], ids[2], ids[0]]
    assert client.http.get("/v1/requests?status=fulfilled", headers=headers()).json_body["items"] == []


@pytest.mark.parametrize(("query", "field"), [
    ("limit=101", "limit"), ("limit=0", "limit"), ("limit=ten", "limit"), ("status=lost", "status"),
    ("type=wiretap", "type"), ("cursor=%21%21%21", "cursor"), ("colour=red", "colour"),
])
def test_given_a_bad_list_query_then_400(client, issuer, query, field):
    response = client.http.get(f"/v1/requests?{query}", headers=authority(issuer))
    assert response.status_code == 400, response.body
    assert response.json_body["field"] == field


def test_given_a_cursor_of_another_agency_then_400_not_their_items(client, issuer):
    for _ in range(2):
        submit(client, issuer, DE)
    de_page = client.http.get("/v1/requests?limit=1", headers=authority(issuer, DE)).json_body
    response = client.http.get(f"/v1/requests?limit=1&cursor={de_page['next_cursor']}", headers=authority(issuer, FR))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_cursor")


def test_given_an_open_request_when_withdrawn_then_closed_with_an_event_and_not_again(client, issuer):
    created = submit(client, issuer).json_body
    response = post(client, f"/v1/requests/{created['id']}/withdraw", {"reason": "Case closed by the court."},
                    authority(issuer))
    assert response.status_code == 200
    body = response.json_body
    # The withdrawal moves the version; the workflow's token write may have moved it once more meanwhile.
    assert body["status"] == "withdrawn" and body["closed_at"] and body["version"] > created["version"]
    events = client.http.get(f"/v1/requests/{created['id']}/events", headers=authority(issuer)).json_body["events"]
    assert [(e["seq"], e["kind"]) for e in events] == [(1, "submitted"), (2, "assigned"), (3, "withdrawn")]
    assert events[2]["detail"] == {"reason": "Case closed by the court."}
    again = post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))
    assert (again.status_code, again.json_body["code"]) == (409, "illegal_transition")


def test_given_a_decided_request_then_withdrawal_is_409(client, issuer):
    from chalicelib.store.models import LegalRequest

    created = submit(client, issuer).json_body
    LegalRequest.get(created["id"]).update(actions=[LegalRequest.status.set("fulfilled")])
    response = post(client, f"/v1/requests/{created['id']}/withdraw", {}, authority(issuer))
    assert (response.status_code, response.json_body["code"]) == (409, "illegal_transition")


def test_given_an_unknown_field_in_a_withdrawal_then_400(client, issuer):
    created = submit(client, issuer).json_body
    response = post(client, f"/v1/requests/{created['id']}/withdraw", {"status": "fulfilled"}, authority(issuer))
    assert (response.status_code, response.json_body["code"]) == (400, "unknown_field")
    assert client.http.get(f"/v1/requests/{created['id']}", headers=authority(issuer)).json_body["status"] == \
        "assigned"


def test_given_requests_of_another_agency_then_every_route_answers_404_and_lists_hide_them(client, issuer):
    mine = submit(client, issuer, FR).json_body
    other = authority(issuer, DE, sub="officer-of-de")
    for method, path in [("GET", f"/v1/requests/{mine['id']}"), ("GET", f"/v1/requests/{mine['id']}/events"),
                         ("POST", f"/v1/requests/{mine['id']}/withdraw")]:
        response = client.http.request(method, path, headers=other, body=b"{}" if method == "POST" else b"")
        assert (response.status_code, response.json_body["code"]) == (404, "not_found"), (method, path)
        own = client.http.request(method, path, headers=authority(issuer, FR),
                                  body=b"{}" if method == "POST" else b"")
        assert own.status_code == 200, (method, path)
    ids = set()
    cursor = ""
    while True:
        page = client.http.get(f"/v1/requests?limit=100{cursor}", headers=other).json_body
        ids |= {item["id"] for item in page["items"]}
        if not page.get("next_cursor"):
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert mine["id"] not in ids
    # The other agency's attempts left no trace; the only withdrawal is the owner's, in the loop above.
    events = client.http.get(f"/v1/requests/{mine['id']}/events", headers=authority(issuer)).json_body["events"]
    assert [(e["kind"], e["actor"]) for e in events] == [("submitted", "officer-1"), ("assigned", "router"),
                                                         ("withdrawn", "officer-1")]


@pytest.mark.parametrize("request_id", ["LR-AAAAAAAAAAAAAAAA", "nonsense", "LR-" + "A" * 3000, "LR-%00"])
def test_given_an_unknown_or_malformed_request_id_then_404_without_echo(client, issuer, request_id):
    for path in (f"/v1/requests/{request_id}", f"/v1/requests/{request_id}/events"):
        response = client.http.get(path, headers=authority(issuer))
        assert (response.status_code, response.json_body["code"]) == (404, "not_found")
        assert request_id not in response.json_body["message"]


def test_given_deeply_nested_json_then_400_not_500(client, issuer):
    raw = b"[" * 100_000 + b"]" * 100_000
    response = client.http.post("/v1/requests", body=raw, headers=authority(issuer))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_json")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_given_a_body_that_is_not_declared_json_then_415_in_the_api_error_shape(client, issuer, content_type):
    headers = authority(issuer) | {"Content-Type": content_type}
    response = client.http.post("/v1/requests", body=json.dumps(submission()).encode(), headers=headers)
    assert (response.status_code, response.json_body["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize("key", [
    {"agency_id": {"S": FR}},
    {"agency_id": {"S": FR}, "received_at": {"N": "abc"}, "request_id": {"S": "LR-X"}},
    {"agency_id": {"S": FR}, "received_at": {"S": "2026"}, "request_id": {"S": "LR-X"}, "extra": {"S": "1"}},
])
def test_given_a_forged_list_cursor_then_400(client, issuer, key):
    from chalicelib.store import cursor

    response = client.http.get(f"/v1/requests?cursor={cursor.encode(key)}", headers=authority(issuer))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_cursor")


def test_given_a_rare_filter_then_one_call_reads_a_bounded_number_of_pages(client, issuer, monkeypatch):
    from chalicelib.store import paging

    agency = "nl-veiligweb-ngo"
    for _ in range(7):
        submit(client, issuer, agency, kind="preservation")
    monkeypatch.setattr(paging, "FILTERED_PAGE_SIZE", 2)
    monkeypatch.setattr(paging, "MAX_PAGES", 2)
    pages, cursor = 0, ""
    while True:
        page = client.http.get(f"/v1/requests?type=content_removal{cursor}", headers=authority(issuer, agency))
        assert page.status_code == 200 and page.json_body["items"] == []
        pages += 1
        if not page.json_body.get("next_cursor"):
            break
        cursor = f"&cursor={page.json_body['next_cursor']}"
    assert pages == 2  # 7 items, read 2 × 2 at a time: one call stops with a cursor, the next reaches the end


@pytest.mark.parametrize(("method", "path", "role", "claims"), [
    *[(m, p, "admin", {}) for m, p in [("POST", "/v1/requests"), ("GET", "/v1/requests"),
                                        ("GET", "/v1/requests/LR-X"), ("GET", "/v1/requests/LR-X/events"),
                                        ("POST", "/v1/requests/LR-X/withdraw")]],
    *[(m, p, "representative", {"region": "eu"}) for m, p in [("POST", "/v1/requests"), ("GET", "/v1/requests"),
                                                               ("POST", "/v1/requests/LR-X/withdraw")]],
])
def test_given_a_non_authority_then_authority_routes_answer_403(client, issuer, method, path, role, claims):
    token = issuer.mint(role=role, sub=f"{role}-1", **claims)
    response = client.http.request(method, path, headers={"Authorization": f"Bearer {token}"},
                                   body=json.dumps(submission()).encode() if method == "POST" else b"")
    assert (response.status_code, response.json_body["code"]) == (403, "role_not_allowed")


def test_given_nobody_available_in_the_region_then_stored_as_received_no_turn_taken_and_one_alert(local_resources):
    """The desk is asked once: the submission finds nobody, is stored as received (its only event
    `submitted`) without taking the region's turn, its workflow starts, and the operators are told once."""
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.domain.intake import Submission
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.services.intake import Intake
    from chalicelib.store.requests import RequestRepository

    class Nobody:
        turns: list[str] = []

        def known_turn(self, region):
            return 0

        def take_turn(self, region, turn):
            raise AssertionError("nobody to assign: no turn is taken")

        def next_turn(self, region):
            self.turns.append(region)
            return len(self.turns) - 1

        def candidates(self, region):
            return []

    class Operators:
        alerts: list[str] = []

        def alert_operators(self, text, request_id):
            self.alerts.append(text)
            return True

    nobody, operators = Nobody(), Operators()
    intake = Intake(dispatch=Dispatch(representatives=nobody, publisher=operators))
    officer = Principal("officer-1", Role.AUTHORITY, "test", 2_000_000_000, agency_id=FR)
    item = intake.submit(officer, Submission.model_validate(submission()), body=b"{}",
                         body_sha256=hashlib.sha256(b"{}").hexdigest(), idempotency_key=None)
    stored = RequestRepository().get(item.request_id)
    assert (stored.status, stored.assignee, stored.last_event_seq) == ("received", None, 1)
    assert nobody.turns == []
    assert len(operators.alerts) == 1 and "no available representative" in operators.alerts[0]
    assert len(executions_named(local_resources, item.request_id)) == 1


def _rotation_counter(region: str) -> int:
    from pynamodb.exceptions import DoesNotExist

    from chalicelib.store.models import ConfigEntry

    try:
        return int(ConfigEntry.get(f"rotation#{region}", consistent_read=True).counter or 0)
    except DoesNotExist:
        return 0


def _officer_submits(count: int, *, start: threading.Barrier | None = None):
    """``count`` data-disclosure submissions through the intake service, each from its own thread when
    ``start`` is given (the service, not the chalice test client: that client keeps one current request)."""
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.domain.intake import Submission
    from chalicelib.services.intake import Intake

    officer = Principal("officer-1", Role.AUTHORITY, "test", 2_000_000_000, agency_id=FR)
    body = json.dumps(submission()).encode()

    def one():
        if start is not None:
            start.wait()
        return Intake().submit(officer, Submission.model_validate(submission()), body=body,
                               body_sha256=hashlib.sha256(body).hexdigest(), idempotency_key=None)

    if start is None:
        return [one() for _ in range(count)]
    made, errors = [], []

    def run():
        try:
            made.append(one())
        except Exception as error:  # noqa: BLE001 - the test reports what a racing submission raised
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return made


def test_given_submissions_racing_at_one_desk_then_each_takes_its_own_turn_and_the_desk_shares_them_evenly(
        local_resources):
    """Round-robin holds under concurrency: every turn of the rotation goes to exactly one request, whichever
    submission reached the counter first (the turn is taken inside each submission's transaction)."""
    from collections import Counter

    from chalicelib.store.representatives import RepresentativeRepository

    desk = sorted(c.rep_id for c in RepresentativeRepository().candidates("eu") if c.available and not c.lead)
    assert len(desk) >= 2
    before = _rotation_counter("eu")
    count = 3 * len(desk)
    made = _officer_submits(count, start=threading.Barrier(count))
    turns = Counter(item.assignee for item in made)
    assert _rotation_counter("eu") == before + count
    assert turns == {rep: 3 for rep in desk}, turns
    assert sorted(int(item.assignment_rule.split(":")[1].split("/")[0]) for item in made) == \
        sorted(list(range(1, len(desk) + 1)) * 3)


def test_given_a_turn_another_container_took_then_the_submission_learns_it_and_takes_the_next(
        local_resources, monkeypatch):
    """A container's remembered turn is stale when another container assigned since: its transaction is
    refused on the turn alone, and it takes the next turn with the atomic ADD: two transactions in all."""
    from chalicelib.store.representatives import RepresentativeRepository, _turns

    rotation = RepresentativeRepository()
    _officer_submits(1)  # this container now knows the turn
    known = _turns["eu"]
    assert known == _rotation_counter("eu")
    assert rotation.next_turn("eu") == known  # "another container" takes a turn
    _turns["eu"] = known  # ...which this one has not seen
    desk = sorted(c.rep_id for c in rotation.candidates("eu") if c.available and not c.lead)

    transactions, mine = [], threading.get_ident()
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation, params):
        if threading.get_ident() == mine and operation in ("TransactWriteItems", "UpdateItem"):
            transactions.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    [item] = _officer_submits(1)
    monkeypatch.undo()
    assert item.assignee == desk[(known + 1) % len(desk)]
    assert transactions == ["TransactWriteItems", "UpdateItem", "TransactWriteItems"]  # refused, ADD, stored
    assert _rotation_counter("eu") == known + 2 == _turns["eu"]



def test_given_an_assignee_gone_when_the_submission_assigns_again_then_it_is_stored_as_received(local_resources):
    """A submission that lost its turn assigns again; if the desk emptied meanwhile, nothing of the first
    assignment stays on the request (it would be stored assigned to someone with no `assigned` event)."""
    from chalicelib.domain.assignment import Candidate
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest

    class Emptying:
        desks = [[Candidate("rep-x", False, True), Candidate("rep-y", False, True)], []]

        def known_turn(self, region):
            return 0

        def take_turn(self, region, turn):
            return lambda transaction: None

        def candidates(self, region):
            return self.desks.pop(0)

    dispatch = Dispatch(representatives=Emptying())
    item = LegalRequest("LR-CCCCCCCCCCCCCCCC", region="eu", status="received")
    changes, writes, turn = dispatch.assign_unstored(item, "2026-12-02T00:00:00.000Z")
    assert (item.assignee, item.status, len(changes), len(writes), turn) == ("rep-x", "assigned", 1, 1, 0)
    assert dispatch.assign_unstored(item, "2026-12-02T00:00:00.000Z") == ([], [], None)
    assert (item.status, item.assignee, item.escalation_chain, item.assignment_rule) == ("received", None, None, None)


def test_given_only_the_lead_then_the_submission_is_theirs_and_takes_no_turn(local_resources):
    from chalicelib.domain.assignment import Candidate
    from chalicelib.services.dispatch import Dispatch
    from chalicelib.store.models import LegalRequest

    class LeadOnly:
        def known_turn(self, region):
            return 7

        def take_turn(self, region, turn):
            raise AssertionError("the lead alone: the rotation does not move")

        def candidates(self, region):
            return [Candidate("rep-lead", True, True)]

    item = LegalRequest("LR-DDDDDDDDDDDDDDDD", region="eu", status="received")
    changes, writes, turn = Dispatch(representatives=LeadOnly()).assign_unstored(item, "2026-12-02T00:00:00.000Z")
    assert (item.assignee, len(changes), writes, turn) == ("rep-lead", 1, [], None)


def test_given_transactions_holding_the_counter_then_the_submission_reads_the_turn_again_and_is_stored(
        local_resources, monkeypatch):
    """DynamoDB answers a transaction that meets another one on the counter with TransactionConflict, which
    tells no value: after the store's own tries (409 concurrent_submission inside), intake takes a turn with the
    atomic ADD."""
    from chalicelib.errors import Conflict
    from chalicelib.store.representatives import _turns
    from chalicelib.store.requests import RequestRepository

    _officer_submits(1)
    _turns["eu"] = _rotation_counter("eu") + 5  # a turn no transaction could take
    real, refusals = RequestRepository.create, []

    def held_once(self, *args, **kwargs):
        refusals.append("conflict" if not refusals else "stored")
        if refusals == ["conflict"]:
            raise Conflict("met a concurrent one", code="concurrent_submission")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RequestRepository, "create", held_once)
    before = _rotation_counter("eu")
    [item] = _officer_submits(1)
    assert refusals == ["conflict", "stored"]  # a turn of its own, not the stale one tried again
    assert item.status == "assigned" and _rotation_counter("eu") == before + 1 == _turns["eu"]


def test_given_a_transaction_taking_a_turn_when_a_reassignment_adds_one_then_it_tries_again(local_resources, monkeypatch):
    from botocore.exceptions import ClientError
    from pynamodb.exceptions import UpdateError

    from chalicelib.store.models import ConfigEntry
    from chalicelib.store.representatives import RepresentativeRepository

    real, refused = ConfigEntry.update, []

    def conflicting(self, *args, **kwargs):
        if not refused:
            refused.append(True)
            raise UpdateError("conflict", cause=ClientError(
                {"Error": {"Code": "TransactionConflictException", "Message": "a transaction is in progress"}},
                "UpdateItem"))
        return real(self, *args, **kwargs)

    before = _rotation_counter("eu")
    monkeypatch.setattr(ConfigEntry, "update", conflicting)
    assert RepresentativeRepository().next_turn("eu") == before
    assert refused == [True] and _rotation_counter("eu") == before + 1


def test_given_a_turn_taken_with_add_when_the_transaction_fails_again_then_the_next_attempt_keeps_it(
        local_resources, monkeypatch):
    """A turn taken with the ADD is the request's: a transaction that then fails on another conflict (the
    shared tallies, say) tries again with the same turn, so no representative's turn is skipped."""
    from chalicelib.errors import Conflict
    from chalicelib.store.representatives import RepresentativeRepository, _turns
    from chalicelib.store.requests import RequestRepository

    _officer_submits(1)
    known = _turns["eu"]
    assert RepresentativeRepository().next_turn("eu") == known  # "another container" takes a turn
    _turns["eu"] = known  # ...which this one has not seen
    real, attempts = RequestRepository.create, []

    def refused_then_held(self, *args, **kwargs):
        attempts.append(len(attempts))
        if len(attempts) == 2:  # the attempt with the ADD turn meets another transaction
            raise Conflict("met a concurrent one", code="concurrent_submission")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(RequestRepository, "create", refused_then_held)
    desk = sorted(c.rep_id for c in RepresentativeRepository().candidates("eu") if c.available and not c.lead)
    [item] = _officer_submits(1)
    assert attempts == [0, 1, 2]  # refused on the turn, held, stored
    assert item.assignee == desk[(known + 1) % len(desk)]
    assert _rotation_counter("eu") == known + 2  # one turn for "another container", one for this request
