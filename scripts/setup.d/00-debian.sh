#!/usr/bin/env bash
# Debian packages: cmake + libclang for llama.cpp (local models), chromium for the HTML report test.
set -euo pipefail
need=()
command -v cmake >/dev/null || need+=(cmake)
[ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/llvm-*/lib/libclang*.so >/dev/null 2>&1 || need+=(libclang-dev)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${need[@]}"
fi
