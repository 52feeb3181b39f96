#!/usr/bin/env bash
# Builds the static playground into playground/dist: the page (plain ES modules, no
# bundler), the web build of the npm package under engine/, and a service worker that
# caches all of it. Every URL is relative, so dist/ works at / or under /playground/.
# Needs pkg/dist (bash pkg/build.sh).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$HERE/.."
WEB="$ROOT/pkg/dist/web"
[ -f "$WEB/scimmap_bg.wasm" ] || { echo "playground: $WEB is missing; run bash pkg/build.sh first" >&2; exit 1; }

DIST="$HERE/dist"
rm -rf "$DIST"
mkdir -p "$DIST/engine"
cp "$HERE"/src/*.html "$HERE"/src/*.css "$HERE"/src/*.js "$HERE"/src/*.svg "$DIST/"
cp "$WEB/scimmap.js" "$WEB/scimmap_bg.wasm" "$DIST/engine/"

cd "$DIST"
VERSION="$(cat $(find . -type f ! -name sw.js | sort) | sha256sum | cut -c1-12)"
ASSETS="$(find . -type f ! -name sw.js | sort | sed 's|^\./||' | awk 'BEGIN{printf "[\"./\""} {printf ", \"./%s\"", $0} END{printf "]"}')"
sed -i -e "s|__VERSION__|$VERSION|" -e "s|__ASSETS__|$ASSETS|" sw.js
echo "playground: dist/ ($(du -sh . | cut -f1), version $VERSION)"
