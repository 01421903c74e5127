# Liaison — the two commands are `make run` and `make test`; everything else helps them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
MOTO_PORT ?= 5000
PORT ?= 8000
OIDC_PORT ?= 9400
SLA_TIME_SCALE ?= 1
STATE_DIR ?= .local
AWS_PACKAGE_REGION ?= eu-west-1

.PHONY: run test unit package lint lock lint-template token verify-audit checkpoint keep-filings bench load fuzz clean

# requirements.txt and requirements-dev.txt are the hand-edited top level; `make lock` resolves them into
# requirements.lock (what Lambda gets: `make package` bundles it) and requirements-dev.lock (everything, at the same
# versions), every file pinned by its hash. The venv is installed from the dev lock only.
$(INSTALLED): requirements.lock requirements-dev.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "Liaison needs Python 3.11 (found $$($(PYTHON) --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the locked dependencies into $(VENV) ..." >&2
	@$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock >&2
	@touch $@

# checkov (the template's policy linter) pins a boto3 older than ours: it lives in a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed

$(CHECKOV_INSTALLED): infra/requirements-checkov.lock
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "Installing checkov into $(CHECKOV_VENV) ..." >&2
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
	  -r infra/requirements-checkov.lock >&2
	@touch $@

## Start the whole system locally (moto + the local sign-in provider + chalice local, demo data). Ctrl-C stops it.
run: $(INSTALLED)
	@$(PY) -m infra.local.run --moto-port $(MOTO_PORT) --port $(PORT) --oidc-port $(OIDC_PORT) --sla-time-scale $(SLA_TIME_SCALE) --state-dir $(STATE_DIR)

## Run every test: unit, integration (moto), workflow (ASL in moto), infra (package + cfn-lint), end-to-end.
test: $(INSTALLED) $(CHECKOV_INSTALLED)
	$(PY) -m pytest

## Fast tests only (no end-to-end stack).
unit: $(INSTALLED) $(CHECKOV_INSTALLED)
	$(PY) -m pytest -m "not e2e"

## Write the deployable template and code bundle into build/package (no AWS call).
package: $(INSTALLED)
	@$(PY) -m infra.package --stage prod --out build/package --region $(AWS_PACKAGE_REGION)

# uv (pinned in requirements-dev.txt) resolves for Python 3.11 on every platform (Lambda's Linux, a developer's
# macOS) and records the hash of every file of each pinned release.
LOCK := $(VENV)/bin/uv pip compile --universal --python-version 3.11 --generate-hashes --quiet \
  --custom-compile-command "make lock" $(if $(filter 1 true yes,$(UPGRADE)),--upgrade)

## Re-resolve the locks after editing requirements.txt, requirements-dev.txt or infra/requirements-checkov.txt.
## Versions already locked stay unless a top-level pin moves them; UPGRADE=1 takes the newest everywhere allowed.
lock: $(INSTALLED)
	$(LOCK) requirements.txt -o requirements.lock
	$(LOCK) requirements-dev.txt --constraint requirements.lock -o requirements-dev.lock
	$(LOCK) infra/requirements-checkov.txt -o infra/requirements-checkov.lock

## ruff (lint and format) and mypy on the code, all three whatever fails; tests/infra/test_code_quality.py and the
## pre-commit hooks (.pre-commit-config.yaml) run the same.
LINTED := chalicelib app.py infra
lint: $(INSTALLED)
	@status=0; \
	$(VENV)/bin/ruff check $(LINTED) || status=1; \
	$(VENV)/bin/ruff format --check $(LINTED) || status=1; \
	$(VENV)/bin/mypy $(LINTED) || status=1; \
	exit $$status

lint-template: package
	$(VENV)/bin/cfn-lint build/package/sam.json

## Print one token of the local issuer: make -s token ROLE=authority SUB=officer-1 AGENCY=fr-valmont-cyber [MFA=1]
token: $(INSTALLED)
	@$(PY) -m infra.local.token --role "$(ROLE)" --sub "$(SUB)" \
	  $(if $(AGENCY),--agency "$(AGENCY)") $(if $(REGION),--region "$(REGION)") $(if $(filter 1 true yes,$(MFA)),--mfa) $(if $(TTL),--ttl "$(TTL)") --state-dir "$(STATE_DIR)"

## Check every request's hash-chained audit trail on the running local stack (AWS=1: the deployment in your env).
verify-audit: $(INSTALLED)
	@$(PY) -m infra.verify_audit --state-dir "$(STATE_DIR)" $(if $(filter 1 true yes,$(AWS)),--aws)

## Write an audit checkpoint now (signed chain heads, Object Lock), as the hourly schedule does (AWS=1: deployed).
checkpoint: $(INSTALLED)
	@$(PY) -m infra.checkpoint --state-dir "$(STATE_DIR)" $(if $(filter 1 true yes,$(AWS)),--aws)

## Copy into the evidence bucket the bodies as filed that the filings dead-letter queue names (REQUEST="<id>...":
## these requests' bodies instead; AWS=1 QUEUE=<url>: the deployment in your env).
keep-filings: $(INSTALLED)
	@$(PY) -m infra.keep_filings --state-dir "$(STATE_DIR)" $(if $(filter 1 true yes,$(AWS)),--aws) \
	  $(if $(QUEUE),--queue-url "$(QUEUE)") $(if $(REQUEST),--request "$(REQUEST)")

## Measure cold start, AWS calls per operation, state transitions, latency, cost and timer precision.
bench: $(INSTALLED)
	@$(PY) -m infra.bench --state-dir "$(STATE_DIR)"

## 500 concurrent submissions (50 workers, idempotency keys, random retries) against the running `make run`.
load: $(INSTALLED)
	@$(PY) -m infra.load --state-dir "$(STATE_DIR)"

## The attack suite at length: schemathesis against its own `make run` stack, FUZZ_EXAMPLES per operation and mode.
FUZZ_EXAMPLES ?= 200
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/e2e/test_attack.py -p no:cacheprovider -q

clean:
	rm -rf build .pytest_cache
