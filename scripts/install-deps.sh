#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need (see
# ../shared/design/toolchain.md). Quiet and quick when everything is present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache mold pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev libboost-context1.81-dev
  libssl-dev zlib1g-dev libsqlite3-dev libsoci-dev libspdlog-dev libfmt-dev libcli11-dev
  libtomlplusplus-dev libsodium-dev libgtest-dev libgmock-dev bsdutils curl
  libpq-dev libmariadb-dev postgresql-15 mariadb-server mariadb-client prometheus-cpp-dev
  chromium  # the console's end-to-end tests drive it (playwright-core, no downloaded browser)
  nginx-light openssl  # the wss:// client test puts the server behind TLS-terminating nginx; bench/ compares with nginx
  python3-venv  # scripts/test-interop.sh installs the original Tunely (PyPI) into a venv
  clang-16 libclang-rt-16-dev libfuzzer-16-dev llvm-16  # sanitizer build and fuzzers (make test-sanitize, fuzz-smoke); llvm-16: the symbolizer
)

# Node.js ≥ 20 (with npm) comes with the machine image; Debian 12's own nodejs is 18, too old for the
# TypeScript packages' pinned tools, so it is checked, not installed.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  echo "error: Node.js 20 or newer is required for typescript/ (found: $(node --version 2>/dev/null || echo none))" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
