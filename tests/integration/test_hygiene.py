"""Input hygiene and leftovers of issue 13 (points 11 and 12): control and bidirectional characters, duplicate
JSON keys, bodies that are not UTF-8, no-store on private answers, a withdrawn request's stale proposal, and
refused attempts under contention."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
import time
import typing
import uuid
from enum import Enum

import pytest
from pydantic import BaseModel

from app import app
from chalicelib.api.http import OPERATION_ATTRIBUTE
from chalicelib.auth.principal import Principal, Role
from chalicelib.domain import schema
from chalicelib.services import access, config
from chalicelib.services import directory as directory_service
from chalicelib.store.models import LegalRequest
from chalicelib.store.requests import RequestRepository
from infra.local.refusals import RefusalPump
from tests.helpers import DE, FR, admin, authority, bearer, give_notice, post, submission

def rep(issuer, sub="rep-eu-okafor", region="eu"):
    return bearer(issuer.mint(role="representative", sub=sub, region=region, mfa=True))


def created(client, issuer, agency=FR, **overrides):
    response = post(client, "/v1/requests", submission(**overrides), authority(issuer, agency))
    assert response.status_code == 201, response.body
    return response.json_body["id"]


def refused(response, field: str) -> None:
    assert (response.status_code, response.json_body["code"], response.json_body.get("field")) == (
        400, "invalid_field", field), response.body


# --- Point 11: control characters, line breaks and bidirectional formatting ---------------------------------

@pytest.mark.parametrize(("overrides", "field"), [
    ({"reference": "PV\r\nX-Injected: 1"}, "reference"),  # the e-mail header injection of the report
    ({"reference": "PV-2026-0042\nBcc: someone@elsewhere.example"}, "reference"),
    ({"reference": "PV\u2028X-Injected: 1"}, "reference"),  # Unicode line separator
    ({"reference": "PV\u2029X"}, "reference"),  # Unicode paragraph separator
    ({"reference": "PV\u202e2400-VP"}, "reference"),  # right-to-left override
    ({"reference": "PV\u2066x\u2069"}, "reference"),  # left-to-right isolate
    ({"reference": "PV\x1b[2J"}, "reference"),  # a terminal escape
    ({"reference": "PV\x85X"}, "reference"),  # C1 next line
    ({"reference": "PV\tX"}, "reference"),
    ({"legal_basis": "Art. 60-1\u202b CPP"}, "legal_basis"),
    ({"legal_basis": "Art. 60-1\r\nCPP"}, "legal_basis"),
    ({"targets": [{"kind": "username", "value": "suspect\u202e_42"}]}, "targets.0.value"),
    ({"targets": [{"kind": "username", "value": "a"}, {"kind": "username", "value": "b\nc"}]}, "targets.1.value"),
    ({"description": "Subscriber information\x00 please."}, "description"),  # NUL in a multi-line field
    ({"description": "Subscriber information\x07 please."}, "description"),  # BEL
])
def test_given_a_control_or_bidi_character_in_a_submission_then_400_naming_the_field(client, issuer, overrides,
                                                                                   field):
    refused(post(client, "/v1/requests", submission(**overrides), authority(issuer, FR)), field)


def test_given_an_emergency_threat_with_nul_then_400(client, issuer):
    body = submission("emergency_disclosure")
    body["emergency"]["threat"] = "Credible threat\x00 to kill."
    refused(post(client, "/v1/requests", body, authority(issuer, FR, mfa=True)), "emergency.threat")


def test_given_line_breaks_and_tabs_in_a_multi_line_field_then_they_are_kept(client, issuer):
    description = "Subscriber information for:\r\n\t- the account\n\t- its recovery e-mail"
    request_id = created(client, issuer, description=description)
    assert client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, FR)).json_body[
        "description"] == description


def test_given_a_request_then_messages_keep_line_breaks_and_refuse_nul(client, issuer):
    request_id = created(client, issuer)
    base = f"/v1/requests/{request_id}"
    assert post(client, f"{base}/acknowledge", {}, rep(issuer)).status_code == 200
    refused(post(client, f"{base}/request-information", {"question": "Which\x00 account?"}, rep(issuer)), "question")
    refused(post(client, f"{base}/messages", {"body": "Hello\x00"}, rep(issuer)), "body")
    refused(post(client, f"{base}/acknowledge", {"note": "ok\x00"}, rep(issuer)), "note")
    sent = post(client, f"{base}/messages", {"body": "Dear colleagues,\r\n\r\nplease see below.\n\tRegards"},
                authority(issuer, FR))
    assert sent.status_code == 200, sent.body
    refused(post(client, f"{base}/reassign", {"rep_id": "rep-eu-lindqvist\u202e"}, rep(issuer)), "rep_id")
    refused(post(client, f"{base}/verification", {"method": "phone_callback", "number_source": "official\r\ndirectory",
                                                  "outcome": "confirmed"}, rep(issuer)), "number_source")
    # Schemas of other modules refuse NUL too: the rule is on every field of every input schema.
    refused(post(client, f"{base}/decision", {"outcome": "rejected", "reason": "other", "note": "No\x00"},
                 rep(issuer)), "note")
    refused(post(client, f"{base}/withdraw", {"reason": "Closed\x00"}, authority(issuer, FR)), "reason")


def test_given_a_document_name_with_a_line_separator_then_400(client, issuer):
    request_id = created(client, issuer)
    data = b"%PDF-1.7\n" + b"x" * 64
    declaration = {"filename": "order\u2028.pdf", "content_type": "application/pdf", "size": len(data),
                   "sha256": hashlib.sha256(data).hexdigest()}
    refused(post(client, f"/v1/requests/{request_id}/documents", declaration, authority(issuer, FR)), "filename")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"name": "Polizia Postale\r\nX-Injected: 1"}, "name"),
    ({"name": "Polizia \u202eelatsoP"}, "name"),
])
def test_given_control_characters_in_a_new_agency_then_400(client, issuer, overrides, field):
    body = {"id": f"it-police-{uuid.uuid4().hex[:8]}", "name": "Polizia Postale di Serravalle", "country": "IT",
            "kind": "police", "email_domain": "serravalle-polizia.example",
            "contact_email": "richieste@serravalle-polizia.example", **overrides}
    refused(post(client, "/v1/admin/agencies", body, admin(issuer)), field)


def test_given_control_characters_in_a_new_representative_then_400(client, issuer):
    body = {"id": f"rep-eu-{uuid.uuid4().hex[:8]}", "name": "Ana\u2066 Costa", "email": "ana@liaison-platform.example",
            "region": "eu"}
    refused(post(client, "/v1/admin/representatives", body, admin(issuer)), "name")


@pytest.fixture
def eu_contact(client, issuer):
    before = client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]["contact"]
    yield copy.deepcopy(before)
    client.http.put("/v1/admin/contacts/eu", body=json.dumps(before).encode(), headers=admin(issuer))
    directory_service.forget()


@pytest.mark.parametrize(("part", "key", "value", "field"), [
    ("establishment", "name", "Liaison EU\r\nX-Injected: 1", "establishment.name"),
    ("establishment", "postal_address", ["Rue de la Loi 1", "1000\u2029Bruxelles"], "establishment.postal_address.1"),
    ("emergency", "hours", "24/7\u202e", "emergency.hours"),
])
def test_given_control_characters_in_a_contact_then_400_and_the_directory_stands(client, issuer, eu_contact, part,
                                                                                key, value, field):
    body = copy.deepcopy(eu_contact)
    body[part][key] = value
    response = client.http.put("/v1/admin/contacts/eu", body=json.dumps(body).encode(), headers=admin(issuer))
    refused(response, field)
    assert client.http.get("/v1/public/contacts?country=FR").json_body["jurisdictions"][0]["contact"] == eu_contact


def _string_slots(annotation, metadata=()):
    """Each place a string sits in a field's type, with the annotations on it."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        yield from _string_slots(inner, (*metadata, *extra))
    elif annotation is str:
        yield metadata
    elif origin is typing.Literal or (isinstance(annotation, type) and issubclass(annotation, (Enum, BaseModel))):
        return
    else:
        for argument in typing.get_args(annotation):
            yield from _string_slots(argument)


def _input_schemas():
    """The app's input schemas (not those the unit tests declare for themselves)."""
    seen, pending = [], list(schema.Strict.__subclasses__())
    while pending:
        model = pending.pop()
        seen.append(model)
        pending.extend(model.__subclasses__())
    return [model for model in seen if model.__module__.startswith("chalicelib.")]


# Input schemas of modules outside this change: NUL and the other control characters but tab and line breaks are
# refused in them by Strict itself; each should still say whether its strings are single-line or text.
NOT_YET_DECLARED = {"Decision.note", "Withdrawal.reason", "RequestQuery.cursor", "RegionSpec.name",
                    "RoutingDocument.countries", "RoutingDocument.default_region", "RoutingDocument.desks",
                    "RoutingDocument.regions", "ContactsQuery.country", "PageQuery.from_", "PageQuery.to",
                    "TransparencyQuery.from_", "TransparencyQuery.to"}


# Strings whose kind is decided by their own checker, field by field, with the same rules.
CHECKED_ELSEWHERE = {"Submission.certificate": "chalicelib.domain.certificates: each field is a line or a text"}


def test_given_every_input_schema_then_each_string_says_whether_it_is_one_line_or_text():
    undeclared = []
    for model in _input_schemas():
        for name, spec in model.model_fields.items():
            for metadata in _string_slots(spec.annotation, tuple(spec.metadata)):
                if not {id(m) for m in metadata} & {id(schema.SingleLine), id(schema.Text)}:
                    undeclared.append(f"{model.__name__}.{name}")
    left = set(undeclared) - NOT_YET_DECLARED - set(CHECKED_ELSEWHERE)
    assert sorted(left) == [], sorted(left)


# --- Point 11: the JSON body itself ----------------------------------------------------------------------------

def test_given_a_duplicate_key_then_400_naming_it_and_nothing_is_filed(client, issuer):
    reference = f"DUP-{uuid.uuid4().hex[:8]}"
    body = json.dumps(submission(reference=reference))
    raw = body.replace('"reference":', '"reference": "SHADOW", "reference":', 1).encode()
    response = client.http.post("/v1/requests", body=raw, headers=authority(issuer, FR))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_json"), response.body
    assert "'reference'" in response.json_body["message"]
    listed = client.http.get("/v1/requests?limit=100", headers=authority(issuer, FR)).json_body["items"]
    assert reference not in {item["reference"] for item in listed}


def test_given_a_duplicate_key_in_a_nested_object_then_400(client, issuer):
    raw = json.dumps(submission()).replace('"kind": "username"', '"kind": "phone", "kind": "username"', 1)
    response = client.http.post("/v1/requests", body=raw.encode(), headers=authority(issuer, FR))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_json"), response.body
    assert "'kind'" in response.json_body["message"]


@pytest.mark.parametrize("encode", [
    lambda text: text.encode("latin-1"),
    lambda text: text.encode("utf-16"),  # json.loads(bytes) would guess UTF-16 and accept it
    lambda text: text.encode("utf-32"),
    lambda text: text.encode("utf-8").replace("é".encode(), "\ufffd".encode()),  # what a gateway makes of Latin-1
])
def test_given_a_body_that_is_not_utf8_then_400(client, issuer, encode):
    text = json.dumps(submission(reference="Réf-2026-0042"), ensure_ascii=False)
    response = client.http.post("/v1/requests", body=encode(text), headers=authority(issuer, FR))
    assert (response.status_code, response.json_body["code"]) == (400, "invalid_encoding"), response.body


# --- Point 12: headers ------------------------------------------------------------------------------------------

def _private_operations():
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            operation = getattr(entry.view_function, OPERATION_ATTRIBUTE, None)
            if operation is not None and not operation.public:
                yield method, path


def test_given_every_private_route_then_even_its_refusal_is_not_stored_by_caches(client):
    operations = list(_private_operations())
    assert len(operations) > 20
    for method, path in operations:
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        # A token the authorizer refuses: the route's own 401 (without any Authorization header the gateway
        # answers before the route runs, with the template's GatewayResponses).
        response = getattr(client.http, method.lower())(concrete, headers=bearer("not-a-token"))
        assert response.status_code == 401, (method, path)
        assert response.headers.get("Cache-Control") == "no-store", (method, path)


def test_given_private_answers_then_no_store_and_public_ones_keep_their_caching(client, issuer):
    request_id = created(client, issuer)
    answers = [
        post(client, "/v1/requests", submission(), authority(issuer, FR)),  # 201
        client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, FR)),  # 200
        client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE)),  # 404
        post(client, "/v1/requests", submission(reference="a\nb"), authority(issuer, FR)),  # 400
        client.http.get(f"/v1/requests/{request_id}/audit", headers=authority(issuer, FR)),  # 403
        client.http.get("/v1/queue", headers=rep(issuer)),
        client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)),
    ]
    assert [a.status_code for a in answers] == [201, 200, 404, 400, 403, 200, 200]
    assert all(a.headers.get("Cache-Control") == "no-store" for a in answers)
    assert client.http.get("/v1/public/contacts").headers["Cache-Control"] == "public, max-age=300"
    assert client.http.get("/v1/public/policies").headers["Cache-Control"].startswith("public")


def test_given_the_docs_page_then_its_policy_allows_only_its_own_files_and_nothing_inline(client):
    response = client.http.get("/docs")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    header = response.headers["Content-Security-Policy"]
    policy = dict(directive.strip().split(" ", 1) for directive in header.split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'" and "unsafe" not in header
    page = response.body.decode()
    assert "<style" not in page and " style=" not in page and not re.search(r"\son\w+=", page)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.DOTALL)
    assert scripts and all(' src="docs/' in attributes and not body.strip() for attributes, body in scripts)


@pytest.mark.parametrize(("name", "content_type"), [
    ("swagger-ui-bundle.js", "text/javascript"), ("swagger-ui.css", "text/css"), ("docs.js", "text/javascript"),
    ("docs.css", "text/css")])
def test_given_each_file_the_docs_page_names_then_it_is_served_public_cacheable_and_typed(client, name, content_type):
    page = client.http.get("/docs").body.decode()
    [url] = re.findall(rf'"(docs/{re.escape(name)}\?v=[0-9a-f]{{12}})"', page)
    response = client.http.get(f"/{url}")
    assert response.status_code == 200 and response.body
    assert response.headers["Content-Type"].split(";")[0] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"].startswith("public, max-age=")


# --- Point 12: a withdrawn request's proposal --------------------------------------------------------------------

@pytest.fixture
def high_risk_de(client, issuer):
    before = client.http.get("/v1/admin/risk-tiers", headers=admin(issuer)).json_body["document"]
    stored = client.http.put("/v1/admin/risk-tiers", body=json.dumps(
        {"jurisdictions": {"DE": "high"}, "default": "standard"}).encode(), headers=admin(issuer))
    assert stored.status_code == 200
    yield
    client.http.put("/v1/admin/risk-tiers", body=json.dumps(before).encode(), headers=admin(issuer))
    config.forget()


def test_given_a_proposal_waiting_for_approval_when_withdrawn_then_no_decision_is_left_pending(
        client, issuer, high_risk_de):
    request_id = created(client, issuer, DE)
    base = f"/v1/requests/{request_id}"
    assert post(client, f"{base}/acknowledge", {}, rep(issuer)).status_code == 200
    give_notice(client, request_id, rep(issuer))
    proposed = post(client, f"{base}/decision", {"outcome": "fulfilled"}, rep(issuer))
    assert proposed.status_code == 202 and proposed.json_body["safeguards"]["pending_decision"]
    withdrawn = post(client, f"{base}/withdraw", {"reason": "Case closed."}, authority(issuer, DE))
    assert withdrawn.status_code == 200 and withdrawn.json_body["status"] == "withdrawn"
    view = client.http.get(base, headers=rep(issuer)).json_body
    assert view["status"] == "withdrawn" and "pending_decision" not in view["safeguards"]
    assert LegalRequest.get(request_id, consistent_read=True).pending_decision is None
    approval = post(client, f"{base}/decision/approval", {"approve": True}, rep(issuer, "rep-eu-lindqvist"))
    assert approval.status_code == 409


# --- Point 12: refused attempts under contention ----------------------------------------------------------------

class Lockstep(RequestRepository):
    """Threads read the request in rounds: each waits after its read until every thread still at work has read
    too, so all of a round write on the same version and one wins (moto's DynamoDB takes one call at a time;
    a write of the workflow meanwhile only makes a round with no winner)."""

    def __init__(self, threads: int) -> None:
        super().__init__()
        self.turn = threading.Condition()
        self.working = threads
        self.arrived = 0
        self.round = 0

    def _release_if_all_arrived(self) -> None:
        if self.working and self.arrived >= self.working:
            self.arrived, self.round = 0, self.round + 1
            self.turn.notify_all()

    def get(self, request_id: str):
        item = super().get(request_id)
        with self.turn:
            round_ = self.round
            self.arrived += 1
            self._release_if_all_arrived()
            assert self.turn.wait_for(lambda: self.round != round_, timeout=30), "a thread never read"
        return item

    def leave(self) -> None:
        with self.turn:
            self.working -= 1
            self._release_if_all_arrived()


def _outsider() -> Principal:
    return Principal(subject="officer-9", role=Role.AUTHORITY, issuer="https://issuer.test", expires_at=2**31,
                     agency_id=DE)


def _refusal(request_id: str) -> access.Refusal:
    """An outsider's refused read of the request, as the API queues it."""
    outsider = _outsider()
    return access.Refusal(request_id=request_id, kind="access_refused", actor_role=outsider.role,
                          actor=outsider.subject, attempted_at="2026-11-28T03:00:00.000Z",
                          detail={"action": "access", "code": "not_found", "status": 404, "caller_scope": DE})


def _refuse_concurrently(request_id: str, threads: int) -> list[BaseException | bool]:
    """Refusals of one request chained by that many consumers at once; what each said (done or give back)."""
    repository, outcomes = Lockstep(threads), []

    def attempt() -> None:
        try:
            outcomes.append(access.chain_refusal(repository, _refusal(request_id)))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            outcomes.append(error)
        finally:
            repository.leave()

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


@pytest.fixture
def counted(monkeypatch):
    names: list[str] = []
    original = access.metrics.add_metric

    def spy(*, name, unit, value, **kwargs):
        if name.startswith("Refusals"):
            names.extend([name] * int(value))
        return original(name=name, unit=unit, value=value, **kwargs)

    monkeypatch.setattr(access.metrics, "add_metric", spy)
    return names


def settled(client, issuer) -> str:
    """A new request once the workflow stored its first task token: from then on only the test writes it."""
    request_id = created(client, issuer)
    deadline = time.monotonic() + 20
    while LegalRequest.get(request_id, consistent_read=True).waiting_for != "acknowledgement":
        assert time.monotonic() < deadline, "the workflow did not reach its first wait"
        time.sleep(0.05)
    return request_id


def _access_refusals(request_id: str) -> int:
    return sum(1 for e in RequestRepository().events(request_id) if e.kind == "access_refused")


def test_given_three_refusals_at_once_then_all_three_are_chained(client, issuer, counted):
    request_id = settled(client, issuer)
    assert _refuse_concurrently(request_id, 3) == [True] * 3
    assert _access_refusals(request_id) == 3
    assert counted == []


def test_given_more_refusals_at_once_than_retries_then_each_is_chained_or_given_back_and_chained_later(
        client, issuer, counted):
    request_id = settled(client, issuer)
    outcomes = _refuse_concurrently(request_id, 7)
    assert set(outcomes) <= {True, False}
    chained = _access_refusals(request_id)
    assert chained >= 3  # no fewer than a round of three always gets (above)
    assert chained == outcomes.count(True) and counted.count("RefusalsDeferred") == outcomes.count(False)
    # What was given back comes back from the queue, and is chained then: every refusal ends in the trail.
    assert all(access.chain_refusal(RequestRepository(), _refusal(request_id))
               for _ in range(outcomes.count(False)))
    assert _access_refusals(request_id) == 7


def test_given_the_store_failing_on_a_refusal_then_the_caller_still_gets_its_404_and_it_is_chained_later(
        client, issuer, counted, monkeypatch):
    request_id = created(client, issuer)
    original = RequestRepository.apply

    def failing(self, item, change, actions, also=()):
        if change.kind == "access_refused":
            raise RuntimeError("the table is unavailable")
        return original(self, item, change, actions, also=also)

    pump = RefusalPump.from_settings()
    pump.drain()  # what other tests left queued
    counted.clear()
    monkeypatch.setattr(RequestRepository, "apply", failing)
    response = client.http.get(f"/v1/requests/{request_id}", headers=authority(issuer, DE))
    assert (response.status_code, response.json_body["code"]) == (404, "not_found")  # as for a missing request
    assert counted == []  # the request path only queued it
    assert pump.drain() == 1 and counted == ["RefusalsDeferred"]  # the consumer gives it back to the queue
    monkeypatch.undo()
    pump.drain(redeliver=True)
    assert _access_refusals(request_id) == 1
