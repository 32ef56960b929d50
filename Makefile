# The two commands of the README, and what they need.
#   make demo   plan and apply the flagship example on the embedded defaults
#   make test   the whole test suite
# Both create .venv (reusing packages the machine already has) and install what is missing,
# Python packages and system tools alike.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
STAMP   := $(VENV)/.installed

.PHONY: demo test install system-deps checkov sarif-schema bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv --system-site-packages $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@# bytecode now, as a regular install has it (some machines tell Python not to cache it)
	@$(BIN)/python -m compileall -q dsl planner stdlib providers >/dev/null
	@touch $(STAMP)

install: $(STAMP)

# Graphviz's dot lays out diagrams; Chromium (headless) opens the HTML report in the tests.
system-deps:
	@command -v dot >/dev/null 2>&1 || { echo "installing graphviz (dot)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { echo "installing chromium (headless, for the report tests)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@{ command -v initdb || ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || { echo "installing postgresql"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# The main job: plan and apply the flagship example (SQLite state and the modeled cloud in
# .archform/demo), then plan again to show there is nothing left to do.
DEMO := .archform/demo
demo: $(STAMP)
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/archform validate examples/
	$(BIN)/archform plan examples/ha_web.arch --state $(DEMO)/state.db --cloud $(DEMO)/cloud.db
	$(BIN)/archform apply examples/ha_web.arch --auto-approve --state $(DEMO)/state.db --cloud $(DEMO)/cloud.db
	$(BIN)/archform plan examples/ha_web.arch --detailed-exitcode --state $(DEMO)/state.db --cloud $(DEMO)/cloud.db

# Checkov (the security scanner the CloudFormation tests run) pins old networkx, so it cannot
# share .venv: it gets a virtualenv of its own, made once.
CHECKOV := .venv-checkov/bin/checkov
$(CHECKOV):
	@echo "installing checkov (in .venv-checkov)"
	@$(PY) -m venv .venv-checkov
	@.venv-checkov/bin/python -m pip install --quiet --disable-pip-version-check 'checkov==3.3.30'

checkov: $(CHECKOV)

# The SARIF 2.1.0 JSON schema the test of `archform check --format sarif` validates against: the
# copy Microsoft's SARIF Multitool ships in its npm package (MIT), taken out of the package.
SARIF_SCHEMA := .tools/sarif-2.1.0.json
SARIF_PACKAGE := @microsoft/sarif-multitool-linux@5.7.0
$(SARIF_SCHEMA):
	@command -v npm >/dev/null 2>&1 || { echo "installing npm"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@echo "fetching the SARIF 2.1.0 schema ($(SARIF_PACKAGE) on npm)"
	@rm -rf .tools/pack && mkdir -p .tools/pack && cd .tools/pack && npm pack --silent $(SARIF_PACKAGE) >/dev/null \
	  && tar xzf *.tgz package/sarif-2.1.0.json && mv package/sarif-2.1.0.json ../ && cd .. && rm -rf pack

sarif-schema: $(SARIF_SCHEMA)

test: $(STAMP) system-deps checkov sarif-schema
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python tests/benchmarks/run.py --quick

clean:
	rm -rf $(VENV) .venv-checkov .archform .tools
