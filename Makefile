# chainrule — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q
OUT    ?= demo-output

.PHONY: demo test lint format bench install test-deps browser clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -e .
	touch $@

# The optional extras (PyTorch CPU, JAX, nbgrader, the web playground's server) are installed so
# that the cross-checks, every code export, the nbgrader autograding and `chainrule play` run in the
# suite; the library itself needs none of them.
$(VENV)/.test-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install -e ".[test,torch,jax,exercise,web,images,linalg]"
	touch $@

install: $(VENV)/.installed

# Debian's chromium drives the HTML rendering test (through Playwright's executable_path).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) </dev/null >/dev/null || \
	  { echo "could not install chromium (needed by the browser test)"; exit 1; }; }

test-deps: $(VENV)/.test-installed browser

demo: install
	$(PY) -m chainrule demo --out $(OUT)

lint: test-deps
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

format: test-deps
	$(VENV)/bin/ruff format src tests bench
	$(VENV)/bin/ruff check --fix src tests bench

test: lint
	$(PY) -m pytest -n 2 -p no:cacheprovider

bench: test-deps
	$(PY) bench/run.py
	$(PY) bench/models.py
	$(PY) bench/recur.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
