# The two commands of the README:
#   make demo   set up .venv, migrate the embedded SQLite database, load demo data, serve
#   make test   set up .venv and run the whole test suite (SQLite; PostgreSQL too when
#               PAINREG_TEST_POSTGRES or DATABASE_URL points at a server)
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000

.PHONY: demo test test-all lint docs venv clean oidc-provider axe-core

# Exactly the versions in requirements.lock (hash-checked), then painreg itself
# without resolving anything again. The lock is regenerated from pyproject.toml
# by scripts/lock-dependencies (docs/operations.md, "Dependencies").
$(BIN)/painreg: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(BIN)/painreg

venv: $(BIN)/painreg

demo: venv
	$(BIN)/painreg demo --port $(PORT)

# The real OpenID Provider the single sign-on and e-ID browser tests start
# (panva's oidc-provider, exactly the versions of tests/oidc/package-lock.json).
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error
	touch $(OIDC_PROVIDER)

oidc-provider: $(OIDC_PROVIDER)

# axe-core, which the browser tests inject into every page type (WCAG 2.1 AA),
# exactly the version of tests/functional/package-lock.json.
AXE_CORE := tests/functional/node_modules/.package-lock.json
$(AXE_CORE): tests/functional/package.json tests/functional/package-lock.json
	npm ci --prefix tests/functional --no-audit --no-fund --loglevel=error
	touch $(AXE_CORE)

axe-core: $(AXE_CORE)

test: venv oidc-provider axe-core
	PATH="$(abspath $(BIN)):$$PATH" bash scripts/run-tests

# Also the tests marked slow (long benchmark-sized runs are in benchmarks/, not here).
test-all: venv oidc-provider axe-core
	PAINREG_SLOW=1 PATH="$(abspath $(BIN)):$$PATH" bash scripts/run-tests

lint: venv
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

# Regenerate the generated references (tests fail when they drift).
docs: venv
	$(BIN)/python -m painreg.cli.docgen

clean:
	rm -rf $(VENV) var .pytest_cache
