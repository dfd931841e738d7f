#!/usr/bin/env bash
# The interop suite (interop/): the ORIGINAL Tunely in the field — PyPI tunely==0.12.0 (Python server and
# client) and npm tunely@0.2.1 (Node client) — against our binary ($TUNELY_BIN, default build/apps/tunely/tunely),
# all on loopback.
#   interop/python  pytest, run by the original's own venv (interop/.venv, rebuilt when requirements.txt changes)
#   interop/node    node --test, with the npm client installed into a temporary prefix
# Downloads are cached in ~/.cache/pip and ~/.cache/npm. Extra arguments go to pytest (e.g. -k sse).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

export TUNELY_BIN="${TUNELY_BIN:-$root/build/apps/tunely/tunely}"
if [ ! -x "$TUNELY_BIN" ]; then
  echo "error: $TUNELY_BIN is not built (make build, or set TUNELY_BIN)" >&2
  exit 1
fi
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-$HOME/.cache/pip}"
export npm_config_cache="${npm_config_cache:-$HOME/.cache/npm}"

# --- the original Python package (+ pytest), every version pinned in interop/requirements.txt
venv="${INTEROP_VENV:-$root/interop/.venv}"
requirements="$root/interop/requirements.txt"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.requirements.sha256" 2>/dev/null)" != "$want" ] || ! "$venv/bin/python" -c 'import tunely, pytest' 2>/dev/null; then
  echo "== creating $venv (tunely==0.12.0 from PyPI)"
  rm -rf "$venv"
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$requirements"
  echo "$want" > "$venv/.requirements.sha256"
fi

# --- the original npm package, into a throw-away prefix (its two dependencies pinned too)
npm_prefix=$(mktemp -d "${TMPDIR:-/tmp}/tunely-interop-npm.XXXXXX")
trap 'rm -rf "$npm_prefix"' EXIT
echo "== installing tunely@0.2.1 from npm into $npm_prefix"
npm install --prefix "$npm_prefix" --no-audit --no-fund --loglevel=error tunely@0.2.1 ws@8.23.0 commander@12.1.0 >/dev/null

# --- our TypeScript CLI (the interop tests run it against the original server)
if [ ! -f typescript/dist/bin.js ]; then
  echo "== building the TypeScript package"
  (cd typescript && npm ci --no-audit --no-fund --silent && npm run build --silent)
fi

status=0
echo "== original Python client and server (tunely 0.12.0) ↔ our $TUNELY_BIN"
(cd interop/python && "$venv/bin/python" -m pytest -p no:cacheprovider -v -rxXfE "$@") || status=1
echo "== original npm client (tunely 0.2.1) ↔ our server"
TUNELY_NPM_PREFIX="$npm_prefix" node --test interop/node/ || status=1
exit $status
