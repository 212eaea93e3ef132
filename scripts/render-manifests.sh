#!/usr/bin/env bash
# Renders the plain manifests (for users without Helm) from the Helm chart, with its default values:
#
#   scripts/render-manifests.sh            # writes manifests/
#   scripts/render-manifests.sh OUT_DIR    # writes OUT_DIR (packaging/tests/manifests.rs compares it with manifests/)
#
# `helm template cto-cameras charts/cto-cameras --namespace cto-cameras --include-crds`, split by template:
#
#   crd.yaml                  crds/camera.yaml (the chart's copy of the repository's crds/camera.yaml)
#   rbac.yaml                 ClusterRole, bindings, the leader election Role
#   config.yaml               the operator's and camera-playback's settings (ConfigMaps they read through
#                             envFrom): edit this one
#   operator-deployment.yaml  ServiceAccount, metrics Service, Deployment
#   playback-deployment.yaml  camera-playback's Service and Deployment (and its Ingress and disruption budget,
#                             should the defaults ever turn them on)
#
# The viewer token Secret the chart generates (templates/playback-secret.yaml) is left out: its token is random,
# new on every render. secrets-template.yaml holds it with a placeholder instead. namespace.yaml,
# secrets-template.yaml, argocd-application.yaml and kustomization.yaml in manifests/ are written by hand.
# Rendering is deterministic: the same chart gives the same bytes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/manifests}"
helm="$root/.tools/bin/helm"
[ -x "$helm" ] || helm="helm"
command -v "$helm" >/dev/null || { echo "render-manifests: helm not found; run scripts/install-deps.sh" >&2; exit 1; }

rendered="$(mktemp)"
trap 'rm -f "$rendered"' EXIT
"$helm" template cto-cameras "$root/charts/cto-cameras" --namespace cto-cameras --include-crds >"$rendered"

mkdir -p "$out"
header='# Rendered by scripts/render-manifests.sh from charts/cto-cameras (helm template, default values). In this
# repository, change the chart and run the script again: packaging/tests/manifests.rs fails on drift.'
files="crd.yaml rbac.yaml config.yaml operator-deployment.yaml playback-deployment.yaml"
for file in $files; do
  printf '%s\n' "$header" >"$out/$file"
done

# Each document starts with "---" followed by "# Source: cto-cameras/<path>"; the path picks the file.
awk -v out="$out" '
  function target(source) {
    if (source == "cto-cameras/crds/camera.yaml") return "crd.yaml"
    if (source == "cto-cameras/templates/rbac.yaml") return "rbac.yaml"
    if (source ~ /^cto-cameras\/templates\/(playback-)?configmap\.yaml$/) return "config.yaml"
    if (source ~ /^cto-cameras\/templates\/(serviceaccount|service|deployment)\.yaml$/) return "operator-deployment.yaml"
    if (source ~ /^cto-cameras\/templates\/playback-(service|deployment|ingress|pdb)\.yaml$/) return "playback-deployment.yaml"
    if (source == "cto-cameras/templates/playback-secret.yaml") return ""
    printf "render-manifests: no manifest file for %s; add it to scripts/render-manifests.sh\n", source > "/dev/stderr"
    failed = 1
    exit 1
  }
  $0 == "---" { pending = 1; blanks = 0; next }
  pending && /^# Source: / {
    pending = 0
    name = target(substr($0, 11))
    # An empty name: a document left out (the generated token); its lines are skipped up to the next "---".
    file = name == "" ? "" : out "/" name
    if (file == "") next
    print "---" >> file
    print >> file
    next
  }
  pending { printf "render-manifests: a document without a # Source: line\n" > "/dev/stderr"; failed = 1; exit 1 }
  file == "" { next }
  # Blank lines are written only when more of the document follows (helm ends the CRD with one).
  $0 == "" { blanks++; next }
  { while (blanks > 0) { print "" >> file; blanks-- } print >> file }
  END { if (failed) exit 1 }
' "$rendered"

echo "render-manifests: wrote $files to $out" >&2
