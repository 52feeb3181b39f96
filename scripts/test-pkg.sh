#!/usr/bin/env bash
# The npm package and the playground: build the wasm once, pack the tarball, install it
# into a scratch project with nothing else, run the node:test suites (package, then
# Chromium). SKIP_BUILD=1 reuses pkg/dist.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
source .tools/env.sh

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== clippy on the facade (wasm32, -D warnings)"
  cargo clippy -p scimmap-js --target wasm32-unknown-unknown --quiet -- -D warnings
  echo "== pkg/build.sh"
  bash pkg/build.sh
fi
echo "== npm pack + install into a scratch project"
SCIMMAP_SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/scimmap-scratch-XXXXXX")"
export SCIMMAP_SCRATCH
trap 'rm -rf "$SCIMMAP_SCRATCH"' EXIT
(cd pkg && npm pack --pack-destination "$SCIMMAP_SCRATCH" --loglevel=error >/dev/null)
echo '{"name":"scratch","private":true,"type":"module"}' > "$SCIMMAP_SCRATCH/package.json"
(cd "$SCIMMAP_SCRATCH" && npm install --offline --no-audit --no-fund --loglevel=error ./scimmap-*.tgz >/dev/null)
echo "   tarball: $(ls -l "$SCIMMAP_SCRATCH"/scimmap-*.tgz | awk '{print $5}') bytes; scratch node_modules: $(ls "$SCIMMAP_SCRATCH/node_modules")"

echo "== package tests (node:test)"
(cd pkg && node --test --test-reporter=spec test/*.test.mjs)

if [ -f playground/build.sh ]; then
  echo "== playground build + Chromium tests"
  bash playground/build.sh
  (cd playground && node --test --test-concurrency=1 --test-reporter=spec test/*.test.mjs)
fi
