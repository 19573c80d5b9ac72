#!/usr/bin/env bash
# One prerequisite installer for scripts/demo and scripts/test (sourced, not run).
#
#   source scripts/lib/prereqs.sh
#   install_prereqs build            # cmake, libclang, unzip, pip: what the release build and the model fetch need
#   install_prereqs build browser    # ... plus Chromium and npm for the HTML report test
#
# libclang is checked by the file bindgen (clang-sys) actually loads: libclang.so, libclang-N.so or
# libclang.so.N. Debian images often ship only libclang-cpp.so.N (the C++ interface), which
# bindgen cannot use; a check that matched libclang* accepted it and the build died later.

# Prints the path of a libclang bindgen can load, or nothing.
find_libclang() {
  local dir f
  if [ -n "${LIBCLANG_PATH:-}" ]; then
    for f in "$LIBCLANG_PATH"/libclang.so "$LIBCLANG_PATH"/libclang-[0-9]*.so "$LIBCLANG_PATH"/libclang.so.[0-9]*; do
      [ -e "$f" ] && { echo "$f"; return; }
    done
  fi
  for dir in /usr/lib/llvm-*/lib /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
    for f in "$dir"/libclang.so "$dir"/libclang-[0-9]*.so "$dir"/libclang.so.[0-9]*; do
      [ -e "$f" ] && { echo "$f"; return; }
    done
  done
}

# Names the Debian packages missing for the given groups (build, browser), one per line.
missing_prereqs() {
  local group
  for group in "$@"; do
    case "$group" in
      build)
        command -v cmake >/dev/null || echo cmake
        [ -n "$(find_libclang)" ] || echo libclang-dev
        command -v unzip >/dev/null || echo unzip
        python3 -m pip --version >/dev/null 2>&1 || echo python3-pip
        python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || echo python3-venv
        ;;
      browser)
        command -v chromium >/dev/null || echo chromium
        command -v npm >/dev/null || echo npm
        ;;
      *) echo "prereqs: unknown group '$group'" >&2; return 2 ;;
    esac
  done
}

# Installs what missing_prereqs names (apt-get; sudo when not root), or says what to install.
install_prereqs() {
  local need
  need=$(missing_prereqs "$@" | sort -u | tr '\n' ' ')
  need=${need% }
  if [ -z "$need" ]; then
    echo "prerequisites present ($*): libclang at $(find_libclang 2>/dev/null || echo '-')"
    return 0
  fi
  if ! command -v apt-get >/dev/null; then
    echo "error: missing $need; install them with your package manager and re-run" >&2
    return 1
  fi
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing $need (apt-get) ..."
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -q &&
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $need
  if [ -z "$(find_libclang)" ] && [[ " $* " == *" build "* ]]; then
    echo "error: libclang-dev installed but no libclang.so found; set LIBCLANG_PATH to the folder holding it" >&2
    return 1
  fi
}
