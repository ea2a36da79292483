#!/usr/bin/env bash
# Installs Debian's strace for the key ring's crash test (KilledRetireRingTests holds a real CLI process just after
# its rename with strace, then kills it there), once.
set -euo pipefail
if command -v strace >/dev/null 2>&1; then
  echo "strace present: $(strace -V 2>/dev/null | head -n 1)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends strace
strace -V | head -n 1
