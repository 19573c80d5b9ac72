#!/usr/bin/env bash
# Debian packages for the tests: the build's (cmake, libclang for llama.cpp's bindgen, unzip,
# pip) and the browser test's (chromium, npm). scripts/demo installs the same build group
# through the same function (scripts/lib/prereqs.sh).
set -euo pipefail
# shellcheck source=../lib/prereqs.sh
source "$(dirname "$0")/../lib/prereqs.sh"
install_prereqs build browser
