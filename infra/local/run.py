"""``make run``: the whole system on this machine, with no AWS account.

Starts moto in server mode (the local AWS) and the local OpenID provider the web
pages sign in with (``infra/local/oidc.py``), creates every resource of
``infra/template.json`` in moto, seeds demo data, writes ``tokens.json`` and
serves the API with ``chalice local``. Prints one ready line; Ctrl-C (SIGINT)
or SIGTERM stops everything it started. State lives in moto's memory and is
gone after a restart.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local import oidc

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
REGION = "eu-west-1"
STACK_PREFIX = "liaison-local"
# A slow start is waited for as long as it makes progress (its process alive and busy: using CPU or writing its log),
# up to a generous limit; one that sits idle this long without answering is given up on.
READY_LIMIT_SECONDS = 600
STALLED_SECONDS = 90
PROGRESS_EVERY_SECONDS = 10  # how often the person running it is told what it waits for
# Inherited variables that could point a child at a real AWS account.
SCRUBBED_PREFIXES = ("AWS_", "LIAISON_", "POWERTOOLS_", "MOTO_", "TEST_SERVER_MODE")


class StartupError(Exception):
    """A reason the stack cannot start, said plainly to the person running it."""


def _activity(pid: int, log: Path) -> tuple[int, int]:
    """What moves while a process works: its CPU ticks (Linux /proc; 0 elsewhere) and its log's size."""
    ticks = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of proc(5))
    with contextlib.suppress(OSError):
        return ticks, log.stat().st_size
    return ticks, 0


def _die_with_parent() -> None:
    """In the child: receive SIGTERM if the runner dies without cleaning up (Linux)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the servers themselves bind: a port whose old connections linger in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def base_environment(moto_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SCRUBBED_PREFIXES)}
    env.update(
        {
            "TZ": "UTC",
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": f"http://{HOST}:{moto_port}",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "MOTO_PORT": str(moto_port),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Stack:
    def __init__(
        self, *, moto_port: int, port: int, state_dir: Path, sla_time_scale: float, oidc_port: int = oidc.DEFAULT_PORT
    ) -> None:
        self.moto_port = moto_port
        self.port = port
        self.oidc_port = oidc_port
        self.state_dir = state_dir
        self.sla_time_scale = sla_time_scale
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.outbox: Any = None
        self.refusals: Any = None  # the pump feeding queued refusals to their consumer (infra/local/refusals.py)
        self.filings: Any = None  # the reader of the filings table's stream (infra/local/filings.py)
        self.checkpointer: Any = None  # the hourly audit checkpoint (infra/local/checkpointer.py)
        self.log_dir = state_dir / "logs"

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def console_url(self) -> str:
        return f"{self.api_url}/console/"

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the child
        child = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only prctl, no locks taken
        )
        self.children.append((name, child))
        return child

    def _wait_until(
        self,
        name: str,
        child: subprocess.Popen[bytes],
        ready: Any,
        what: str = "",
        clock: Any = time.monotonic,
        pause: Any = time.sleep,
        say: Any = None,
    ) -> None:
        """Wait for ``ready()`` while ``child`` makes progress: alive, and using CPU or writing its log. On a busy
        machine a start can take minutes; it is given up on only when the child exits, when it has made no
        progress for ``STALLED_SECONDS``, or after ``READY_LIMIT_SECONDS`` in all. Every ``PROGRESS_EVERY_SECONDS``
        the person running it is told what it waits for."""
        say = say or (lambda text: print(text, file=sys.stderr, flush=True))
        log = self.log_dir / f"{name}.log"
        started = last_progress = last_said = clock()
        seen = None
        while True:
            _STOP.check()
            if child.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise StartupError(f"{name} exited with code {child.returncode} while starting:\n{tail}")
            with contextlib.suppress(OSError):
                if ready():
                    return
            now = clock()
            mark = _activity(child.pid, log)
            if mark != seen:
                seen, last_progress = mark, now
            waited, idle = now - started, now - last_progress
            if idle >= STALLED_SECONDS or waited >= READY_LIMIT_SECONDS:
                why = (
                    f"made no progress for {int(idle)} s"
                    if idle >= STALLED_SECONDS
                    else f"was not ready after {READY_LIMIT_SECONDS} s"
                )
                raise StartupError(f"{name} {why} (waiting for {what or 'it to answer'}; see {log})")
            if now - last_said >= PROGRESS_EVERY_SECONDS:
                last_said = now
                say(
                    f"... still waiting for {name} ({what or 'it to answer'}): {int(waited)} s, "
                    f"{'busy' if idle < PROGRESS_EVERY_SECONDS else f'idle for {int(idle)} s'}"
                )
            pause(0.2)

    def start(self) -> None:
        for label, port in (("MOTO_PORT", self.moto_port), ("PORT", self.port), ("OIDC_PORT", self.oidc_port)):
            if not port_is_free(port):
                raise StartupError(
                    f"port {port} on {HOST} is already in use (is another `make run` going?). "
                    f"Stop it, or choose another port: make run {label}=<free port>"
                )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        env = base_environment(self.moto_port)

        from infra.local.moto_patches import MAIL_DIR_VARIABLE

        moto = self._spawn(
            "moto",
            [sys.executable, "-m", "infra.local.moto_patches", "-H", HOST, "-p", str(self.moto_port)],
            {**env, MAIL_DIR_VARIABLE: str(self.state_dir / "outbox")},
        )  # e-mail sent through SES
        self._wait_until(
            "moto",
            moto,
            lambda: _get(f"http://{HOST}:{self.moto_port}/moto-api/data.json")[0] == 200,
            f"moto on port {self.moto_port}",
        )
        # Step Functions must execute definitions; enable it before creating state machines.
        request = urllib.request.Request(
            f"http://{HOST}:{self.moto_port}/moto-api/config",
            method="POST",
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 - loopback only

        # The sign-in provider: up before the API, which fetches its keys when a console ID token arrives.
        # It gets no AWS settings: it needs none.
        provider_env = {k: v for k, v in env.items() if not k.startswith(SCRUBBED_PREFIXES)}
        provider = self._spawn(
            "oidc",
            [sys.executable, "-m", "infra.local.oidc", "--host", HOST, "--port", str(self.oidc_port)],
            provider_env,
        )
        self._wait_until(
            "oidc",
            provider,
            lambda: _get(f"{oidc.base_url(self.oidc_port)}/.well-known/openid-configuration")[0] == 200,
            f"the sign-in provider on port {self.oidc_port}",
        )

        _STOP.check()
        api_env = self._provision(env)
        _STOP.check()
        chalice = self._spawn(
            "api",
            [
                sys.executable,
                "-m",
                "infra.local.gateway",
                "local",
                "--host",
                HOST,
                "--port",
                str(self.port),
                "--stage",
                "local",
                "--no-autoreload",
            ],
            {**env, **api_env},
        )
        self._wait_until(
            "api",
            chalice,
            lambda: _get(f"{self.api_url}/v1/health")[0] == 200,
            f"{self.api_url}/v1/health to answer 200",
        )

    def _provision(self, env: dict[str, str]) -> dict[str, str]:
        """Create the resources and demo data; return the API's environment."""
        from infra.local import resources
        from infra.local.identity import DevIssuer

        os.environ.update(env)  # this process talks to moto too, through boto3 and PynamoDB
        issuer = DevIssuer(self.state_dir)
        issuer.ensure_key()
        created = resources.create(
            prefix=STACK_PREFIX,
            region=REGION,
            parameters={
                "TrustedIssuers": json.dumps([issuer.trusted_issuer()]),
                "ApiBaseUrl": self.api_url,
                "ConsoleBaseUrl": f"{self.api_url}/console",
                "WebSignIn": json.dumps(oidc.web_sign_in(self.oidc_port)),
                "MailDomain": "liaison.local",
            },
        )
        from infra import template

        api_env = created.environment(template.load())
        api_env["LIAISON_SLA_TIME_SCALE"] = str(self.sla_time_scale)
        api_env["LIAISON_LOCAL_ACCOUNTS_URL"] = oidc.base_url(self.oidc_port)  # approved applicants sign in there
        os.environ.update(api_env)

        from chalicelib.clock import isoformat
        from infra.local import seed

        data = seed.seed(isoformat(datetime.now(UTC)))
        tokens_path = self.state_dir / "tokens.json"
        tokens_path.unlink(missing_ok=True)
        descriptor = os.open(tokens_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(seed.tokens(issuer, data), indent=2) + "\n")
        (self.state_dir / "environment.json").write_text(json.dumps(api_env, indent=2) + "\n", encoding="utf-8")
        (self.state_dir / "stack.json").write_text(
            json.dumps(
                {"moto_port": self.moto_port, "api_url": self.api_url, "oidc_url": oidc.base_url(self.oidc_port)},
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )

        from infra.local.outbox import TOPICS, Outbox

        self.outbox = Outbox(self.state_dir / "outbox", {name: created.created[name].ref for name in TOPICS}, REGION)
        self.outbox.start()
        from infra.local.refusals import RefusalPump

        self.refusals = RefusalPump(created.created["RefusalsQueue"].ref, REGION)
        self.refusals.start()
        from infra.local.filings import FilingPump

        self.filings = FilingPump(created.created["FilingsTable"].ref, REGION)
        self.filings.start()
        from infra.local.checkpointer import Checkpointer

        self.checkpointer = Checkpointer(self.sla_time_scale)
        self.checkpointer.start()
        return api_env

    def stop(self) -> None:
        if self.outbox is not None:
            self.outbox.stop()
        if self.refusals is not None:
            self.refusals.stop()
        if self.filings is not None:
            self.filings.stop()
        if self.checkpointer is not None:
            self.checkpointer.stop()
        for _, child in reversed(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        for _, child in self.children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    child.wait(timeout=5)  # SIGKILL cannot be refused; bounded all the same
        self.children.clear()

    def wait(self) -> int:
        """Block until a child dies (an error) or a signal arrives (a clean stop)."""
        while True:
            _STOP.check()
            for name, child in self.children:
                if child.poll() is not None:
                    sys.stderr.write(
                        f"{name} stopped unexpectedly (code {child.returncode}); see {self.log_dir / (name + '.log')}\n"
                    )
                    return 1
            time.sleep(0.5)  # a signal cuts the sleep short; the check above then sees it


class _Stop(Exception):
    pass


class _StopRequest:
    """SIGINT/SIGTERM, recorded by the handler and acted on where the runner checks for it.

    The handler raises nothing. An exception thrown from a handler lands on whatever line the main thread
    is running: one landing in ``Popen.poll`` between taking and releasing the child's wait lock leaves that
    lock held, and the ``wait`` in ``Stack.stop`` then blocks for ever. That is the likeliest cause of a
    hang seen once in CI (SIGTERM to make, after which neither it nor a SIGINT stopped the runner). The
    handler takes no lock either: one waiting for a lock the interrupted code holds would never return."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self, signum: int, frame: object) -> None:
        self.signal = signum

    def check(self) -> None:
        if self.signal is not None:
            raise _Stop


_STOP = _StopRequest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make run", description=__doc__)
    parser.add_argument("--moto-port", type=int, default="5000")
    parser.add_argument("--port", type=int, default="8000")
    parser.add_argument("--oidc-port", type=int, default=oidc.DEFAULT_PORT)
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local")
    parser.add_argument("--sla-time-scale", type=float, default="1")
    args = parser.parse_args(argv)
    ports = (("MOTO_PORT", args.moto_port), ("PORT", args.port), ("OIDC_PORT", args.oidc_port))
    for name, port in ports:
        if not 1024 <= port <= 65535:
            parser.error(f"{name} must be a port number from 1024 to 65535")
    if len({port for _, port in ports}) != len(ports):
        parser.error("MOTO_PORT, PORT and OIDC_PORT must differ")
    if args.sla_time_scale < 1:
        parser.error("SLA_TIME_SCALE must be 1 or more")

    stack = Stack(
        moto_port=args.moto_port,
        port=args.port,
        state_dir=args.state_dir.resolve(),
        sla_time_scale=args.sla_time_scale,
        oidc_port=args.oidc_port,
    )
    signal.signal(signal.SIGTERM, _STOP)
    signal.signal(signal.SIGINT, _STOP)
    started = time.monotonic()
    try:
        stack.start()
        print(
            f"Liaison is ready at {stack.api_url} in {time.monotonic() - started:.1f} s "
            f"(docs {stack.api_url}/docs, console {stack.console_url} (sign in as {oidc.EXAMPLE_SUB}), "
            f"tokens {stack.state_dir / 'tokens.json'}, "
            f"notifications {stack.state_dir / 'outbox'}/, logs {stack.log_dir}/; Ctrl-C stops)",
            flush=True,
        )
        return stack.wait()
    except StartupError as exc:
        sys.stderr.write(f"make run: {exc}\n")
        return 1
    except _Stop:
        print("Stopping Liaison...", flush=True)
        return 0
    finally:
        stack.stop()  # a second Ctrl-C meanwhile only records itself again


if __name__ == "__main__":
    raise SystemExit(main())
