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

.PHONY: run test unit package lint-template token verify-audit checkpoint bench load fuzz clean

$(INSTALLED): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "Liaison needs Python 3.11 (found $$($(PYTHON) --version 2>&1)); set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned dependencies into $(VENV) ..." >&2
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt >&2
	@touch $@

# checkov (the template's policy linter) pins a boto3 older than ours: it lives in a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_INSTALLED := $(CHECKOV_VENV)/.installed

$(CHECKOV_INSTALLED): infra/requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	@echo "Installing checkov into $(CHECKOV_VENV) ..." >&2
	@$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r infra/requirements-checkov.txt >&2
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
