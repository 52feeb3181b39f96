#!/usr/bin/env bash
# Runs every test and gate the project has. README's "run every test" command.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
# shellcheck disable=SC1091
source .tools/env.sh

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy (core, all targets, -D warnings)"
cargo clippy --all-targets -- -D warnings
echo "== core builds for wasm32-unknown-unknown"
cargo build --lib --no-default-features --target wasm32-unknown-unknown --quiet
echo "== clippy on the worker crate (wasm32, -D warnings)"
cargo clippy -p scimmap-worker --target wasm32-unknown-unknown --quiet -- -D warnings
echo "== the core depends on no wasm-bindgen/worker crate"
if cargo tree -p scimmap -e normal --prefix none | grep -Eq '^(wasm-bindgen|worker|js-sys) '; then
  echo "core crate must not depend on wasm-bindgen/worker/js-sys" >&2
  exit 1
fi
echo "== cargo test"
cargo test --all-targets
cargo test --doc
echo "== conformance pass counts"
cargo test --quiet --test entra_conformance --test scim_conformance --test golden -- --nocapture 2>&1 \
  | grep -E '^(  )?[A-Za-z0-9_.-]+(\.toml|\.json)?:? .*[0-9]+/[0-9]+|^total|^  [a-z0-9]+ +[0-9]+ cases'
echo "== fuzz smoke (every cargo-fuzz target, address sanitizer, 20 s each, stable toolchain)"
bash scripts/fuzz-smoke.sh
echo "== proxy e2e (worker in workerd, scim2-server upstream)"
bash scripts/test-proxy.sh
echo "== npm package + playground (wasm build, packed tarball, node:test, Chromium)"
bash scripts/test-pkg.sh
echo "== the main job, once (README's start command with START_ONCE=1: proxy + scim2-server + playground)"
START_ONCE=1 bash scripts/start.sh > "${TMPDIR:-/tmp}/scimmap-start-once.log" 2>&1 || { cat "${TMPDIR:-/tmp}/scimmap-start-once.log"; exit 1; }
echo "   start.sh: a user provisioned through the proxy and the playground served at /playground/"
