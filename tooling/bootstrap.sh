#!/usr/bin/env bash
# Set fold up on a Debian machine with Node 20 and apt, then run the main job or the tests.
# Idempotent: each step is skipped when what it provides is already there.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: tooling/bootstrap.sh <demo|test|setup>

  demo    install what is missing, build, and run the main job
  test    install what is missing, build, and run lint, type checks and every test suite
  setup   install what is missing and build, nothing else

Environment:
  FOLD_SHARED_DIR   shared data (PDB mirror, chain spec); default: ../shared beside the repo
  FOLD_SKIP_APT=1   do not install Debian packages (they must already be there)
USAGE
}

action=${1:-}
case "$action" in
  demo | test | setup) ;;
  -h | --help | help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages the project runs for real: GROMACS, Redis, and Chromium for browser tests.
apt_packages=(gromacs redis-server chromium)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})) && [ "${FOLD_SKIP_APT:-0}" != 1 ]; then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "fold needs Node 20 or newer (found $(node -v))" >&2
  exit 1
fi

# pnpm 12: pinned in package.json's packageManager.
pnpm_version=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  log "installing pnpm $pnpm_version"
  if ! npm install -g --silent "pnpm@$pnpm_version" 2>/dev/null; then
    # No write access to the global prefix: install under the user's home instead.
    npm install -g --silent --prefix "$HOME/.local" "pnpm@$pnpm_version"
    export PATH="$HOME/.local/bin:$PATH"
  fi
fi

export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
log "installing dependencies"
pnpm install --frozen-lockfile --reporter=append-only
log "building"
pnpm build --output-logs=errors-only

case "$action" in
  setup) log "ready" ;;
  demo) pnpm demo ;;
  test) pnpm check ;;
esac
