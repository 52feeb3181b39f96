#!/usr/bin/env bash
# The main job: the scimmap edge proxy (the Worker in workerd, `wrangler dev`) in front of
# a local SCIM app (PyPI scim2-server), both on 127.0.0.1, with an app preset on built-in
# defaults, and the playground served by the same worker at /playground. Prints the Tenant
# URL to give Entra, the playground URL and a curl that provisions a user the way Entra
# does, then runs until Ctrl-C.
#
# For an app preset (chatwork, timeclock365, genesys, webex) the local app is that app's
# stand-in: scim2-server behind a gate (worker/test/harness.mjs, APP_RULES) that refuses
# what the app's provisioning tutorial says it cannot take, so what the proxy spares the
# app shows. Genesys Cloud's stand-in knows its user extension and holds the group
# "Support Agents" (groups cannot be created there through SCIM). Chatwork's also runs a
# stand-in of its OAuth authorization server (worker/test/stand-ins/oauth-server.mjs): the
# script gives the admin's consent through the proxy, and the gate takes only live tokens.
#
#   bash scripts/start.sh                  # generic preset; Ctrl-C to stop
#   PRESET=webex bash scripts/start.sh     # another proxy preset: generic, webex, genesys, chatwork, timeclock365
#   START_ONCE=1 bash scripts/start.sh     # one provisioning round-trip, then stop
#   SCIM_PORT=18080 GATE_PORT=18083 AS_PORT=18084 WORKER_PORT=18787  # defaults
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null
# shellcheck disable=SC1091
source .tools/env.sh

SCIM_PORT="${SCIM_PORT:-18080}"
WORKER_PORT="${WORKER_PORT:-18787}"
GATE_PORT="${GATE_PORT:-18083}"
PRESET="${PRESET:-generic}"
case "$PRESET" in
  generic | webex | genesys | chatwork | timeclock365) ;;
  *) echo "PRESET must be one of generic, webex, genesys, chatwork, timeclock365 (got '$PRESET')"; exit 2 ;;
esac
UP_TOKEN="up-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
IN_TOKEN="${IN_TOKEN:-in-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
# Chatwork only: the app's OAuth client secret and the secret an admin starts a consent with.
CLIENT_SECRET="cs-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CONSENT_SECRET="consent-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AS_PORT="${AS_PORT:-18084}"
TMP="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f worker/build/index.js ] || [ -n "$(find src worker/src presets Cargo.lock -newer worker/build/index.js -print -quit)" ]; then
  echo "== building the worker (worker-build --release worker)"
  worker-build --release worker >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
fi

if [ ! -f playground/dist/index.html ] || [ -n "$(find src pkg/src playground/src presets -newer playground/dist/index.html -print -quit)" ]; then
  echo "== building the npm package and the playground (pkg/build.sh, playground/build.sh)"
  { bash pkg/build.sh && bash playground/build.sh; } >"$TMP/playground.log" 2>&1 || { cat "$TMP/playground.log"; exit 1; }
fi

SCIM_ARGS=()
if [ "$PRESET" = genesys ]; then
  SCIM_ARGS=(--schema worker/test/stand-ins/genesys-schemas.json --resource-type worker/test/stand-ins/genesys-resource-types.json)
fi
echo "== scim2-server on 127.0.0.1:$SCIM_PORT"
setsid .venv/bin/scim2-server --hostname 127.0.0.1 --port "$SCIM_PORT" --bearer-token "$UP_TOKEN" "${SCIM_ARGS[@]}" >"$TMP/upstream.log" 2>&1 &
PIDS+=("$!")
APP_URL="http://127.0.0.1:$SCIM_PORT/v2"
for _ in $(seq 1 60); do
  curl -s -o /dev/null "$APP_URL/ServiceProviderConfig" -H "Authorization: Bearer $UP_TOKEN" && break
  sleep 0.5
done

STAND_IN="scim2-server"
if [ "$PRESET" != generic ]; then
  echo "== $PRESET stand-in: gate on 127.0.0.1:$GATE_PORT in front of scim2-server"
  # Chatwork is reached by an admin's consent: its authorization server's stand-in runs in
  # the same process, and the gate takes only its live access tokens.
  OAUTH_JS=""
  if [ "$PRESET" = chatwork ]; then
    OAUTH_JS="const as = await startAuthorizationServer({ port: $AS_PORT, clientId: 'scimmap-proxy', clientSecret: process.env.OAUTH_CLIENT_SECRET });
    gate.oauth = { chatwork: { isLive: as.isLive, upstreamToken: process.env.UP_TOKEN } };"
  fi
  OAUTH_CLIENT_SECRET="$CLIENT_SECRET" UP_TOKEN="$UP_TOKEN" setsid node --input-type=module -e "
    import { startGate } from './worker/test/harness.mjs';
    import { startAuthorizationServer } from './worker/test/stand-ins/oauth-server.mjs';
    const gate = await startGate($GATE_PORT, $SCIM_PORT);
    gate.setMode('$PRESET');
    $OAUTH_JS" >"$TMP/gate.log" 2>&1 &
  PIDS+=("$!")
  APP_URL="http://127.0.0.1:$GATE_PORT/v2"
  STAND_IN="scim2-server behind a gate enforcing $PRESET's documented limits"
fi
if [ "$PRESET" = genesys ]; then
  # Genesys Cloud groups cannot be created through SCIM: the group exists in the app first.
  curl -s -o /dev/null -X POST "http://127.0.0.1:$SCIM_PORT/v2/Groups" -H "Authorization: Bearer $UP_TOKEN" \
    -H 'Content-Type: application/scim+json' -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Support Agents"}'
fi

# Secrets through an env file (wrangler does not print them); the config is a plain var.
printf 'INBOUND_TOKEN=%s\nUPSTREAM_TOKEN=%s\nCHATWORK_CLIENT_SECRET=%s\nCHATWORK_CONSENT=%s\n' \
  "$IN_TOKEN" "$UP_TOKEN" "$CLIENT_SECRET" "$CONSENT_SECRET" >"$TMP/.env"
AUTH="{\"type\": \"bearer\", \"secret\": \"UPSTREAM_TOKEN\"}"
if [ "$PRESET" = chatwork ]; then
  AUTH="{\"type\": \"authorizationCode\", \"authorizeUrl\": \"http://127.0.0.1:$AS_PORT/authorize\", \"tokenUrl\": \"http://127.0.0.1:$AS_PORT/token\", \"clientId\": \"scimmap-proxy\", \"clientSecret\": \"CHATWORK_CLIENT_SECRET\", \"consentSecret\": \"CHATWORK_CONSENT\", \"scope\": \"users.all:read_write\"}"
fi
CONFIG="{\"preset\": \"$PRESET\", \"upstream\": {\"url\": \"$APP_URL\", \"auth\": $AUTH}, \"inbound\": {\"tokens\": [\"INBOUND_TOKEN\"]}}"
echo "== worker (preset $PRESET) in workerd on 127.0.0.1:$WORKER_PORT"
setsid worker/node_modules/.bin/wrangler dev -c wrangler.local.toml --ip 127.0.0.1 --port "$WORKER_PORT" \
  --inspector-port "$((WORKER_PORT + 1))" --env-file "$TMP/.env" --var "SCIMMAP_CONFIG:$CONFIG" \
  --show-interactive-dev-session=false >"$TMP/worker.log" 2>&1 &
WORKER_PID=$!
PIDS+=("$WORKER_PID")

URL="http://127.0.0.1:$WORKER_PORT/scim/v2"
for _ in $(seq 1 240); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WORKER_PORT/health" || true)
  # 503 is an app that waits for an admin's consent: the proxy itself is up.
  [ "$code" = 200 ] || [ "$code" = 503 ] && break
  sleep 0.5
done
[ "$code" = 200 ] || [ "$code" = 503 ] || { echo "the proxy did not come up (last status $code)"; tail -30 "$TMP/worker.log" "$TMP/upstream.log"; exit 1; }

if [ "$PRESET" = chatwork ]; then
  # The admin's consent, as a browser does it: the proxy's start (with the consent secret)
  # → the authorization server's authorize page (the stand-in approves at once) → the
  # proxy's callback, which exchanges the code and keeps the grant.
  echo "== consent: an admin authorizes the proxy at Chatwork's (stand-in) authorization server"
  authorize=$(curl -s -o /dev/null -w '%{redirect_url}' "http://127.0.0.1:$WORKER_PORT/oauth/start" -H "Authorization: Bearer $CONSENT_SECRET")
  callback=$(curl -s -o /dev/null -w '%{redirect_url}' "$authorize")
  page=$(curl -s "$callback")
  echo "   $page"
  echo "$page" | grep -q 'Consent recorded' || { echo "the consent failed"; tail -30 "$TMP/worker.log"; exit 1; }
fi

BODY='{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],"externalId":"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef","userName":"Test_User_00aa00aa@contoso.com","active":true,"emails":[{"primary":true,"type":"work","value":"Test_User_00aa00aa@contoso.com"}],"meta":{"resourceType":"User"},"name":{"formatted":"Ada Lovelace","familyName":"Lovelace","givenName":"Ada"},"roles":[]}'
cat <<MSG

scimmap proxy is up.
  Tenant URL (give this to Entra):  $URL
  Secret Token:                     $IN_TOKEN
  upstream ($STAND_IN):  $APP_URL  (its token stays inside the worker)
  playground:                       http://127.0.0.1:$WORKER_PORT/playground/

Provision a user the way Entra does:
  curl -s -X POST '$URL/Users' -H 'Authorization: Bearer $IN_TOKEN' \\
    -H 'Content-Type: application/scim+json' -d '$BODY'
Then: curl -s '$URL/Users?filter=userName%20eq%20%22Test_User_00aa00aa@contoso.com%22' -H 'Authorization: Bearer $IN_TOKEN'
Add -H 'X-Scimmap-Dry-Run: 1' to see what the app would receive without sending it.
MSG
case "$PRESET" in
  chatwork) cat <<MSG
Chatwork: its gallery app connects with Authorize (an admin consents, OAuth 2.0 authorization
code). The proxy hosts that consent: an admin holding the consent secret opens
  curl -i http://127.0.0.1:$WORKER_PORT/oauth/start -H 'Authorization: Bearer $CONSENT_SECRET'
and follows its Location (done above against the stand-in authorization server on
127.0.0.1:$AS_PORT, which approves at once); the proxy keeps and refreshes the grant.
Users only: /Groups answers 501 with the reason.
MSG
  ;;
  timeclock365) cat <<MSG
TimeClock 365: users only (/Groups answers 501 with the reason), filtered on userName only
(any other filter answers 400 invalidFilter); the Tenant URL in production is
https://live.timeclock365.com/scim.
MSG
  ;;
  genesys) cat <<MSG
Genesys Cloud: groups cannot be created or deleted through SCIM. The stand-in holds the
group "Support Agents": POST /Groups with that displayName adopts it (201), DELETE detaches
it (204) and it stays in the app.
MSG
  ;;
  webex) cat <<MSG
Cisco Webex requires displayName: the proxy builds it from the name when Entra sends none.
Its token is valid 365 days: set upstream.auth.expiresAt and the proxy warns before.
MSG
  ;;
esac

# START_ONCE: what the preset's app cannot do is answered by the proxy, not the app.
app_check() {
  local r
  case "$PRESET" in
    chatwork | timeclock365)
      r=$(curl -s -w '\n%{http_code}' "$URL/Groups" -H "Authorization: Bearer $IN_TOKEN")
      echo "$r" | head -1
      [ "$(echo "$r" | tail -1)" = 501 ] || { echo "GET /Groups should answer 501 for $PRESET"; exit 1; }
      ;;
    genesys)
      r=$(curl -s -w '\n%{http_code}' -X POST "$URL/Groups" -H "Authorization: Bearer $IN_TOKEN" -H 'Content-Type: application/scim+json' \
        -d '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Support Agents"}')
      echo "$r" | head -1
      [ "$(echo "$r" | tail -1)" = 201 ] || { echo "POST /Groups should adopt the existing group"; exit 1; }
      ;;
    webex)
      echo "$created" | head -1 | grep -q '"displayName": *"Ada Lovelace"' || { echo "webex: displayName was not built"; exit 1; }
      ;;
  esac
  if [ "$PRESET" = timeclock365 ]; then
    r=$(curl -s -o /dev/null -w '%{http_code}' "$URL/Users?filter=externalId%20eq%20%22x%22" -H "Authorization: Bearer $IN_TOKEN")
    [ "$r" = 400 ] || { echo "a filter on externalId should answer 400 for timeclock365 (got $r)"; exit 1; }
    echo "filter on externalId: 400 (TimeClock 365 filters on userName only)"
  fi
  return 0
}

if [ "${START_ONCE:-0}" = 1 ]; then
  echo "== START_ONCE: one round-trip"
  created=$(curl -s -w '\n%{http_code}' -X POST "$URL/Users" -H "Authorization: Bearer $IN_TOKEN" -H 'Content-Type: application/scim+json' -d "$BODY")
  echo "$created" | head -1
  [ "$(echo "$created" | tail -1)" = 201 ] || { echo "create failed"; exit 1; }
  found=$(curl -s "$URL/Users?filter=userName%20eq%20%22Test_User_00aa00aa@contoso.com%22" -H "Authorization: Bearer $IN_TOKEN")
  echo "$found"
  echo "$found" | grep -q '"totalResults": *1' || { echo "query failed"; exit 1; }
  app_check
  page=$(curl -s -L "http://127.0.0.1:$WORKER_PORT/playground")
  echo "$page" | grep -q '<title>scimmap playground' || { echo "the playground is not served at /playground/"; exit 1; }
  echo "playground served at /playground/"
  echo "== log lines:"; grep '^{"requestId"' "$TMP/worker.log" || true
  exit 0
fi
echo
echo "Request log follows (one JSON line per request). Ctrl-C to stop."
setsid bash -c "tail -n +1 -f '$TMP/worker.log' | grep --line-buffered '^{\"requestId\"'" &
PIDS+=("$!")
wait "$WORKER_PID"
