"""`make run` on free ports, driven over real HTTP, then stopped as Ctrl-C stops it.

Given the stack started exactly as a person starts it, when we call it, then
health is 200, the OpenAPI document is valid, seeded and `make token` tokens
are accepted; a seeded person signs in at the local OpenID provider and the API
trusts the ID token; a second start on the same ports fails plainly; SIGINT to the
foreground process group stops every process it started.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from boto3.dynamodb.conditions import Key
import requests
from openapi_spec_validator import validate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
READY_LIMIT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def clean_env() -> dict[str, str]:
    """The environment a person's shell would have: none of the test process's AWS settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LIAISON_", "POWERTOOLS_", "MAKE"))}


class Running:
    def __init__(self, state_dir: Path, *extra: str) -> None:
        ports: list[int] = []
        while len(ports) < 3:
            port = free_port()
            if port not in ports:
                ports.append(port)
        self.moto_port, self.port, self.oidc_port = ports
        self.state_dir = state_dir
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            ["make", "-s", "run", f"MOTO_PORT={self.moto_port}", f"PORT={self.port}", f"OIDC_PORT={self.oidc_port}",
             f"STATE_DIR={state_dir}", *extra],
            cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith("Liaison is ready"):
                self.ready.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def oidc_url(self) -> str:
        return f"http://127.0.0.1:{self.oidc_port}"

    def interrupt(self) -> int:
        """What Ctrl-C does: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self._stopped("SIGINT to the process group")

    def terminate_make(self) -> int:
        """What a supervisor does: SIGTERM to make alone."""
        self.process.send_signal(signal.SIGTERM)
        return self._stopped("SIGTERM to make")

    def _stopped(self, how: str) -> int:
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # What was still running, and what each part logged, so that a hang can be told apart from a slow stop.
            tree = subprocess.run(["ps", "-o", "pid,ppid,stat,etime,args", "-s", str(self.process.pid)],
                                  capture_output=True, text=True).stdout
            logs = "".join(f"\n--- {log.name} (end)\n{log.read_text(errors='replace')[-1500:]}"
                           for log in sorted((self.state_dir / "logs").glob("*.log")))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            pytest.fail(f"make run did not stop within 30 s of {how}.\nprocesses:\n{tree}\n"
                        f"output:\n{''.join(self.lines)}{logs}")

    def assert_everything_stopped(self) -> None:
        ports = (self.port, self.moto_port, self.oidc_port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(port_in_use(port) for port in ports):
            time.sleep(0.1)
        assert not any(port_in_use(port) for port in ports)
        leftovers = subprocess.run(["pgrep", "-f", f"-p {self.moto_port}|--port {self.port}|--port {self.oidc_port}"],
                                   capture_output=True, text=True)
        assert leftovers.stdout.strip() == "", leftovers.stdout
        time.sleep(0.2)  # let the reader thread take the last lines
        assert any(line.startswith("Stopping Liaison") for line in self.lines), self.lines


def seed_closed_day(running: Running, country: str = "FR", kind: str = "content_removal", count: int = 6) -> None:
    """Tallies of ``count`` requests received yesterday (UTC), written straight into the stack's reports table: the
    public report covers closed days only, so requests filed through the API today are not in it yet."""
    dynamodb = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{running.moto_port}", region_name="eu-west-1",
                            aws_access_key_id="local", aws_secret_access_key="local")
    [table] = [name for name in dynamodb.list_tables()["TableNames"] if "report" in name.lower()]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    dynamodb.update_item(TableName=table, Key={"period": {"S": "day"}, "slot": {"S": f"{yesterday}#0"}},
                         UpdateExpression="ADD #n :n", ExpressionAttributeNames={"#n": f"n|{country}|{kind}|open"},
                         ExpressionAttributeValues={":n": {"N": str(count)}})


def ready(state_dir: Path) -> Running:
    """`make run` started and its ready line seen (the test fails, and the stack stops, otherwise)."""
    running = Running(state_dir)
    started = time.monotonic()
    if not running.ready.wait(READY_LIMIT_SECONDS):
        running.interrupt()
        pytest.fail("no ready line within 90 s:\n" + "".join(running.lines))
    running.startup_seconds = time.monotonic() - started
    return running


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    running = ready(tmp_path_factory.mktemp("state"))
    yield running
    if running.process.poll() is None:
        running.interrupt()


def tokens(stack) -> dict:
    return json.loads((stack.state_dir / "tokens.json").read_text())


def test_given_make_run_then_one_ready_line_names_the_api_url(stack):
    ready = [line for line in stack.lines if line.startswith("Liaison is ready")]
    assert len(ready) == 1 and stack.url in ready[0]
    assert f"console {stack.url}/console/ (sign in as rep-eu-lindqvist)" in ready[0]
    assert stack.startup_seconds < READY_LIMIT_SECONDS


def test_given_the_stack_then_health_is_200_with_every_dependency_reachable(stack):
    response = requests.get(f"{stack.url}/v1/health", timeout=10)
    assert response.status_code == 200
    assert all(dep["reachable"] for dep in response.json()["dependencies"])
    assert response.headers["x-correlation-id"]


def test_given_the_stack_then_the_openapi_document_is_valid(stack):
    document = requests.get(f"{stack.url}/openapi.json", timeout=10).json()
    validate(document)
    assert "/v1/me" in document["paths"]


def test_given_the_seeded_principals_then_tokens_json_has_the_promised_shape_and_demo_data(stack):
    data = tokens(stack)
    assert isinstance(data["admin"], str)
    authorities = data["authorities"]
    assert all(set(a) == {"agency_id", "country", "sub", "token"} for a in authorities)
    assert len({a["agency_id"] for a in authorities}) >= 6
    countries = {a["country"] for a in authorities}
    assert len(countries) >= 5 and {"FR", "DE", "US"} <= countries
    reps = data["representatives"]
    assert all(set(r) == {"rep_id", "region", "lead", "token"} for r in reps)
    regions = {r["region"] for r in reps}
    assert len(regions) >= 3
    for region in regions:
        assert sum(1 for r in reps if r["region"] == region and not r["lead"]) >= 2, region
        assert sum(1 for r in reps if r["region"] == region and r["lead"]) >= 1, region
    assert oct((stack.state_dir / "tokens.json").stat().st_mode & 0o777) == "0o600"


def test_given_each_seeded_token_then_the_authenticated_call_answers_as_that_principal(stack):
    data = tokens(stack)
    cases = [(data["admin"], "admin", None)]
    cases += [(a["token"], "authority", ("agency_id", a["agency_id"])) for a in data["authorities"]]
    cases += [(r["token"], "representative", ("region", r["region"])) for r in data["representatives"]]
    for token, role, (field, value) in [(t, r, f or (None, None)) for t, r, f in cases]:
        response = requests.get(f"{stack.url}/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code == 200, response.text
        assert response.json()["role"] == role
        if field:
            assert response.json()[field] == value


def test_given_make_token_then_it_prints_one_token_the_api_accepts(stack):
    result = subprocess.run(
        ["make", "-s", "token", "ROLE=authority", "SUB=officer-e2e", "AGENCY=de-nordmark-lka", "MFA=1",
         f"STATE_DIR={stack.state_dir}"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60, check=True)
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].count(".") == 2
    response = requests.get(f"{stack.url}/v1/me", headers={"Authorization": f"Bearer {lines[0]}"}, timeout=10)
    assert response.status_code == 200
    assert response.json() | {"token_expires_at": None} == {
        "subject": "officer-e2e", "role": "authority", "issuer": "https://dev-issuer.liaison.local",
        "mfa": True, "agency_id": "de-nordmark-lka", "token_expires_at": None}


def test_given_a_correlation_id_then_the_api_logs_json_lines_carrying_it(stack):
    response = requests.get(f"{stack.url}/v1/health", headers={"x-correlation-id": "e2e-trace-42"}, timeout=10)
    assert response.headers["x-correlation-id"] == "e2e-trace-42"
    logged = []
    for line in (stack.state_dir / "logs" / "api.log").read_text().splitlines():
        if line.startswith("{"):
            logged.append(json.loads(line))
    served = [entry for entry in logged if entry.get("correlation_id") == "e2e-trace-42"]
    assert served and served[-1]["service"] == "liaison" and served[-1]["status"] == 200


def test_given_no_or_bad_tokens_then_401(stack):
    assert requests.get(f"{stack.url}/v1/me", timeout=10).status_code == 401
    response = requests.get(f"{stack.url}/v1/me", headers={"Authorization": "Bearer a.b.c"}, timeout=10)
    assert response.status_code == 401 and response.json()["code"] == "malformed_token"


def test_given_the_sign_in_provider_then_its_discovery_names_loopback_endpoints_the_api_was_given(stack):
    discovery = requests.get(f"{stack.oidc_url}/.well-known/openid-configuration", timeout=10).json()
    assert discovery["issuer"] == stack.oidc_url
    for endpoint in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint"):
        assert discovery[endpoint].startswith(f"{stack.oidc_url}/"), endpoint
    environment = json.loads((stack.state_dir / "environment.json").read_text())
    sign_in = json.loads(environment["LIAISON_WEB_SIGN_IN"])
    assert (sign_in["issuer"], sign_in["client_id"]) == (discovery["issuer"], "liaison-console")
    assert (sign_in["authorize_url"], sign_in["token_url"], sign_in["jwks_url"], sign_in["logout_url"]) == (
        discovery["authorization_endpoint"], discovery["token_endpoint"], discovery["jwks_uri"],
        discovery["end_session_endpoint"])
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]


def sign_in(stack, sub: str) -> str:
    """The console's sign-in, step by step, by hand: the provider's form, the code, the ID token."""
    redirect_uri = f"{stack.url}/console/callback"
    verifier = secrets.token_urlsafe(48)
    query = {"client_id": "liaison-console", "redirect_uri": redirect_uri, "response_type": "code",
             "scope": "openid profile email", "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
             "code_challenge": base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
             .decode(), "code_challenge_method": "S256"}
    page = requests.get(f"{stack.oidc_url}/oauth2/authorize", params=query, timeout=10)
    assert page.status_code == 200 and re.search(r'<input[^>]*\bname="sub"', page.text), page.text[:500]
    answer = requests.post(f"{stack.oidc_url}/oauth2/authorize", params=query, data={"sub": sub},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == redirect_uri
    returned = parse_qs(location.query)
    assert returned["state"] == [query["state"]] and returned["code"][0]
    tokens = requests.post(f"{stack.oidc_url}/oauth2/token", timeout=10, data={
        "grant_type": "authorization_code", "code": returned["code"][0], "redirect_uri": redirect_uri,
        "client_id": "liaison-console", "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    id_token = tokens.json()["id_token"]
    assert jwt_claims(id_token)["nonce"] == query["nonce"]
    return id_token


def jwt_claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


@pytest.mark.parametrize(("sub", "role", "field", "value"), [
    ("rep-eu-lindqvist", "representative", "region", "eu"),
    ("officer-fr-lefevre", "authority", "agency_id", "fr-valmont-cyber"),
    ("admin-platform-ops", "admin", None, None),
])
def test_given_a_seeded_id_typed_into_the_provider_then_its_id_token_is_that_person_and_the_api_trusts_it(
        stack, sub, role, field, value):
    id_token = sign_in(stack, sub)
    claims = jwt_claims(id_token)
    assert (claims["sub"], claims["role"], claims["iss"]) == (sub, role, stack.oidc_url)
    assert "mfa" in claims["amr"]
    if field:
        assert claims[field] == value
    me = requests.get(f"{stack.url}/v1/me", headers={"Authorization": f"Bearer {id_token}"}, timeout=10)
    assert me.status_code == 200, me.text
    body = me.json()
    assert (body["subject"], body["role"], body["issuer"], body["mfa"]) == (sub, role, stack.oidc_url, True)
    if field:
        assert body[field] == value


def docs_block(stack, page: str, heading: str) -> list[str]:
    """Run the first ```sh block after ``heading`` in ``page`` (docs/api.md...), as written, against this stack; its
    lines."""
    text = (ROOT / page).read_text()
    start = text.index("```sh", text.index(heading)) + len("```sh")
    script = text[start:text.index("```", start)]
    script = script.replace("http://127.0.0.1:8000", stack.url).replace(
        ".local/tokens.json", str(stack.state_dir / "tokens.json"))
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True,
                            timeout=120, env=clean_env() | {"STATE_DIR": str(stack.state_dir)})
    assert result.returncode == 0, result.stderr + result.stdout
    return [line for line in result.stdout.splitlines() if line.strip()]


def test_given_the_api_walkthrough_then_it_runs_as_written_with_the_promised_answers(stack):
    lines = docs_block(stack, "docs/api.md", "## Try it")
    answers = []
    for line in lines:
        try:
            answers.append(json.loads(line))
        except ValueError:
            answers.append(line)
    codes = [a.get("code") if isinstance(a, dict) else a for a in answers]
    assert codes == [
        None, codes[1], None, None, 201, "idempotency_key_reused", None, None, None, "not_found",
        "unknown_field", "malformed_token", None, "illegal_transition", None, "agency_not_verified", None, None,
        None, "agency_suspended", None], lines
    assert answers[0]["status"] == "ok"
    created = answers[3]
    assert (created["status"], created["region"]) == ("assigned", "eu")
    assert answers[6]["items"][0]["id"] == created["id"]
    assert [e["kind"] for e in answers[8]["events"]] == ["submitted", "assigned"]
    assert answers[12]["status"] == "withdrawn"
    assert answers[14]["standing"] == "pending" and answers[18]["standing"] == "suspended"
    assert answers[17] == {"items": []}


def test_given_the_evidence_walkthrough_then_a_document_round_trips_and_the_receipt_verifies(stack):
    lines = docs_block(stack, "docs/api.md", "## Evidence")
    assert len(lines) == 8, lines
    claims = json.loads(lines[0])
    assert set(claims) == {"agency_id", "body_sha256", "received_at", "request_id"}
    assert claims["agency_id"] == "fr-valmont-cyber" and claims["body_sha256"] == lines[1]
    assert lines[2] == "204"
    assert [d["status"] for d in json.loads(lines[3])["items"]] == ["stored"]
    assert lines[4] == "same bytes"
    assert json.loads(lines[5])["code"] == "content_type_not_allowed"
    assert lines[6].startswith("True [") and "'document_downloaded'" in lines[6] and "'refused'" in lines[6]
    assert lines[7].endswith("all evidence verifies."), lines[7]


def make_token(stack, *args: str) -> str:
    result = subprocess.run(["make", "-s", "token", *args, f"STATE_DIR={stack.state_dir}"], cwd=ROOT, env=clean_env(),
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def make_in(stack, target: str) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "-s", target, f"STATE_DIR={stack.state_dir}"], cwd=ROOT, env=clean_env(),
                          capture_output=True, text=True, timeout=120)


def test_given_the_eu_order_walkthrough_then_an_epoc_is_filed_answered_with_annex_iii_and_its_pdf_matches(stack):
    lines = docs_block(stack, "docs/api.md", "File an EPOC with curl and answer it with Annex III")
    created, acknowledged, answered = (json.loads(line) for line in lines[:3])
    assert created["certificate"]["form"] == "EPOC" and acknowledged["status"] == "acknowledged"
    assert (answered["status"], answered["decision"]["reason"]) == ("rejected", "no_data")
    assert [a["form"] for a in answered["official_answers"]] == ["e-Evidence Annex III"]
    pdfs = answered["official_form_pdfs"]
    assert [p["form_index"] for p in pdfs] == [-1, 0]
    assert lines[3].split()[0] == pdfs[-1]["sha256"]  # the bytes downloaded are the ones the trail binds


def test_given_the_user_notice_walkthrough_then_the_notice_waits_for_the_order_and_is_given_once_it_ends(stack):
    lines = docs_block(stack, "docs/api.md", "Declare an order, see the notice refused while it runs")
    assert lines[0] == "prohibited" and lines[1].startswith("DOC-"), lines
    refused = json.loads(lines[2])
    assert refused["code"] == "notice_prohibited", lines
    state, due_at = lines[3].split()
    assert state == "prohibited" and due_at.endswith("T00:00:00.000Z"), lines
    assert lines[4:] == ["due", "True", "notified"], lines


def test_given_tampering_with_moto_s_tables_then_audit_and_verify_audit_report_it(stack):
    """Issue 13's proof over the real stack: a request changed in the table is named by its field; a chain
    rewritten consistently after `make checkpoint` is caught; a deactivated representative is refused."""
    from chalicelib.domain import audit

    data = tokens(stack)
    officer = {"Authorization": f"Bearer {data['authorities'][0]['token']}"}
    rep = {"Authorization": "Bearer " + make_token(stack, "ROLE=representative", "SUB=rep-eu-okafor", "REGION=eu",
                                                     "MFA=1")}
    admin = {"Authorization": f"Bearer {data['admin']}"}
    dynamodb = boto3.resource("dynamodb", endpoint_url=f"http://127.0.0.1:{stack.moto_port}", region_name="eu-west-1",
                              aws_access_key_id="local", aws_secret_access_key="local")
    environment = json.loads((stack.state_dir / "environment.json").read_text())
    requests_table = dynamodb.Table(environment["LIAISON_REQUESTS_TABLE"])
    events_table = dynamodb.Table(environment["LIAISON_EVENTS_TABLE"])

    def filed() -> str:
        created = requests.post(f"{stack.url}/v1/requests", timeout=10, headers=officer, json={
            "type": "data_disclosure", "legal_basis": "CPP art. 60-1", "reference": f"E2E-{secrets.token_hex(3)}",
            "language": "fr", "description": "Subscriber data.", "data_categories": ["subscriber"],
            "targets": [{"kind": "username", "value": "someone_42"}]})
        assert created.status_code == 201, created.text
        return created.json()["id"]

    def trail(request_id: str) -> dict:
        return requests.get(f"{stack.url}/v1/requests/{request_id}/audit", headers=rep, timeout=10).json()

    # 1. A request changed in the table: the authority would see "fulfilled"; the evidence names the field.
    changed = filed()
    assert trail(changed)["verified"] is True
    requests_table.update_item(Key={"request_id": changed}, UpdateExpression="SET #s = :s, targets = :t",
                               ExpressionAttributeNames={"#s": "status"},
                               ExpressionAttributeValues={":s": "fulfilled",
                                                          ":t": [{"kind": "username", "value": "other_1"}]})
    seen = trail(changed)
    assert (seen["verified"], seen["field"]) == (False, "targets"), seen
    result = make_in(stack, "verify-audit")
    assert result.returncode != 0 and f"BROKEN {changed}: field targets:" in result.stdout, result.stdout

    # 2. A chain rewritten consistently after a checkpoint: every link recomputed, the head moved to match.
    rewritten = filed()
    assert requests.post(f"{stack.url}/v1/requests/{rewritten}/acknowledge", json={"note": "seen"}, headers=rep,
                         timeout=10).status_code == 200
    written = make_in(stack, "checkpoint")
    assert written.returncode == 0, written.stderr
    assert trail(rewritten)["anchor"]["checkpoint"] == json.loads(written.stdout.splitlines()[-1])["checkpoint"]
    items = sorted(events_table.query(KeyConditionExpression=Key("request_id").eq(rewritten),
                                      ConsistentRead=True)["Items"], key=lambda e: int(e["seq"]))
    previous = audit.GENESIS
    for event in items:
        event["detail"] = event["detail"].replace('"seen"', '"never seen"')
        event["prev_hash"] = previous
        event["hash"] = previous = audit.link(previous, rewritten, int(event["seq"]), event["at"], event["kind"],
                                              event["actor_role"], event["actor"], event["detail"])
        events_table.put_item(Item=event)
    requests_table.update_item(Key={"request_id": rewritten}, UpdateExpression="SET last_event_hash = :h",
                               ExpressionAttributeValues={":h": previous})
    seen = trail(rewritten)
    assert seen["verified"] is False and "rewritten" in seen["problem"], seen
    result = make_in(stack, "verify-audit")
    assert f"BROKEN {rewritten}: event" in result.stdout and "rewritten" in result.stdout, result.stdout

    # 3. A deactivated representative is refused from the next call on.
    person = f"rep-eu-e2e-{secrets.token_hex(3)}"
    added = requests.post(f"{stack.url}/v1/admin/representatives", headers=admin, timeout=10, json={
        "id": person, "name": "E2E Person", "email": f"{person}@platform.example", "region": "eu",
        "available": False})
    assert added.status_code == 201, added.text
    theirs = {"Authorization": "Bearer " + make_token(stack, "ROLE=representative", f"SUB={person}", "REGION=eu",
                                                        "MFA=1")}
    assert requests.get(f"{stack.url}/v1/queue", headers=theirs, timeout=10).status_code == 200
    assert requests.post(f"{stack.url}/v1/admin/representatives/{person}/deactivate", headers=admin,
                         timeout=10).status_code == 200
    refused = requests.get(f"{stack.url}/v1/queue", headers=theirs, timeout=10)
    assert (refused.status_code, refused.json()["code"]) == (403, "representative_deactivated"), refused.text


def test_given_a_submission_then_the_runner_copies_its_body_as_filed_into_the_evidence_bucket(stack):
    """Deployed, the filings table's stream feeds keep_filings; under make run a thread of the runner reads moto's
    stream and hands it the same events: the body the receipt binds lands in the evidence bucket on its own."""
    import jwt

    officer = {"Authorization": f"Bearer {tokens(stack)['authorities'][0]['token']}"}
    created = requests.post(f"{stack.url}/v1/requests", timeout=10, headers=officer, json={
        "type": "preservation", "legal_basis": "CPP art. 60-1", "reference": f"E2E-{secrets.token_hex(3)}",
        "language": "fr", "description": "Preserve the account.", "data_categories": ["subscriber"],
        "targets": [{"kind": "username", "value": "someone_42"}]})
    assert created.status_code == 201, created.text
    sha = jwt.decode(created.json()["receipt"], options={"verify_signature": False})["body_sha256"]
    environment = json.loads((stack.state_dir / "environment.json").read_text())
    s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{stack.moto_port}", region_name="eu-west-1",
                      aws_access_key_id="local", aws_secret_access_key="local")
    key = f"requests/{created.json()['id']}/filed.json"
    deadline = time.monotonic() + 20
    while True:
        try:
            body = s3.get_object(Bucket=environment["LIAISON_EVIDENCE_BUCKET"], Key=key)["Body"].read()
            break
        except s3.exceptions.NoSuchKey:
            assert time.monotonic() < deadline, f"{key} never reached the evidence bucket"
            time.sleep(0.2)
    assert hashlib.sha256(body).hexdigest() == sha


def test_given_another_agencys_id_then_the_404_of_a_missing_one_and_the_runner_chains_the_refusal(stack):
    """Issue 13, point 8, over the real stack: a foreign request and a missing id answer alike; the refusal is
    queued, and the runner's pump hands it to the consumer, which chains it into the request's trail."""
    data = tokens(stack)
    key = f"pv-2026-{secrets.token_hex(3)}"  # guessable in real life; unique here
    fr = next(a for a in data["authorities"] if a["country"] == "FR")
    de = next(a for a in data["authorities"] if a["country"] == "DE")
    created = requests.post(f"{stack.url}/v1/requests", timeout=10, headers={
        "Authorization": f"Bearer {fr['token']}", "Idempotency-Key": key}, json={
        "type": "data_disclosure", "legal_basis": "CPP art. 60-1", "reference": "PV-2026-0042", "language": "fr",
        "description": "Subscriber data.", "data_categories": ["subscriber"],
        "targets": [{"kind": "username", "value": "someone_42"}]})
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    unkeyed = "LR-" + base64.b32encode(hashlib.sha256(f"{fr['agency_id']}\n{key}".encode()).digest()[:10]
                                       ).decode().rstrip("=")
    assert request_id != unkeyed  # the id of the reproduction can no longer be computed
    prober = {"Authorization": f"Bearer {de['token']}"}
    foreign = requests.get(f"{stack.url}/v1/requests/{request_id}", headers=prober, timeout=10)
    missing = requests.get(f"{stack.url}/v1/requests/LR-AAAAAAAAAAAAAAAB", headers=prober, timeout=10)
    assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content) == (
        404, missing.content)
    rep = next(r for r in data["representatives"] if r["region"] == "eu")
    deadline = time.monotonic() + 20
    while True:
        trail = requests.get(f"{stack.url}/v1/requests/{request_id}/audit", timeout=10,
                             headers={"Authorization": f"Bearer {rep['token']}"}).json()
        refused = [e for e in trail["events"] if e["kind"] == "access_refused"]
        if refused:
            break
        assert time.monotonic() < deadline, "the refusal never reached the trail: is the refusals pump running?"
        time.sleep(0.2)
    assert len(refused) == 1 and refused[0]["actor"] == de["sub"]
    assert trail["verified"] is True, {k: v for k, v in trail.items() if k != "events"}


def test_given_the_public_page_then_headless_chromium_renders_the_directory_report_and_chart(stack, tmp_path):
    from tests.e2e.browser import CHROMIUM, require_browser

    require_browser()
    token = json.loads((stack.state_dir / "tokens.json").read_text())["authorities"][0]["token"]
    created = requests.post(f"{stack.url}/v1/requests", timeout=10, headers={"Authorization": f"Bearer {token}"},
                            json={"type": "content_removal", "legal_basis": "DSA Art. 9", "reference": "PAGE-1",
                                  "language": "fr", "description": "Removal order.",
                                  "targets": [{"kind": "message_link", "value": "https://platform.example/m/9"}]})
    assert created.status_code == 201
    seed_closed_day(stack)  # today's request is not reported before the day is closed
    browser = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([*browser, "--dump-dom", f"{stack.url}/v1/public"], capture_output=True, text=True,
                         timeout=90)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert 'id="desks"' in dom.stdout and "eu-legal@liaison-platform.example" in dom.stdout
    assert '<svg id="monthly-chart"' in dom.stdout and 'class="bar"' in dom.stdout
    assert "content_removal" in dom.stdout and 'id="counts-table"' in dom.stdout
    shot = tmp_path / "page.png"
    rendered = subprocess.run([*browser, f"--screenshot={shot}", "--window-size=1280,2000", f"{stack.url}/v1/public"],
                              capture_output=True, text=True, timeout=90)
    assert rendered.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a rendered page with tables and a chart, not a blank one


def test_given_the_ports_are_busy_then_a_second_make_run_fails_with_a_plain_message(stack, tmp_path):
    result = subprocess.run(
        ["make", "-s", "run", f"MOTO_PORT={stack.moto_port}", f"PORT={stack.port}", f"OIDC_PORT={stack.oidc_port}",
         f"STATE_DIR={tmp_path}"],
        cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "already in use" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    # The first stack is unharmed.
    assert requests.get(f"{stack.url}/v1/health", timeout=10).status_code == 200


def test_given_ctrl_c_then_every_process_it_started_stops(stack):
    # make itself dies of the SIGINT after its recipe stopped, as a shell expects.
    assert stack.interrupt() in {0, -signal.SIGINT}
    stack.assert_everything_stopped()


def test_given_sigterm_to_make_then_every_process_it_started_stops(tmp_path):
    running = Running(tmp_path)
    try:
        assert running.ready.wait(READY_LIMIT_SECONDS), "".join(running.lines)
        running.terminate_make()  # make's own exit code reports the signal; what matters is below
        running.assert_everything_stopped()
    finally:
        if running.process.poll() is None:
            running.interrupt()


def test_given_a_time_scale_then_an_unacknowledged_removal_order_escalates_and_breaches_over_real_http(tmp_path):
    running = Running(tmp_path, "SLA_TIME_SCALE=3600")
    try:
        assert running.ready.wait(READY_LIMIT_SECONDS), "".join(running.lines)
        token = json.loads((tmp_path / "tokens.json").read_text())["authorities"][0]["token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        order = {"type": "terrorist_content_removal", "legal_basis": "EU 2021/784 Art. 3", "reference": "TCO-e2e",
                 "language": "fr", "description": "Removal order.",
                 "targets": [{"kind": "message_link", "value": "https://platform.example/m/1"}]}
        created = requests.post(f"{running.url}/v1/requests", json=order, headers=headers, timeout=10).json()
        deadline = time.monotonic() + 30
        kinds: list[str] = []
        while time.monotonic() < deadline and "sla_breached" not in kinds:
            time.sleep(0.5)
            events = requests.get(f"{running.url}/v1/requests/{created['id']}/events", headers=headers,
                                  timeout=10).json()["events"]
            kinds = [event["kind"] for event in events]
        assert kinds == ["submitted", "assigned", "escalated", "escalated", "sla_breached"]
        view = requests.get(f"{running.url}/v1/requests/{created['id']}", headers=headers, timeout=10).json()
        assert (view["escalation_level"], view["sla_breached"]) == (2, True)
        assert view["due_at"] == created["due_at"]  # the stored deadline stays the legal one
        # Every notification is in the outbox as an e-mail addressed to its person.
        outbox = tmp_path / "outbox"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (list(outbox.glob("*-authorities-*.eml"))
                                                   and list(outbox.glob("*-operators-*.eml"))):
            time.sleep(0.5)
        mails = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                 for path in sorted(outbox.glob("*.eml"))]
        mine = [m for m in mails if m["X-Liaison-Request"] == created["id"]]
        to = [(m["X-Liaison-Topic"], m["To"]) for m in mine]
        assert ("representatives", "anna.lindqvist@liaison-platform.example") in to or \
            ("representatives", "marc.okafor@liaison-platform.example") in to
        assert ("representatives", "sofia.rossi@liaison-platform.example") in to  # the lead, escalated to
        assert ("authorities", "requetes@valmont-police.example") in to  # the breach notice
        assert all("platform.example/m/1" not in m.get_content() for m in mine)
    finally:
        if running.process.poll() is None:
            running.interrupt()

