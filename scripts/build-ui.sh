#!/usr/bin/env bash
# Installs the playback UI's pinned npm packages (playback/ui/package-lock.json) for camera-playback to embed:
# hls.js's prebuilt light build, served at /vendor/hls.light.min.js, and playwright-core for the browser test.
# Idempotent and quick when nothing changed: `npm ci` runs only when node_modules is missing or was installed
# from another lock file (a stamp inside node_modules holds the sha256 of the lock it came from).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ui="$root/playback/ui"
lock="$ui/package-lock.json"
stamp="$ui/node_modules/.package-lock.sha256"
vendor="$ui/node_modules/hls.js/dist/hls.light.min.js"

log() { printf '[build-ui] %s\n' "$*" >&2; }

command -v npm >/dev/null || { log "npm is missing: run scripts/install-deps.sh first"; exit 1; }
[ -f "$lock" ] || { log "$lock is missing"; exit 1; }

want="$(sha256sum "$lock" | cut -d' ' -f1)"
if [ ! -d "$ui/node_modules" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing the UI's npm packages from package-lock.json"
  (cd "$ui" && npm ci --no-audit --no-fund)
  echo "$want" >"$stamp"
fi

[ -s "$vendor" ] || { log "$vendor is missing after npm ci: the server cannot embed hls.js"; exit 1; }
log "UI packages present ($(cd "$ui" && node -p 'require("hls.js/package.json").version' 2>/dev/null || echo '?') hls.js)"
