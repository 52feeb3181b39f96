#!/usr/bin/env bash
# The main job: the scimmap edge proxy (the Worker in workerd, `wrangler dev`) in front of
# a local SCIM app (PyPI scim2-server), both on 127.0.0.1, with an app preset on built-in
# defaults. Prints the Tenant URL to give Entra and a curl that provisions a user the way
# Entra does, then runs until Ctrl-C.
#
#   bash scripts/start.sh                  # generic preset; Ctrl-C to stop
#   PRESET=webex bash scripts/start.sh     # another proxy preset (generic, webex, genesys)
#   START_ONCE=1 bash scripts/start.sh     # one provisioning round-trip, then stop
#   SCIM_PORT=18080 WORKER_PORT=18787      # defaults
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null
# shellcheck disable=SC1091
source .tools/env.sh

SCIM_PORT="${SCIM_PORT:-18080}"
WORKER_PORT="${WORKER_PORT:-18787}"
PRESET="${PRESET:-generic}"
UP_TOKEN="up-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
IN_TOKEN="${IN_TOKEN:-in-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f worker/build/index.js ] || [ -n "$(find src worker/src presets -newer worker/build/index.js -print -quit)" ]; then
  echo "== building the worker (worker-build --release worker)"
  worker-build --release worker >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
fi

echo "== scim2-server on 127.0.0.1:$SCIM_PORT"
setsid .venv/bin/scim2-server --hostname 127.0.0.1 --port "$SCIM_PORT" --bearer-token "$UP_TOKEN" >"$TMP/upstream.log" 2>&1 &
PIDS+=("$!")

# Secrets through an env file (wrangler does not print them); the config is a plain var.
printf 'INBOUND_TOKEN=%s\nUPSTREAM_TOKEN=%s\n' "$IN_TOKEN" "$UP_TOKEN" >"$TMP/.env"
CONFIG="{\"preset\": \"$PRESET\", \"upstream\": {\"url\": \"http://127.0.0.1:$SCIM_PORT/v2\", \"auth\": {\"type\": \"bearer\", \"secret\": \"UPSTREAM_TOKEN\"}}, \"inbound\": {\"tokens\": [\"INBOUND_TOKEN\"]}}"
echo "== worker (preset $PRESET) in workerd on 127.0.0.1:$WORKER_PORT"
setsid worker/node_modules/.bin/wrangler dev -c wrangler.nobuild.toml --ip 127.0.0.1 --port "$WORKER_PORT" \
  --inspector-port "$((WORKER_PORT + 1))" --env-file "$TMP/.env" --var "SCIMMAP_CONFIG:$CONFIG" \
  --show-interactive-dev-session=false >"$TMP/worker.log" 2>&1 &
PIDS+=("$!")

URL="http://127.0.0.1:$WORKER_PORT/scim/v2"
for _ in $(seq 1 240); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/Users" -H "Authorization: Bearer $IN_TOKEN" || true)
  [ "$code" = 200 ] && break
  sleep 0.5
done
[ "$code" = 200 ] || { echo "the proxy did not come up (last status $code)"; tail -30 "$TMP/worker.log" "$TMP/upstream.log"; exit 1; }

BODY='{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_00aa00aa@contoso.com","active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_00aa00aa@contoso.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"roles":[]}'
cat <<MSG

scimmap proxy is up.
  Tenant URL (give this to Entra):  $URL
  Secret Token:                     $IN_TOKEN
  upstream (scim2-server):          http://127.0.0.1:$SCIM_PORT/v2  (its token stays inside the worker)

Provision a user the way Entra does:
  curl -s -X POST '$URL/Users' -H 'Authorization: Bearer $IN_TOKEN' \\
    -H 'Content-Type: application/scim+json' -d '$BODY'
Then: curl -s '$URL/Users?filter=userName%20eq%20%22Test_User_00aa00aa@contoso.com%22' -H 'Authorization: Bearer $IN_TOKEN'
Add -H 'X-Scimmap-Dry-Run: 1' to see what the app would receive without sending it.
MSG

if [ "${START_ONCE:-0}" = 1 ]; then
  echo "== START_ONCE: one round-trip"
  created=$(curl -s -w '\n%{http_code}' -X POST "$URL/Users" -H "Authorization: Bearer $IN_TOKEN" -H 'Content-Type: application/scim+json' -d "$BODY")
  echo "$created" | head -1
  [ "$(echo "$created" | tail -1)" = 201 ] || { echo "create failed"; exit 1; }
  found=$(curl -s "$URL/Users?filter=userName%20eq%20%22Test_User_00aa00aa@contoso.com%22" -H "Authorization: Bearer $IN_TOKEN")
  echo "$found"
  echo "$found" | grep -q '"totalResults": *1' || { echo "query failed"; exit 1; }
  echo "== log lines:"; grep '^{"requestId"' "$TMP/worker.log" || true
  exit 0
fi
echo
echo "Request log follows (one JSON line per request). Ctrl-C to stop."
setsid bash -c "tail -n +1 -f '$TMP/worker.log' | grep --line-buffered '^{\"requestId\"'" &
PIDS+=("$!")
wait "${PIDS[1]}"
