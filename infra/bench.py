"""``make bench``: what the code costs, measured; prints a table and writes ``STATE_DIR/bench.json``.

Everything runs on this machine against the in-process moto of the tests (no AWS account, nothing leaves
loopback). Figures that depend on the machine (times) are reported as ratios to a baseline measured in the
same run. Where a target is missed the table says MISSED, never hides it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

TARGETS = {
    "console_queue": 3,
    "console_request": 3,
    "console_page_kb": 60,
    "cold_start_ratio": 1.5,
    "first_request_ratio": 2.0,
    "first_authorize_ratio": 2.0,
    "submit": 4,
    "get": 2,
    "list": 2,
    "scans": 0,
    "happy_path_transitions": 12,
    "cost_per_1000_requests_usd": 0.35,
    "timer_precision_s": 2.0,
}

# AWS list prices, us-east-1, on-demand, as published in November 2026 (USD).
PRICES = {
    "api_gateway_rest_per_request": 3.50 / 1_000_000,
    "lambda_per_request": 0.20 / 1_000_000,
    "lambda_per_gb_second": 0.0000166667,
    "dynamodb_write_request_unit": 0.625 / 1_000_000,
    "dynamodb_read_request_unit": 0.125 / 1_000_000,
    "step_functions_standard_per_transition": 0.025 / 1000,
    "sns_publish": 0.50 / 1_000_000,
    "sns_email_delivery": 2.00 / 100_000,
    "kms_request": 0.03 / 10_000,
    "s3_put": 0.005 / 1000,
    "s3_get": 0.0004 / 1000,
}
# The assumed life of one request: calls per request, by operation.
# A data disclosure's user is told before the data go (the default notice policy): "notice" records it.
MIX = {"submit": 1, "get": 4, "list": 1, "queue": 2, "acknowledge": 1, "notice": 1, "decision": 1, "transparency": 0.1}
LAMBDA_MEMORY_GB = 0.5  # .chalice/config.json, stage prod
FILING_COPY_SECONDS = 0.1  # keep_filings: one S3 PUT per body, a batch of one at the least
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
READS = {"GetItem", "Query", "BatchGetItem", "Scan", "TransactGetItems"}


def production_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIAISON_", "AWS_"))}
    env.update(
        {
            "AWS_REGION": "eu-west-1",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "LIAISON_STAGE": "prod",
            "AWS_ACCESS_KEY_ID": "x",
            "AWS_SECRET_ACCESS_KEY": "x",
            "LIAISON_TRUSTED_ISSUERS": json.dumps(
                [
                    {
                        "issuer": "https://idp.example",
                        "audience": "liaison",
                        "roles": ["authority"],
                        "jwks_url": "https://idp.example/jwks.json",
                        "agencies": ["*"],
                    }
                ]
            ),
        }
    )
    from chalicelib.settings import Settings

    for name in Settings.model_fields:
        key = f"LIAISON_{name.upper()}"
        if key not in env and Settings.model_fields[name].is_required():
            env[key] = f"liaison-prod-{name}"
    return env


def stage_environment(stage: str) -> dict[str, str]:
    """The environment .chalice/config.json gives the functions of ``stage``."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def lambda_environment(bundle: Path, function: str) -> dict[str, str]:
    """What Lambda adds to a function's environment, as far as the code reads it: the X-Ray SDK sees it runs
    in Lambda (it then samples as Lambda tells it, and makes no X-Ray client of its own), Powertools names the
    function. The trace header is a sampled one; its segments go to a daemon address on loopback, unread."""
    return {
        "LAMBDA_TASK_ROOT": str(bundle),
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }


def _bundle(folder: Path) -> Path:
    """`make package`'s deployment.zip, unpacked: the code as Lambda has it in /var/task."""
    from infra import package

    if package.main(["--out", str(folder / "package")]) != 0:
        raise SystemExit("make package failed; the cold start is measured on its bundle")
    bundle = folder / "task"
    with zipfile.ZipFile(folder / "package" / "deployment.zip") as archive:
        archive.extractall(bundle)
    return bundle


def cold_start(runs: int, bundle: Path) -> dict[str, Any]:
    """Median wall time of a fresh `import app` over a fresh `import boto3`, side by side, both from the
    packaged bundle as Lambda runs it: only the bundle and the standard library on the path (``-S``), no
    bytecode written (/var/task is read-only), the prod stage's environment and Lambda's. Also measured: the same
    without Powertools' Tracer (the X-Ray SDK), which ``POWERTOOLS_TRACE_DISABLED=true`` leaves out."""
    env = {
        **production_environment(),
        **stage_environment("prod"),
        **lambda_environment(bundle, "liaison-api"),
        "PYTHONPATH": str(bundle),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    cases = {
        "boto3": ("import boto3", {}),
        "app": ("import app", {}),
        "app_untraced": ("import app", {"POWERTOOLS_TRACE_DISABLED": "true"}),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (code, extra) in cases.items():
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-S", "-c", code], cwd=bundle, env={**env, **extra}, check=True, capture_output=True
            )
            times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "ratio": round(medians["app"] / medians["boto3"], 2),
        "ratio_untraced": round(medians["app_untraced"] / medians["boto3"], 2),
        **{f"{name}_s": round(value, 3) for name, value in medians.items()},
        "runs": runs,
    }


# What a fresh process runs for each first call, from the bundle (``-S``: only the bundle and the standard
# library on the path). The Lambda context is the one attribute set Powertools' logger reads.
_CONTEXT = (
    "class Context:\n"
    "    function_name = 'liaison'; memory_limit_in_mb = 512; aws_request_id = 'bench'\n"
    "    invoked_function_arn = 'arn:aws:lambda:eu-west-1:123456789012:function:liaison'\n"
)
FIRST_CALLS = {
    "baseline": "import boto3, json, sys\n"
    "case = json.loads(sys.argv[1])\n"
    "boto3.client('dynamodb').get_item(TableName=case['table'], Key=case['key'])\n",
    "request": "import json, sys\n" + _CONTEXT + "case = json.loads(sys.argv[1])\n"
    "import app\n"
    "response = app.app(case['event'], Context())\n"
    "assert response['statusCode'] == 200, response\n",
    "authorize": "import json, sys\n" + _CONTEXT + "case = json.loads(sys.argv[1])\n"
    "from chalicelib.auth.authorizer import jwt_auth\n"
    "response = jwt_auth(case['authorizer_event'], Context())\n"
    "assert response['context']['outcome'] == 'verified', response\n",
}


def first_calls(runs: int, bundle: Path) -> dict[str, Any]:
    """A cold start as a caller feels it, in fresh processes from the packaged bundle against a moto server:
    one authenticated ``GET /v1/requests/{id}`` through the Lambda handler from an API Gateway proxy event
    (``request``), and the authorizer function's first answer to a valid token (``authorize``), each over a
    fresh ``import boto3`` and one DynamoDB GetItem (``baseline``). Bytecode as the bundle ships it (none
    written: /var/task is read-only); the prod stage's environment and Lambda's, pointed at moto; tracing on,
    as in prod. The token is checked against the local issuer's
    key file, where AWS fetches the issuer's JWKS over HTTPS once per container; the stage is ``test`` for
    that alone (``prod`` settings refuse a key file, and the stage changes nothing else)."""
    from infra.local.run import base_environment, port_is_free

    port = next(p for p in range(5790, 5890) if port_is_free(p))
    with tempfile.TemporaryDirectory(prefix="liaison-bench-first-") as tmp:
        folder = Path(tmp)
        moto_env = base_environment(port)
        moto = subprocess.Popen(
            [sys.executable, "-m", "infra.local.moto_patches", "-H", "127.0.0.1", "-p", str(port)],
            cwd=ROOT,
            env=moto_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_moto(port)
            setup = subprocess.run(
                [sys.executable, "-m", "infra.bench", "--first-call-setup", str(folder)],
                cwd=ROOT,
                env=moto_env,
                check=False,
                capture_output=True,
                text=True,
            )
            if setup.returncode != 0:
                raise RuntimeError(f"first calls: the setup failed:\n{setup.stderr[-3000:]}")
            case = json.loads(setup.stdout.strip().splitlines()[-1])
            env = {
                **production_environment(),
                **stage_environment("prod"),
                **case.pop("environment"),
                **lambda_environment(bundle, "liaison-api"),
                "AWS_ENDPOINT_URL": moto_env["AWS_ENDPOINT_URL"],
                "PYTHONPATH": str(bundle),
                "PYTHONDONTWRITEBYTECODE": "1",
                "LIAISON_STAGE": "test",
            }
            argument = json.dumps(case)
            times: dict[str, list[float]] = {name: [] for name in FIRST_CALLS}
            for _ in range(runs):
                for name, code in FIRST_CALLS.items():
                    start = time.perf_counter()
                    done = subprocess.run(
                        [sys.executable, "-S", "-c", code, argument],
                        cwd=bundle,
                        env=env,
                        check=False,
                        capture_output=True,
                        text=True,
                    )
                    times[name].append(time.perf_counter() - start)
                    if done.returncode != 0:
                        raise RuntimeError(f"first call {name!r} failed:\n{done.stderr[-3000:]}")
        finally:
            moto.terminate()
            moto.wait(timeout=10)
    medians = {name: statistics.median(values) for name, values in times.items()}
    return {
        "request_ratio": round(medians["request"] / medians["baseline"], 2),
        "authorize_ratio": round(medians["authorize"] / medians["baseline"], 2),
        **{f"{name}_s": round(value, 3) for name, value in medians.items()},
        "runs": runs,
    }


def _wait_for_moto(port: int, limit: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + limit
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/data.json", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _first_call_setup(folder: Path) -> None:
    """In its own process (settings are read once), against the moto server of ``AWS_ENDPOINT_URL``: the
    template's resources, the demo data and one request filed through the app; prints the case as JSON."""
    from infra import template
    from infra.local import resources, seed
    from infra.local.identity import DevIssuer

    issuer = DevIssuer(folder / "state")
    issuer.ensure_key()
    created = resources.create(
        prefix="liaison-bench",
        region="eu-west-1",
        parameters={
            "TrustedIssuers": json.dumps([issuer.trusted_issuer()]),
            "ApiBaseUrl": "https://liaison.bench",
            "ConsoleBaseUrl": "https://liaison.bench/console",
            "MailDomain": "liaison.bench",
        },
    )
    environment = created.environment(template.load())
    os.environ.update(environment)
    seed.seed("2026-01-01T00:00:00.000Z")
    from chalice.test import Client

    from app import app
    from chalicelib.auth.authorizer import jwt_auth

    token = issuer.mint(role="authority", sub="bench-officer", agency_id="fr-valmont-cyber", mfa=True, ttl_seconds=3600)
    body = json.dumps(
        {
            "type": "data_disclosure",
            "legal_basis": "bench",
            "reference": "BENCH-FIRST",
            "language": "en",
            "description": "bench",
            "targets": [{"kind": "username", "value": "u"}],
            "data_categories": ["subscriber"],
        }
    )
    with Client(app, stage_name="local") as http:
        created_request = http.http.post(
            "/v1/requests", body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        )
    assert created_request.status_code == 201, created_request.body
    request_id = created_request.json_body["id"]
    method_arn = "arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/v1/GET/v1/requests/" + request_id
    authorizer_event = {"type": "TOKEN", "authorizationToken": f"Bearer {token}", "methodArn": method_arn}

    class Context:
        function_name, memory_limit_in_mb, aws_request_id = "jwt_auth", 128, "bench"
        invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:jwt_auth"

    decision = jwt_auth(authorizer_event, Context())
    path = f"/v1/requests/{request_id}"
    event = {
        "resource": "/v1/requests/{request_id}",
        "path": path,
        "httpMethod": "GET",
        "headers": {"Accept": "application/json", "Authorization": f"Bearer {token}", "Host": "liaison.bench"},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"request_id": request_id},
        "stageVariables": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {
            "resourcePath": "/v1/requests/{request_id}",
            "httpMethod": "GET",
            "path": f"/v1{path}",
            "stage": "v1",
            "requestId": "bench-request",
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "bench"},
            "authorizer": {"principalId": decision["principalId"], **decision["context"]},
        },
    }
    print(
        json.dumps(
            {
                "environment": environment,
                "event": event,
                "authorizer_event": authorizer_event,
                "table": environment["LIAISON_AGENCIES_TABLE"],
                "key": {"agency_id": {"S": "fr-valmont-cyber"}},
            }
        )
    )


class CallCounter:
    """AWS API calls made by the thread that measures (the API's own; not the workflow's, which runs in
    moto's interpreter threads), counted by wrapping botocore's one call path."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self._main = threading.get_ident()


def _install_hook(counter: CallCounter) -> None:
    """Register the counter on every botocore client, present and future."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]  # private: not in the stubs

    def counted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if threading.get_ident() == counter._main:
            counter.calls.append(f"{self.meta.service_model.service_name}:{operation}")
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = counted  # type: ignore[attr-defined]  # monkeypatch (private method)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--state-dir", type=Path, default=Path(".local"))
    parser.add_argument("--runs", type=int, default=7, help="cold-start runs of each import")
    parser.add_argument("--samples", type=int, default=30, help="latency samples per operation")
    parser.add_argument("--first-call-setup", type=Path, help=argparse.SUPPRESS)  # first_calls' own process
    args = parser.parse_args(argv)
    if args.first_call_setup:
        _first_call_setup(args.first_call_setup)
        return 0
    args.state_dir.mkdir(parents=True, exist_ok=True)

    results: dict[str, Any] = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    print("cold start and first calls, from the packaged bundle ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="liaison-bench-bundle-") as tmp:
        bundle = _bundle(Path(tmp))
        results["cold_start"] = cold_start(args.runs, bundle)
        results["first_calls"] = first_calls(max(args.runs, 11), bundle)  # noisier than an import: more runs
    results["cold_start_ratio"] = results["cold_start"]["ratio"]
    results["first_request_ratio"] = results["first_calls"]["request_ratio"]
    results["first_authorize_ratio"] = results["first_calls"]["authorize_ratio"]

    from infra.local import inprocess

    scale = 100_000.0
    logging.getLogger("moto").setLevel(logging.CRITICAL)  # moto logs every Choice on an absent path
    started = inprocess.start(
        Path(tempfile.mkdtemp(prefix="liaison-bench-")),
        parameters={"EmergencyLimits": json.dumps({"agency_per_hour": 10_000, "officer_per_hour": 10_000})},
    )
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # the table is the output, not EMF lines
    try:
        results.update(_measure(started, args.samples, scale))
    finally:
        started.stop()

    results["targets"] = TARGETS
    results["verdicts"] = _verdicts(results)
    (args.state_dir / "bench.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    _print(results)
    print(f"\nwritten: {args.state_dir / 'bench.json'}")
    return 0


def _measure(started: Any, samples: int, scale: float) -> dict[str, Any]:
    from chalice.test import Client

    from app import app
    from chalicelib.aws import client as aws_client
    from chalicelib.settings import get_settings

    counter = CallCounter()
    _install_hook(counter)
    issuer = started.issuer
    authority = {
        "Authorization": "Bearer "
        + issuer.mint(role="authority", sub="bench-officer", agency_id="fr-valmont-cyber", mfa=True),
        "Content-Type": "application/json",
    }
    body = json.dumps(
        {
            "type": "data_disclosure",
            "legal_basis": "bench",
            "reference": "BENCH",
            "language": "en",
            "description": "bench",
            "targets": [{"kind": "username", "value": "u"}],
            "data_categories": ["subscriber"],
        }
    ).encode()

    def representative(rep_id: str) -> dict[str, str]:
        return {
            "Authorization": "Bearer " + issuer.mint(role="representative", sub=rep_id, region="eu", mfa=True),
            "Content-Type": "application/json",
        }

    sampled: dict[str, list[Counter]] = {name: [] for name in MIX}
    latency: dict[str, list[float]] = {name: [] for name in MIX}
    ids: list[str] = []
    with Client(app, stage_name="local") as http:

        def timed(
            name: str, method: str, path: str, headers: dict[str, str] | None = None, payload: bytes | None = None
        ) -> Any:
            counter.calls = []
            start = time.perf_counter()
            if method == "GET":
                response = http.http.get(path, headers=headers or {})
            else:
                response = http.http.post(path, body=payload or b"{}", headers=headers or {})
            latency[name].append((time.perf_counter() - start) * 1000)
            sampled[name].append(Counter(counter.calls))
            assert response.status_code < 300, (name, response.status_code, response.body)
            return response

        for _ in range(samples):
            created = timed("submit", "POST", "/v1/requests", authority, body)
            request_id, assignee = created.json_body["id"], created.json_body["assignee"]
            ids.append(request_id)
            timed("get", "GET", f"/v1/requests/{request_id}", authority)
            timed("list", "GET", "/v1/requests?limit=25", authority)
            timed("queue", "GET", "/v1/queue?limit=25", representative(assignee))
            _wait_waiting(request_id, "acknowledgement")
            timed("acknowledge", "POST", f"/v1/requests/{request_id}/acknowledge", representative(assignee))
            _wait_waiting(request_id, "decision")
            timed(
                "notice",
                "POST",
                f"/v1/requests/{request_id}/user-notice",
                representative(assignee),
                b'{"channel": "email", "text": "We received a legal request about your account."}',
            )
            timed(
                "decision",
                "POST",
                f"/v1/requests/{request_id}/decision",
                representative(assignee),
                b'{"outcome": "fulfilled"}',
            )
            timed("transparency", "GET", "/v1/public/transparency")

        console = _console(http, ids[-1], assignee, counter)
        probes = _probes(http, ids[0], issuer, counter, samples)

        baseline = []
        table = get_settings().agencies_table
        for _ in range(samples):
            start = time.perf_counter()
            aws_client("dynamodb").get_item(TableName=table, Key={"agency_id": {"S": "fr-valmont-cyber"}})
            baseline.append((time.perf_counter() - start) * 1000)

        happy = _transitions(started, ids[0])
        # Timers divided by `scale` from here on (settings are read once: read them again).
        os.environ["LIAISON_SLA_TIME_SCALE"] = str(scale)
        get_settings.cache_clear()
        escalated = _escalation(http, authority, started)

    # Per operation, the sample with the median number of calls (a retry after a concurrent change of the
    # workflow's costs one more: the maximum shows it), and Scans counted over every sample.
    calls = {
        name: sorted(runs, key=lambda c: sum(c.values()))[(len(runs) - 1) // 2]
        for name, runs in sampled.items()
        if runs
    }
    per_operation = {name: sum(counter_.values()) for name, counter_ in calls.items()}
    most = {name: max(sum(c.values()) for c in runs) for name, runs in sampled.items() if runs}
    base_p50 = statistics.median(baseline)
    latency_view = {
        name: {
            "p50_ms": round(percentile(v, 0.5), 1),
            "p95_ms": round(percentile(v, 0.95), 1),
            "p50_ratio": round(percentile(v, 0.5) / base_p50, 1),
            "p95_ratio": round(percentile(v, 0.95) / base_p50, 1),
        }
        for name, v in latency.items()
    }
    latency_view["baseline_getitem"] = {"p50_ms": round(base_p50, 2), "p95_ms": round(percentile(baseline, 0.95), 2)}
    scans = sum(
        c for runs in sampled.values() for counter_ in runs for name, c in counter_.items() if name.endswith(":Scan")
    )
    cost = _cost(calls, latency, happy)
    return {
        "console": console,
        "probes": probes,
        "aws_calls": {**per_operation, "scans": scans},
        "aws_calls_detail": {name: dict(counter_) for name, counter_ in calls.items()},
        "aws_calls_max": most,
        "state_transitions": {"happy_path": happy, **escalated["transitions"]},
        "latency_ms": latency_view,
        "cost_per_1000_requests_usd": cost["total"],
        "cost_detail": cost,
        "timer_precision_s": escalated["precision"],
    }


def _probes(http: Any, request_id: str, issuer: Any, counter: CallCounter, samples: int) -> dict[str, Any]:
    """Another agency's GET of an existing request against one of an id that does not exist, interleaved:
    both must answer the same 404 after the same AWS calls, in the same time (the refusal is queued in both)."""
    token = issuer.mint(role="authority", sub="bench-prober", agency_id="de-nordmark-lka")
    other = {"Authorization": "Bearer " + token}
    paths = {"foreign": f"/v1/requests/{request_id}", "missing": "/v1/requests/LR-AAAAAAAAAAAAAAAB"}
    times: dict[str, list[float]] = {name: [] for name in paths}
    calls: dict[str, list[str]] = {}
    for _ in range(samples):
        for name, path in paths.items():
            counter.calls = []
            start = time.perf_counter()
            response = http.http.get(path, headers=other)
            times[name].append((time.perf_counter() - start) * 1000)
            calls[name] = counter.calls
            assert response.status_code == 404, (name, response.status_code)
    foreign, missing = statistics.median(times["foreign"]), statistics.median(times["missing"])
    return {
        "foreign_p50_ms": round(foreign, 1),
        "missing_p50_ms": round(missing, 1),
        "ratio": round(foreign / missing, 2),
        "same_calls": calls["foreign"] == calls["missing"],
    }


def _wait_waiting(request_id: str, what: str, limit: float = 10.0) -> None:
    from chalicelib.store.models import LegalRequest

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if LegalRequest.get(request_id, consistent_read=True).waiting_for == what:
            return
        time.sleep(0.02)
    raise RuntimeError(f"{request_id} never waited for {what}")


def _history(started: Any, request_id: str) -> list[dict[str, Any]]:
    import boto3

    arn = started.resources.created["RequestWorkflow"].ref.replace(":stateMachine:", ":execution:") + f":{request_id}"
    sfn = boto3.client("stepfunctions", region_name="eu-west-1")
    events, token = [], None
    while True:
        page = sfn.get_execution_history(executionArn=arn, **({"nextToken": token} if token else {}))
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def _transitions(started: Any, request_id: str) -> int:
    """State transitions as Step Functions bills them: one per state entered."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        events = _history(started, request_id)
        if events[-1]["type"].startswith("Execution") and events[-1]["type"] != "ExecutionStarted":
            break
        time.sleep(0.05)
    return sum(1 for e in events if e["type"].endswith("StateEntered"))


def _escalation(http: Any, authority: dict[str, str], started: Any) -> dict[str, Any]:
    """20 removal orders nobody acknowledges: how late each first escalation fires after its scaled deadline,
    and the transitions of one that escalates twice and breaches."""
    body = json.dumps(
        {
            "type": "terrorist_content_removal",
            "legal_basis": "bench",
            "reference": "BENCH-T",
            "language": "en",
            "description": "bench",
            "targets": [{"kind": "message_link", "value": "https://platform.example/m/1"}],
        }
    ).encode()
    created = [http.http.post("/v1/requests", body=body, headers=authority).json_body for _ in range(20)]
    lateness = []
    for request in created:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            events = _history(started, request["id"])
            entered = [e for e in events if e.get("stateEnteredEventDetails", {}).get("name") == "Escalate"]
            if entered:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{request['id']} never escalated")
        waiting = next(
            e
            for e in events
            if e["type"] == "TaskScheduled" and "waitForTaskToken" in e["taskScheduledEventDetails"]["resource"]
        )
        timeout = json.loads(
            next(e for e in events if e.get("stateEnteredEventDetails", {}).get("name") == "AwaitAcknowledgement")[
                "stateEnteredEventDetails"
            ]["input"]
        )["timer"]["ack_wait"]
        due = waiting["timestamp"].timestamp() + timeout
        lateness.append(entered[0]["timestamp"].timestamp() - due)
    breached = created[0]["id"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        events = _history(started, breached)
        if any(e.get("stateEnteredEventDetails", {}).get("name") == "AwaitAfterBreach" for e in events):
            break
        time.sleep(0.2)
    transitions = sum(1 for e in events if e["type"].endswith("StateEntered"))
    return {"precision": round(max(lateness), 2), "transitions": {"escalated_twice_and_breached": transitions}}


def _cost(calls: dict[str, Counter], latency: dict[str, list[float]], transitions: int) -> dict[str, Any]:
    per_request: dict[str, float] = Counter()  # type: ignore[assignment]  # typeshed's Counter counts ints only
    for name, weight in MIX.items():
        for call, count in calls.get(name, Counter()).items():
            service, operation = call.split(":")
            if service == "dynamodb" and operation in WRITES:
                units = 2 if operation == "TransactWriteItems" else 1  # transactions bill twice per item
                per_request["dynamodb_writes"] += weight * count * units
            elif service == "dynamodb" and operation in READS:
                per_request["dynamodb_reads"] += weight * count
            elif service == "sns":
                per_request["sns_publishes"] += weight * count
            elif service == "kms":
                per_request["kms_requests"] += weight * count
            elif service == "s3":
                per_request["s3_requests"] += weight * count
        per_request["api_requests"] += weight
        per_request["lambda_gb_seconds"] += weight * statistics.median(latency[name]) / 1000 * LAMBDA_MEMORY_GB
    # DynamoDB transactions write each item: count items, not calls, for an upper bound of 3 items each.
    dollars = {
        "api_gateway": per_request["api_requests"] * PRICES["api_gateway_rest_per_request"],
        "lambda": per_request["api_requests"] * 2 * PRICES["lambda_per_request"]  # handler + authorizer
        + per_request["lambda_gb_seconds"] * PRICES["lambda_per_gb_second"],
        "dynamodb": per_request["dynamodb_writes"] * 3 * PRICES["dynamodb_write_request_unit"]
        + per_request["dynamodb_reads"] * PRICES["dynamodb_read_request_unit"],
        "step_functions": transitions * PRICES["step_functions_standard_per_transition"],
        "sns": per_request["sns_publishes"] * (PRICES["sns_publish"] + PRICES["sns_email_delivery"]),
        "kms": per_request["kms_requests"] * PRICES["kms_request"],
        # S3 calls on the request path, each priced as a PUT (an upper bound: most are GETs).
        "s3": per_request["s3_requests"] * PRICES["s3_put"],
        # Off the request path: each body as filed is copied into the evidence bucket by keep_filings, fed by
        # the filings table's stream (reading it is free for a Lambda trigger): at most one invocation of about
        # FILING_COPY_SECONDS, one LIST (is a legacy body there?) and one PUT per submission, both PUT-priced.
        "filings_copy": MIX["submit"]
        * (
            2 * PRICES["s3_put"]
            + PRICES["lambda_per_request"]
            + FILING_COPY_SECONDS * LAMBDA_MEMORY_GB * PRICES["lambda_per_gb_second"]
        ),
    }
    return {
        "mix_per_request": MIX,
        "units_per_request": {k: round(v, 3) for k, v in per_request.items()},
        "per_1000_by_service": {k: round(v * 1000, 4) for k, v in dollars.items()},
        "total": round(sum(dollars.values()) * 1000, 4),
        "assumptions": "per request: one submission, 4 reads of it, one list, 2 queue reads, one "
        "acknowledgement, one user notice recorded, one decision, a tenth of a transparency report; "
        "happy-path workflow; "
        "every transactional write counted as 3 items at 2 write units; every S3 call as a PUT; each body as "
        "filed copied to the evidence bucket by one invocation of its own (a LIST and a PUT); Lambda at 512 MB for "
        "the handler's in-process time against moto (an overestimate of AWS's); authorizer "
        "invoked on every call (API Gateway's authorizer cache would remove most); "
        "notification e-mails at SNS e-mail prices; us-east-1 list prices, November 2026",
    }


def _console(http: Any, request_id: str, rep_id: str, counter: CallCounter, samples: int = 5) -> dict[str, Any]:
    """AWS calls and bytes of the two pages a representative lives in, signed in as a browser is (a session
    cookie); bytes are the HTML plus the stylesheet and script it loads (each fetched once, then cached)."""
    from chalicelib.auth.principal import Principal, Role
    from chalicelib.web import render
    from chalicelib.web.console import cookie_name, sessions
    from chalicelib.web.sessions import cookie_value

    secret, _ = sessions.open(Principal(rep_id, Role.REPRESENTATIVE, "bench", 0, True, None, "eu"))
    cookie = {"cookie": f"{cookie_name()}={cookie_value(secret, rep_id)}"}
    assets = sum(len(render.static_file(name)[0]) for name in render.STATIC_TYPES)
    out: dict[str, Any] = {}
    for name, path in (("console_queue", "/console/queue"), ("console_request", f"/console/requests/{request_id}")):
        counts, sizes = [], []
        for _ in range(samples):
            counter.calls = []
            response = http.http.get(path, headers=cookie)
            assert response.status_code == 200, (name, response.status_code)
            counts.append(Counter(counter.calls))
            sizes.append(len(response.body))
        median = sorted(counts, key=lambda c: sum(c.values()))[(samples - 1) // 2]
        out[name] = {
            "aws_calls": sum(median.values()),
            "detail": dict(median),
            "html_bytes": max(sizes),
            "page_kb": round((max(sizes) + assets) / 1024, 1),
        }
    return out


def _verdicts(results: dict[str, Any]) -> dict[str, str]:
    calls, console = results["aws_calls"], results["console"]
    checks = {
        "console_queue": console["console_queue"]["aws_calls"] <= TARGETS["console_queue"],
        "console_request": console["console_request"]["aws_calls"] <= TARGETS["console_request"],
        "console_page_kb": max(p["page_kb"] for p in console.values()) <= TARGETS["console_page_kb"],
        "cold_start_ratio": results["cold_start_ratio"] <= TARGETS["cold_start_ratio"],
        "first_request_ratio": results["first_request_ratio"] <= TARGETS["first_request_ratio"],
        "first_authorize_ratio": results["first_authorize_ratio"] <= TARGETS["first_authorize_ratio"],
        "submit": calls["submit"] <= TARGETS["submit"],
        "get": calls["get"] <= TARGETS["get"],
        "list": calls["list"] <= TARGETS["list"],
        "scans": calls["scans"] == TARGETS["scans"],
        "happy_path_transitions": results["state_transitions"]["happy_path"] <= TARGETS["happy_path_transitions"],
        "cost_per_1000_requests_usd": results["cost_per_1000_requests_usd"] <= TARGETS["cost_per_1000_requests_usd"],
        "timer_precision_s": results["timer_precision_s"] <= TARGETS["timer_precision_s"],
    }
    return {name: "met" if ok else "MISSED" for name, ok in checks.items()}


def _print(results: dict[str, Any]) -> None:
    calls, verdicts = results["aws_calls"], results["verdicts"]
    rows = [
        (
            "cold_start_ratio",
            results["cold_start_ratio"],
            f"<= {TARGETS['cold_start_ratio']}",
            verdicts["cold_start_ratio"],
        ),
        (
            "cold_start: app / boto3 seconds",
            f"{results['cold_start']['app_s']} / {results['cold_start']['boto3_s']}",
            "",
            "",
        ),
        ("cold_start_ratio without the X-Ray SDK", results["cold_start"]["ratio_untraced"], "", ""),
        *[
            (
                f"first_{name}_ratio",
                results[f"first_{name}_ratio"],
                f"<= {TARGETS[f'first_{name}_ratio']}",
                verdicts[f"first_{name}_ratio"],
            )
            for name in ("request", "authorize")
        ],
        (
            "first calls: request / authorize / boto3+GetItem seconds",
            " / ".join(str(results["first_calls"][f"{name}_s"]) for name in ("request", "authorize", "baseline")),
            "",
            "",
        ),
        *[
            (
                f"aws_calls.{name} (median; max)",
                f"{calls[name]}; {results['aws_calls_max'][name]}",
                f"<= {TARGETS[name]}" if name in TARGETS else "",
                verdicts.get(name, ""),
            )
            for name in MIX
        ],
        ("aws_calls.scans", calls["scans"], "= 0", verdicts["scans"]),
        (
            "state_transitions.happy_path",
            results["state_transitions"]["happy_path"],
            "<= 12",
            verdicts["happy_path_transitions"],
        ),
        (
            "state_transitions.escalated_twice_and_breached",
            results["state_transitions"]["escalated_twice_and_breached"],
            "",
            "",
        ),
        *[
            (
                f"latency_ms.{name} p50/p95 (x GetItem)",
                f"{v['p50_ms']}/{v['p95_ms']} ({v['p50_ratio']}x/{v['p95_ratio']}x)",
                "",
                "",
            )
            for name, v in results["latency_ms"].items()
            if name != "baseline_getitem"
        ],
        ("latency_ms.baseline_getitem p50", results["latency_ms"]["baseline_getitem"]["p50_ms"], "", ""),
        (
            "404 p50 ms: another agency's request / a missing id (same AWS calls)",
            (
                f"{results['probes']['foreign_p50_ms']} / {results['probes']['missing_p50_ms']} "
                f"({results['probes']['same_calls']})"
            ),
            "",
            "",
        ),
        *[
            (
                f"{name}: aws calls; KB (HTML+CSS+JS)",
                f"{page['aws_calls']}; {page['page_kb']}",
                f"<= {TARGETS[name]}; {TARGETS['console_page_kb']}",
                " ".join(sorted({verdicts[name], verdicts["console_page_kb"]})),
            )
            for name, page in results["console"].items()
        ],
        (
            "cost_per_1000_requests_usd",
            results["cost_per_1000_requests_usd"],
            "<= 0.35",
            verdicts["cost_per_1000_requests_usd"],
        ),
        ("timer_precision_s", results["timer_precision_s"], "<= 2", verdicts["timer_precision_s"]),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'value':>24}  {'target':>8}  verdict")
    for name, value, target, verdict in rows:
        print(f"{name.ljust(width)}  {value!s:>24}  {target:>8}  {verdict}")


if __name__ == "__main__":
    raise SystemExit(main())
