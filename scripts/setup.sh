#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages tdxsim builds with, if any is missing (needs root or sudo).
# Called by the README's commands, so a fresh Debian 12 with gcc, make, cmake and git is enough.
set -euo pipefail
pkgs=(pkg-config libcmocka-dev libyaml-dev libssl-dev clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
