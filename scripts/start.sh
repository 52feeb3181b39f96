#!/usr/bin/env bash
# The main job on built-in defaults: map a sample Entra user through an app preset and
# show what the app would receive. README's first command.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh >/dev/null
# shellcheck disable=SC1091
source .tools/env.sh
cargo build --quiet --bin scimmap
BIN="$ROOT/target/debug/scimmap"
echo "== sample user (examples/user.json)"
cat examples/user.json
echo
echo "== expression: $(cat examples/upn.expr)"
"$BIN" eval "$(cat examples/upn.expr)" --input examples/user.json
if "$BIN" presets >/dev/null 2>&1; then
  echo "== Webex preset, create: what Webex would receive"
  "$BIN" map --preset webex --input examples/user.json --mode create
fi
