# Casino support assistant: `make run` sets everything up and starts it, `make test` runs
# every test CI runs. Python 3.10 comes from .python-version (pyenv) or PYTHON=...
SHELL := /bin/bash
PYTHON ?= python
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
STAMP := $(VENV)/.installed
# The widget's socket.io client, from npm (package-lock.json), served locally.
SOCKETIO_JS := casino_connector/static/vendor/socket.io.min.js
MODEL_INPUTS := config.yml domain.yml $(wildcard data/*.yml) $(wildcard nlu_components/*.py)
export SUPPORT_DB_URL ?= sqlite:///$(CURDIR)/var/support.db
export TF_CPP_MIN_LOG_LEVEL ?= 2
export SQLALCHEMY_SILENCE_UBER_WARNING ?= 1
export RASA_TELEMETRY_ENABLED ?= false

.PHONY: run shell install train seed test lint test-unit test-nlu test-stories test-e2e test-conversations test-integration test-browser test-scaleout test-soak validate bench-nlu bench bench-conversations clean

## Set up (venv, dependencies, model, demo data) and start both servers.
run: install models/.trained seed
	$(BIN)/python -m scripts.serve

## rasa shell, with the action server running (SUPPORT_DEV_PLAYER=P1003 to be a demo player).
shell: install models/.trained seed
	$(BIN)/python -m scripts.serve --shell

install: $(STAMP) $(SOCKETIO_JS)
$(STAMP): requirements.txt constraints.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 10), "Python 3.10 needed (.python-version): " + sys.version' 
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "pip==24.3.1"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip check
	touch $@

$(SOCKETIO_JS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/socket.io-client/dist/socket.io.min.js $@

## Train when the data, domain or config changed.
train: models/.trained
models/.trained: $(STAMP) $(MODEL_INPUTS)
	$(RASA) train --fixed-model-name casino-support --out models
	touch $@

seed: $(STAMP)
	$(BIN)/support-desk seed

## `rasa data validate`, failing on any warning but the two of retrieval intents (see the script).
validate: $(STAMP)
	$(BIN)/python -m scripts.validate_data

## ruff on everything; mypy on the modules of the answering path (more as they are cleaned up).
TYPED := casino_support/questions.py casino_support/answers.py casino_support/own_case.py casino_support/catalogue.py \
	casino_support/wording.py actions/answering.py casino_connector/several_questions.py \
	casino_support/clock.py casino_support/protection_rules.py casino_support/player_protection.py \
	casino_support/complaints.py casino_support/teams.py casino_support/transfers.py \
	casino_support/protection_requests.py casino_support/protection_answers.py
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy --follow-imports=silent $(TYPED)

test: install lint validate test-unit models/.trained test-nlu test-stories test-e2e test-conversations test-integration test-browser test-scaleout test-soak

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

## NLU test set (kept apart from the training data): macro-F1 must reach 0.90.
test-nlu: models/.trained
	$(RASA) test nlu --nlu tests/nlu/nlu_test_set.yml --model models/casino-support.tar.gz --out results/nlu --no-plot
	$(BIN)/python -m scripts.check_nlu_report results/nlu/intent_report.json --min-macro-f1 0.90
	$(RASA) test nlu --nlu tests/nlu/independent_test_set.yml --model models/casino-support.tar.gz --out results/nlu-independent --no-plot
	$(BIN)/python -m scripts.check_nlu_report results/nlu-independent/intent_report.json --min-macro-f1 0.85
	$(RASA) test nlu --nlu tests/nlu/aspect_test_set.yml --model models/casino-support.tar.gz --out results/nlu-aspects --no-plot
	$(BIN)/python -m scripts.check_nlu_report results/nlu-aspects/response_selection_report.json --min-macro-f1 0.75 --label "aspect (ResponseSelector)"

## End-to-end test stories (tests/test_stories.yml).
test-stories: models/.trained
	$(RASA) test core --stories tests/test_stories.yml --model models/casino-support.tar.gz --out results/core --fail-on-prediction-errors --no-plot

## The same dialogue policies on texts: whole anonymous conversations in Rasa's end-to-end
## format (tests/test_e2e_conversations.yml): the NLU reads each `user:` text, the policies
## predict the actions; conversations right from start to end must reach 0.70 (0.74
## measured; the misses are listed in the README).
test-e2e: models/.trained
	PYTHONPATH=$(CURDIR) $(RASA) test core --e2e --stories tests/test_e2e_conversations.yml --model models/casino-support.tar.gz --out results/e2e --no-plot --successes
	$(BIN)/python -m scripts.check_story_report results/e2e --min-rate 0.70

## Whole conversations written apart from the training data (tests/conversations/*.yml), over REST.
test-conversations: models/.trained
	$(BIN)/pytest -q -s tests/conversations

test-integration: models/.trained
	$(BIN)/pytest -q tests/integration

## Widget and agent console in Debian's Chromium, driven by Playwright (no browser download).
test-browser: models/.trained
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pytest -q tests/browser

## Two Rasa servers and two action servers behind nginx, PostgreSQL and Redis on this machine
## (docs/scale-out.md); installs postgresql, redis-server and nginx with apt-get when missing.
test-scaleout: models/.trained
	$(BIN)/pytest -q tests/scaleout

## Soak: 50 players for SOAK_SECONDS (default 600) on REST and socket.io, an agent taking
## escalations; every message must be in the tracker store, answered or delivered to the agent.
test-soak: models/.trained
	$(BIN)/pytest -q -s tests/soak

## NLU benchmark: this pipeline against Rasa's default one, same data, same test set.
bench-nlu: install
	$(BIN)/python -m benchmarks.nlu_benchmark

## Load benchmark: this project's servers against the `rasa init` bot (latency, throughput,
## memory, cold start, training); results/bench/latest.json and latency.png. About 15 min.
## BENCH_ARGS= (empty) skips the ~3 min project training.
.PHONY: bench
BENCH_ARGS ?= --with-training
bench: install models/.trained
	$(BIN)/python -m benchmarks.load_benchmark $(BENCH_ARGS)

## Conversations: pass rate per pattern, per-turn latency of one- and several-question messages.
bench-conversations: install models/.trained
	$(BIN)/python -m benchmarks.conversation_benchmark

clean:
	rm -rf results models/.trained
