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
cargo build --lib --target wasm32-unknown-unknown --quiet
echo "== the core depends on no wasm-bindgen/worker crate"
if cargo tree -p scimmap -e normal --prefix none | grep -Eq '^(wasm-bindgen|worker|js-sys) '; then
  echo "core crate must not depend on wasm-bindgen/worker/js-sys" >&2
  exit 1
fi
echo "== cargo test"
cargo test --all-targets
cargo test --doc
echo "== npm package + playground (wasm build, packed tarball, node:test, Chromium)"
bash scripts/test-pkg.sh
echo "== proxy e2e (worker in workerd, scim2-server upstream)"
bash scripts/test-proxy.sh
