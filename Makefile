# CX Workbench: two commands on a fresh Debian machine with Python 3.11.
#   make run   - install what is missing, start the app with the sample shop's data loaded
#   make test  - install what is missing (incl. Debian chromium for browser tests, PostgreSQL and Java for
#                the engine parity tests), run the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
CX_MAX_UPLOAD_MB ?= 200
export CX_MAX_UPLOAD_MB
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast bench bench-hosted serve samples messages install install-dev browser engines clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when a requirements file changed (idempotent, fast when up to date). The project itself
# is installed editable (pyproject.toml): `import cxlib` and the `cxlib` command work from any folder,
# notebooks included, and always run this checkout's code.
$(VENV)/.runtime: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-oracles.txt requirements-engines.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-engines.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-oracles.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Debian's chromium for the real-browser tests (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian chromium for browser tests..."; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation fonts-noto-cjk >/dev/null; }

# Debian's PostgreSQL server and Java 17 for the engine parity tests (PostgreSQL started by the tests
# on a free localhost port; PySpark local needs Java). Installed only when missing.
engines:
	@{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && command -v java >/dev/null 2>&1; } || { \
	  echo "Installing Debian postgresql and openjdk-17-jre-headless for the engine tests..."; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql openjdk-17-jre-headless >/dev/null; }

run: install
	$(BIN)/python -m streamlit run app.py --server.port $(PORT) --server.maxUploadSize $(CX_MAX_UPLOAD_MB) \
	  --browser.gatherUsageStats false

# Shared instance (hosted mode: login, roles, share links), listening on every interface: the app
# behind the login gate (serve/: login form, HttpOnly cookie, no anonymous requests, framing headers).
# Accounts: .venv/bin/python -m cxlib users add NAME --role editor|viewer (or OIDC, see README).
serve: install
	CX_MODE=hosted $(BIN)/python -m serve --host 0.0.0.0 --port $(PORT)

test: install-dev browser engines
	$(BIN)/python -m pytest

# Fast loop without the real-browser tests.
test-fast: install-dev
	$(BIN)/python -m pytest -m "not e2e"

# Benchmarks (figures in benchmarks/README.md). Quick check: make bench BENCH_ARGS=--quick;
# one benchmark with its own sizes: make bench BENCH_ARGS="process --funnel-events 1000000"
bench: install-dev
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# 20 concurrent browser sessions opening one shared link on a hosted server (needs chromium).
bench-hosted: install-dev browser
	$(BIN)/python benchmarks/hosted_sessions.py --sessions 20

samples: install
	$(BIN)/python sample_data/make_samples.py

# Extract translatable ids from the code into ui/locales/messages.pot and merge them into the
# Chinese and Russian catalogs (new ids arrive untranslated; tests/test_i18n.py then fails).
messages: install
	$(BIN)/python -m ui.locales extract

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis tests/e2e/artifacts

# Refresh the README screenshots from the last browser-test run.
screenshots:
	mkdir -p docs/screenshots && cp tests/e2e/artifacts/*.png docs/screenshots/
