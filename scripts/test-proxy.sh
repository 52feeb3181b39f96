#!/usr/bin/env bash
# End-to-end tests of the edge proxy in real workerd (wrangler dev) in front of PyPI
# scim2-server on 127.0.0.1: builds the worker once, then runs worker/test/e2e.test.mjs,
# production.test.mjs, tenants.test.mjs and apps.test.mjs (node's test runner; each suite
# starts and stops every process it needs, by PID; all share worker/test/harness.mjs).
# Ports: e2e 18081 (scim2-server), 18082 (fault gate), 18788-18789 (workerd + inspector);
# production 18091, 18092, 18093-18094; tenants 18111-18114; apps 18121 (scim2-server, one
# tenant per app), 18122 (app gate), 18123-18124.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f .tools/env.sh ] || bash scripts/setup.sh
# shellcheck disable=SC1091
source .tools/env.sh
[ -d worker/node_modules ] || (cd worker && npm install --no-audit --no-fund >/dev/null)

echo "== worker-build --release worker (once)"
worker-build --release worker >/tmp/scimmap-worker-build.$$.log 2>&1 || { cat /tmp/scimmap-worker-build.$$.log; exit 1; }
rm -f /tmp/scimmap-worker-build.$$.log
raw=$(stat -c %s worker/build/index_bg.wasm)
gz=$(gzip -9 -c worker/build/index_bg.wasm | wc -c)
echo "   worker wasm: ${raw} bytes raw, ${gz} bytes gzip -9"

# Every suite runs even when an earlier one fails; the script fails if any did.
status=0
echo "== e2e: worker in workerd + scim2-server"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/e2e.test.mjs || status=1

echo "== production: issue 12, one test per item (tenants generic, webex, genesys, custom, broken, nosecret)"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/production.test.mjs || status=1

echo "== tenants: issue 13, lost creates recovered, 100 tenants isolated, a mixed load over 10 tenants"
node --test --test-concurrency=1 --test-timeout=900000 worker/test/tenants.test.mjs || status=1

echo "== apps: issue 17, webex, genesys, chatwork, timeclock365 end to end, each behind a gate enforcing its tutorial"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/apps.test.mjs || status=1
exit "$status"
