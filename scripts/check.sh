#!/bin/sh
# The whole check CI runs after scripts/setup.sh --test: the seams (import-linter contracts), lint
# (ruff), types (mypy, strict on the headless core), then the test suite. Arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
bin=${REFLECT_VENV:-.venv}/bin
echo "== import contracts"; "$bin/lint-imports" --no-cache | tail -n 6
echo "== ruff";             "$bin/ruff" check --quiet . && echo "ruff: clean"
echo "== mypy";             "$bin/mypy"
echo "== tests";            exec "$bin/python" -m pytest "$@"
