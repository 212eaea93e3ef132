# Sourced by the other scripts: installs what is missing and puts the project's tools on PATH.
# shellcheck shell=bash
eval "$("$(dirname "${BASH_SOURCE[0]}")/install-deps.sh" | tail -n 1)"
