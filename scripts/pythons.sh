#!/bin/sh
# List the Python interpreters on this machine that reflect supports, newest first, one a line:
#
#   scripts/pythons.sh           e.g. "3.13.0 /usr/bin/python3.13", then "3.12.1 /usr/bin/python3.12", ...
#   scripts/pythons.sh --range   the supported range, e.g. "3.11 to 3.13"
#   scripts/pythons.sh --check PY   "VERSION PATH" if PY (a path or a name) runs and is supported;
#                                   else nothing, and exit 1
#
# The range is read from `requires-python` in pyproject.toml (">=3.A,<3.B"): widening it there is enough.
# Looks on PATH for python3.(B-1) down to python3.A, then python3. A pyenv shim for a version that is
# installed but not selected (the shim answers "command not found") is replaced by that version's own
# interpreter under $(pyenv root)/versions. Used by scripts/setup.sh and .ci/run; prints no errors.
set -eu
cd "$(dirname "$0")/.."

bounds=$(sed -n 's/^requires-python *= *">=3\.\([0-9][0-9]*\),<3\.\([0-9][0-9]*\)".*/\1 \2/p' pyproject.toml)
[ -n "$bounds" ] || { echo "scripts/pythons.sh: cannot read requires-python (\">=3.A,<3.B\") in pyproject.toml" >&2; exit 2; }
low=${bounds% *}
high=$((${bounds#* } - 1))
if [ "${1:-}" = "--range" ]; then
    echo "3.$low to 3.$high"
    exit 0
fi

pyenv_root=${PYENV_ROOT:-}
if [ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1; then
    pyenv_root=$(pyenv root 2>/dev/null || true)
fi

# Print "VERSION PATH" for $1 if it runs and is in the supported range; fail quietly otherwise.
supported() {
    "$1" -c "import sys; v = sys.version_info
if v[0] != 3 or not $low <= v[1] <= $high: sys.exit(1)
print('%d.%d.%d %s' % (v[0], v[1], v[2], sys.executable))" 2>/dev/null
}

# Print "VERSION PATH" for the first of these that works: $1 as given (a path, or a name on PATH), then,
# for a name like python3.13, pyenv's own python3.13 when its shim refuses it.
resolve() {
    supported "$1" && return 0
    case "$1" in python3.[0-9]*) ;; *) return 1 ;; esac
    [ -n "$pyenv_root" ] || return 1
    for candidate in "$pyenv_root"/versions/"${1#python}".*/bin/"$1"; do
        [ -x "$candidate" ] && supported "$candidate" && return 0
    done
    return 1
}

if [ "${1:-}" = "--check" ]; then
    resolve "$2"
    exit
fi

minor=$high
while [ "$minor" -ge "$low" ]; do
    resolve "python3.$minor" || true
    minor=$((minor - 1))
done
if command -v python3 >/dev/null 2>&1; then
    supported python3 || true
fi
exit 0
