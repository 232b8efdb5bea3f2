#!/bin/sh
# CI, after the README's test command: reflect on a second supported Python, end to end.
#
# Builds .venv-py3X (scripts/setup.sh --test with REFLECT_VENV) on the newest supported interpreter
# whose minor version differs from .venv's, then runs the real CLI with the default models (demo; then in a fresh data dir: client
# add, note add, search, prep, forget --yes) and the no-network system test with that venv's Python.
# Skips, saying so, when no other supported Python is installed. Costs on 2 cores: about 2 minutes
# with llama-cpp-python's wheel cached for that Python, 7 to 13 more on a first install (it compiles).
set -eu
cd "$(dirname "$0")/.."

main=$(scripts/pythons.sh --check .venv/bin/python) || { echo "ci_second_python: .venv is missing or not a supported Python" >&2; exit 1; }
main_version=${main%% *}
other=$(scripts/pythons.sh | awk -v main="${main_version%.*}" '
    { split($1, v, "."); minor = v[1] "." v[2] }
    minor != main && found == "" { found = $0 }
    END { if (found != "") print found }')
if [ -z "$other" ]; then
    echo "Second Python: skipped: no supported Python (Python $(scripts/pythons.sh --range)) other than .venv's $main_version is installed"
    exit 0
fi
version=${other%% *}
minor=${version%.*}
venv=.venv-py$(echo "$minor" | tr -d .)
py=$venv/bin/python
echo "Second Python: $version (${other#* }) in $venv; .venv has $main_version"

started=$(date +%s)
REFLECT_VENV=$venv PYTHON=${other#* } scripts/setup.sh --test
installed=$(date +%s)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export REFLECT_PASSPHRASE="ci second python passphrase"
REFLECT_HOME=$work/demo "$venv/bin/reflect" demo

export REFLECT_HOME="$work/data"
client="Maria Gonzalez"
cat >"$work/2026-11-03.md" <<'NOTE'
Maria wants to delegate the quarterly review to Tom Becker.
She agreed to draft the hand-over plan by Friday and feels anxious about letting go of control.
Call her at +1 415 555 0100 before the session.
NOTE
"$venv/bin/reflect" client add "$client"
"$venv/bin/reflect" note add "$client" "$work/2026-11-03.md"
"$venv/bin/reflect" search "$client" "delegating the review" --json >"$work/search.json"
"$py" -c 'import json, sys; hits = json.load(open(sys.argv[1]))["results"]; assert hits, "search found nothing"; print("search: %d result(s)" % len(hits))' "$work/search.json"
"$venv/bin/reflect" prep "$client"
"$venv/bin/reflect" forget "$client" --yes
"$venv/bin/reflect" client list --json >"$work/clients.json"
"$py" -c 'import json, sys; left = json.load(open(sys.argv[1]))["clients"]; assert not left, left; print("forget: no client left")' "$work/clients.json"
cli_done=$(date +%s)

"$py" -m pytest -q -p no:cacheprovider tests/integration/test_system.py -k no_network
finished=$(date +%s)
echo "Second Python $version: setup $((installed - started)) s, CLI end to end $((cli_done - installed)) s, no-network test $((finished - cli_done)) s"
