#!/usr/bin/env bash
# Installs what the VS Code end-to-end test drives: Debian's chromium (and the headers code-server's
# native modules build against), then code-server and playwright-core from this folder's lockfile.
# Idempotent and quick when everything is there already: a stamp records the lockfile it installed.
#
# code-server's bundled @vscode/ripgrep insists on downloading a prebuilt rg from a host this
# machine cannot reach, but it first looks in a cache folder under $TMPDIR; we put a tarball of
# Debian's own rg there, named exactly as it asks for, so the install completes offline.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
stamp="$here/node_modules/.grepls-installed"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v rg >/dev/null 2>&1 || need_apt+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if ((${#need_apt[@]})); then
  echo "install-tools: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need_apt[@]}" >/dev/null
fi

if [[ -f "$stamp" ]] && cmp -s "$stamp" "$here/package-lock.json"; then
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The names @vscode/ripgrep 1.15.11 (code-server 4.100.x) asks for; see its lib/download.js.
rg_cache="$work/vscode-ripgrep-cache-1.15.11"
mkdir -p "$rg_cache" "$work/rg"
cp "$(command -v rg)" "$work/rg/rg"
tar czf "$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$work/rg" rg

# node-gyp builds code-server's native modules; point it at the headers shipped with this node
# so it does not try to download them.
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [[ -f "$node_prefix/include/node/node.h" ]]; then
  export npm_config_nodedir="$node_prefix"
fi

echo "install-tools: npm ci in $here (code-server, playwright-core; a few minutes the first time)"
cd "$here"
TMPDIR="$work" npm_config_unsafe_perm=true npm_config_yes=true \
  npm ci --no-audit --no-fund --loglevel=error
cp package-lock.json "$stamp"
