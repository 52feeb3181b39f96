#!/usr/bin/env bash
# What the edge proxy costs in real workerd: builds the Worker (worker-build --release) and
# the npm package (pkg/build.sh), then
#   1. bench/worker/instantiate.mjs — raw/gzip size and Node 22 compile + instantiate time
#      of pkg/dist and worker/build wasm;
#   2. bench/worker/bench.mjs — a bounded load run through wrangler dev (workerd) with the
#      scimmap worker, a pass-through worker and scim2-server directly, with the workerd
#      processes' CPU time per request.
# A benchmark, not a test: not part of scripts/test.sh. Results and method: BENCHMARKS.md.
#
#   bash scripts/bench-worker.sh                 # build both, then measure (~15 min)
#   SKIP_BUILD=1 bash scripts/bench-worker.sh    # reuse worker/build and pkg/dist
#   BENCH_N=1000 BENCH_C=20 bash scripts/bench-worker.sh   # see bench/worker/bench.mjs
# Ports (127.0.0.1): 18090 scim2-server, 18091-18096 three wrangler dev instances + inspectors.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f .tools/env.sh ] || bash scripts/setup.sh
# shellcheck disable=SC1091
source .tools/env.sh
[ -d worker/node_modules ] || (cd worker && npm install --no-audit --no-fund >/dev/null)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  log="$(mktemp)"
  echo "== worker-build --release worker"
  worker-build --release worker >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
  echo "== bash pkg/build.sh"
  bash pkg/build.sh >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
  rm -f "$log"
fi
for f in worker/build/index_bg.wasm pkg/dist/web/scimmap_bg.wasm; do
  [ -f "$f" ] || { echo "missing $f (run without SKIP_BUILD=1)" >&2; exit 1; }
done

echo "== commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src worker pkg presets Cargo.lock || echo ' (+ uncommitted changes)'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== wasm size and instantiate time (Node)"
node bench/worker/instantiate.mjs
echo
echo "== workerd: scimmap worker vs pass-through worker vs scim2-server"
node bench/worker/bench.mjs
