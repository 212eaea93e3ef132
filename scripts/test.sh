#!/usr/bin/env bash
# Runs every test. Installs what the tests need first (FFmpeg, GStreamer, SeaweedFS, ...), idempotently.
#
#   scripts/test.sh            # everything
#   scripts/test.sh faults     # extra arguments go to cargo nextest (a filter, --no-capture, ...)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
# camera-playback embeds the web UI's pinned npm packages (hls.js); the browser test uses playwright-core.
scripts/build-ui.sh

echo "== web UI unit tests"
(cd playback/ui && npm run --silent test:unit)

echo "== format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
if ! cargo nextest --version >/dev/null 2>&1; then
  echo "cargo-nextest not found; installing it" >&2
  cargo install --locked cargo-nextest
fi
cargo nextest run --workspace --locked "$@"
