#!/usr/bin/env bash
# End-to-end tests of the edge proxy in real workerd (wrangler dev) in front of PyPI
# scim2-server on 127.0.0.1. First `wrangler deploy --dry-run` with wrangler.toml — the
# deployment's own configuration — which builds the worker once (its [build] command,
# worker-build) and bundles it with its Durable Object classes and migrations, without an
# account; then the bundle's compressed size against Cloudflare's Worker size limits and
# its start-up in workerd (bench/worker/startup.mjs); then the suites in worker/test:
# e2e, production, scale, tenants, consent and apps (node's test runner; each suite starts
# and stops every process it needs, by PID; all share worker/test/harness.mjs).
# Ports: e2e 18081 (scim2-server), 18082 (fault gate), 18788-18789 (workerd + inspector);
# production 18091, 18092, 18093-18094; scale 18101, 18102, 18103-18104, 18105 (timing gate);
# tenants 18111-18114; apps 18121 (scim2-server, one tenant per app), 18122 (app gate),
# 18123-18124; consent 18131-18135.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[ -f .tools/env.sh ] || bash scripts/setup.sh
# shellcheck disable=SC1091
source .tools/env.sh
[ -d worker/node_modules ] || (cd worker && npm install --no-audit --no-fund >/dev/null)

out="$(mktemp -d)"
log="$out.log"
trap 'rm -rf "$out" "$log"' EXIT
echo "== wrangler deploy --dry-run --outdir $out (builds the worker once: worker-build --release worker)"
worker/node_modules/.bin/wrangler deploy --dry-run --outdir "$out" -c wrangler.toml >"$log" 2>&1 || { cat "$log"; exit 1; }
grep -E '^(Total Upload|env\.)' "$log" | sed 's/^/   /'
grep -q 'RESOURCE_LOCK (ResourceLock)' "$log" && grep -q 'TENANT_SHAPER (TenantShaper)' "$log" && grep -q 'GRANT_STORE (GrantStore)' "$log" \
  || { echo "the bundle lacks its Durable Object bindings"; cat "$log"; exit 1; }
raw=$(cat "$out"/index.js "$out"/*.wasm | wc -c)
gz=$( (gzip -9 -c "$out"/index.js; gzip -9 -c "$out"/*.wasm) | wc -c)
# Cloudflare counts the compressed upload: 3 MB on Workers Free, 10 MB on Workers Paid.
awk -v raw="$raw" -v gz="$gz" 'BEGIN { printf "   bundle: %d KiB raw, %d KiB gzip -9 = %.0f %% of the Free plan limit (3 MB), %.0f %% of the Paid plan limit (10 MB)\n", raw / 1024, gz / 1024, 100 * gz / (3 * 1024 * 1024), 100 * gz / (10 * 1024 * 1024) }'
node bench/worker/startup.mjs "$out"

# Every suite runs even when an earlier one fails; the script fails if any did.
status=0
echo "== e2e: worker in workerd + scim2-server"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/e2e.test.mjs || status=1

echo "== production: issue 12, one test per item (tenants generic, webex, genesys, custom, broken, nosecret)"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/production.test.mjs || status=1

echo "== scale: issue 13, writes serialised per resource, bursts shaped per tenant (Durable Objects)"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/scale.test.mjs || status=1

echo "== tenants: issue 13, lost creates recovered, 100 tenants isolated, a mixed load over 10 tenants"
node --test --test-concurrency=1 --test-timeout=900000 worker/test/tenants.test.mjs || status=1

echo "== consent: issue 17, an app reached by an admin's OAuth consent (Chatwork), refreshes with rotation"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/consent.test.mjs || status=1

echo "== apps: issue 17, webex, genesys, chatwork, timeclock365 end to end, each behind a gate enforcing its tutorial"
node --test --test-concurrency=1 --test-timeout=600000 worker/test/apps.test.mjs || status=1
exit "$status"
