#!/usr/bin/env bash
# Builds the npm package into pkg/dist/{web,node,bundler}: one release wasm build, then
# wasm-bindgen (pinned CLI, no wasm-pack) per target for the JS glue, and one wasm-opt -Oz
# (npm binaryen) of the .wasm the three targets share.
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
GLUE="$(mktemp -d "${TMPDIR:-/tmp}/scimmap-glue-XXXXXX")"
trap 'rm -rf "$GLUE"' EXIT
rm -rf "$DIST"
for target in web nodejs bundler; do
  "${WASM_BINDGEN_BIN:-wasm-bindgen}" --target "$target" --out-dir "$GLUE/$target" --out-name scimmap "$WASM"
done
# wasm-bindgen emits the same .wasm for every target (only the JS glue differs; the wasm
# imports its glue as module "./scimmap_bg.js" in all three), so the package ships it once,
# in dist/web, and the node and bundler glue point there.
for target in nodejs bundler; do
  cmp -s "$GLUE/web/scimmap_bg.wasm" "$GLUE/$target/scimmap_bg.wasm" ||
    { echo "pkg/build.sh: the $target .wasm differs from the web one; it cannot be shared" >&2; exit 1; }
done
mkdir -p "$DIST/web" "$DIST/node" "$DIST/bundler"
"${WASM_OPT_BIN:-wasm-opt}" -Oz "${FEATURES[@]}" "$GLUE/web/scimmap_bg.wasm" -o "$DIST/web/scimmap_bg.wasm"
cp "$GLUE/web/scimmap.js" "$GLUE/web/scimmap.d.ts" "$DIST/web/"

# Replaces $2 by $3 in file $1, and fails when $2 is not there (a new wasm-bindgen
# changed its output; the package would then load a .wasm that is not shipped).
rewrite() {
  grep -qF -- "$2" "$1" || { echo "pkg/build.sh: \`$2\` not found in $1" >&2; exit 1; }
  F="$2" T="$3" perl -0pi -e 's/\Q$ENV{F}\E/$ENV{T}/g' "$1"
}

# Bundler: the entry imports the .wasm, and a bundler resolves the wasm's own import
# ("./scimmap_bg.js") next to it, so that glue lives in dist/web too.
cp "$GLUE/bundler/scimmap_bg.js" "$DIST/web/scimmap_bg.js"
cp "$GLUE/bundler/scimmap.js" "$GLUE/bundler/scimmap.d.ts" "$DIST/bundler/"
rewrite "$DIST/bundler/scimmap.js" '"./scimmap_bg.wasm"' '"../web/scimmap_bg.wasm"'
rewrite "$DIST/bundler/scimmap.js" '"./scimmap_bg.js"' '"../web/scimmap_bg.js"'

# Browser (the `browser` condition, what bundlers resolve `import "scimmap"` to): the web
# glue, initialised by top-level await from `new URL("./scimmap_bg.wasm", import.meta.url)`,
# the pattern Vite and webpack 5 emit as an asset with no plugin and no configuration, and
# that esbuild keeps as is (the .wasm is then copied next to the bundle). No bundler needs
# WebAssembly ESM integration for it, unlike dist/bundler (still `scimmap/bundler`).
cat > "$DIST/web/browser.js" <<'JS'
/* @ts-self-types="../bundler/scimmap.d.ts" */
import init from "./scimmap.js";
await init({ module_or_path: new URL("./scimmap_bg.wasm", import.meta.url) });
export * from "./scimmap.js";
JS

# `import wasm from "scimmap/scimmap_bg.wasm"` (Workers, where the host compiles it).
cat > "$DIST/web/scimmap_bg.wasm.d.ts" <<'TS'
/** The compiled module, as a Worker imports a `.wasm` file: pass it to `initSync({ module })`. */
declare const module: WebAssembly.Module;
export default module;
TS

# Node: CommonJS inside an ESM ("type": "module") package; it reads the shared .wasm.
cp "$GLUE/nodejs/scimmap.js" "$GLUE/nodejs/scimmap.d.ts" "$DIST/node/"
rewrite "$DIST/node/scimmap.js" '`${__dirname}/scimmap_bg.wasm`' '`${__dirname}/../web/scimmap_bg.wasm`'
echo '{"type":"commonjs"}' > "$DIST/node/package.json"
# ESM wrapper so `import` in Node gets named exports from the CJS build (its types are the
# bundler's ESM declarations, the same file).
node -e '
const m = require(process.argv[1]);
const names = Object.keys(m).filter((k) => k !== "default" && !k.startsWith("__"));
const src = `import m from "./scimmap.js";\nexport default m;\n` +
  names.map((n) => `export const ${n} = m.${n};`).join("\n") + "\n";
require("fs").writeFileSync(process.argv[2], src);
' "$DIST/node/scimmap.js" "$DIST/node/scimmap.mjs"
# wasm-bindgen types the raw wasm exports (InitOutput, *_bg.wasm.d.ts) with `any` for
# externref parameters; nobody calls them directly, so `unknown` loses nothing and keeps
# the public surface free of `any`.
find "$DIST" -name '*.d.ts' -o -name '*.d.mts' | while read -r f; do
  sed -i -E -e 's/\b([a-z]): any\b/\1: unknown/g' \
    -e 's/\b(options|object): ([A-Za-z]+) \| undefined\b/\1?: \2/g' "$f"
done
ls -l "$DIST"/web/scimmap_bg.wasm
