#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the benchmarks need (only the missing ones).
# Used by the README's first command and by .ci/run.
set -euo pipefail
pkgs=(cmake ninja-build g++ clang libclang-rt-14-dev python3 libgtest-dev libgmock-dev libbenchmark-dev
      libfmt-dev hyperfine lua5.4 luajit pkg-config libssl-dev libre2-dev libffi-dev golang-go
      libcli11-dev libedit-dev chromium)
missing=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
