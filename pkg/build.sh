#!/usr/bin/env bash
# Builds the npm package into pkg/dist/{web,node,bundler}: one release wasm build, then
# wasm-bindgen (pinned CLI, no wasm-pack) per target and wasm-opt -Oz (npm binaryen).
#   bash pkg/build.sh            # SKIP_CARGO=1 reuses the last cargo build
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck disable=SC1091
[ -f .tools/env.sh ] && source .tools/env.sh

if [ "${SKIP_CARGO:-0}" != 1 ]; then
  cargo build --release --target wasm32-unknown-unknown -p scimmap-js
fi
WASM="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/scimmap_js.wasm"
# The features rustc 1.95 emits for wasm32 by default; wasm-opt must accept them all.
FEATURES=(--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext
          --enable-mutable-globals --enable-reference-types --enable-multivalue)

DIST="$ROOT/pkg/dist"
rm -rf "$DIST"
for target in web nodejs bundler; do
  out="$DIST/$target"; [ "$target" = nodejs ] && out="$DIST/node"
  "${WASM_BINDGEN_BIN:-wasm-bindgen}" --target "$target" --out-dir "$out" --out-name scimmap "$WASM"
  "${WASM_OPT_BIN:-wasm-opt}" -Oz "${FEATURES[@]}" "$out/scimmap_bg.wasm" -o "$out/scimmap_bg.wasm"
done
# The nodejs target is CommonJS inside an ESM ("type": "module") package.
echo '{"type":"commonjs"}' > "$DIST/node/package.json"
# ESM wrapper so `import` in Node gets named exports from the CJS build.
node -e '
const m = require(process.argv[1]);
const names = Object.keys(m).filter((k) => k !== "default" && !k.startsWith("__"));
const src = `import m from "./scimmap.js";\nexport default m;\n` +
  names.map((n) => `export const ${n} = m.${n};`).join("\n") + "\n";
require("fs").writeFileSync(process.argv[2], src);
require("fs").copyFileSync(process.argv[3], process.argv[4]);
' "$DIST/node/scimmap.js" "$DIST/node/scimmap.mjs" "$DIST/node/scimmap.d.ts" "$DIST/node/scimmap.d.mts"
# wasm-bindgen types the raw wasm exports (InitOutput, *_bg.wasm.d.ts) with `any` for
# externref parameters; nobody calls them directly, so `unknown` loses nothing and keeps
# the public surface free of `any`.
find "$DIST" -name '*.d.ts' -o -name '*.d.mts' | while read -r f; do
  sed -i -E -e 's/\b([a-z]): any\b/\1: unknown/g' \
    -e 's/\b(options): ([A-Za-z]+) \| undefined\b/\1?: \2/g' "$f"
done
ls -l "$DIST"/*/scimmap_bg.wasm
