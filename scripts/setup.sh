#!/usr/bin/env bash
# Installs what mtlab needs from Debian's packages (only what is missing),
# configures and builds it (Release, Ninja, ccache), and checks that LibTorch
# runs on an optimized BLAS. Idempotent: the second run installs nothing and
# rebuilds incrementally. Usage: scripts/setup.sh [extra cmake -D options...]
# MTLAB_BUILD_TARGET=mtlab_app builds only the executable and its plugins (the quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${MTLAB_BUILD_DIR:-build}"
PACKAGES=(
  cmake ninja-build g++ ccache git pkg-config
  libtorch-dev libopenblas0-pthread libgloo-dev libdnnl-dev
  libboost-dev libboost-filesystem-dev libtomlplusplus-dev libfmt-dev catch2 libcli11-dev
  nlohmann-json3-dev libutf8proc-dev libpcre2-dev libssl-dev libsqlite3-dev sqlite3 libpqxx-dev
)
# What only the test suite needs (scripts/test.sh sets it): headless Chromium
# for the browser tests of `mtlab report`. The quickstart installs none of it.
read -r -a extra <<<"${MTLAB_TEST_PACKAGES:-}"
PACKAGES+=("${extra[@]}")

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# LibTorch calls whatever libblas.so.3 the alternatives system points at; the
# reference BLAS is about 12x slower here. Point it at OpenBLAS if it is not.
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
openblas="/usr/lib/${multiarch}/openblas-pthread/libblas.so.3"
current="$(readlink -f "/usr/lib/${multiarch}/libblas.so.3" || true)"
if [[ -e "$openblas" && "$current" != "$(readlink -f "$openblas")" ]]; then
  echo "setup: selecting OpenBLAS for libblas.so.3 (was: ${current:-none})"
  SUDO=""; if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO update-alternatives --set "libblas.so.3-${multiarch}" "$openblas"
fi

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" > "$BUILD_DIR.configure.log" 2>&1 \
  || { cat "$BUILD_DIR.configure.log"; echo "setup: cmake configure failed" >&2; exit 1; }
cmake --build "$BUILD_DIR" -j "$(nproc)" ${MTLAB_BUILD_TARGET:+--target "$MTLAB_BUILD_TARGET"}

# Fail loudly if LibTorch is not running on an optimized BLAS.
version="$("$BUILD_DIR/bin/mtlab" --version)"
blas_line="$(grep '^blas:' <<<"$version" || true)"
if ! grep -qiE 'openblas|mkl|blis' <<<"$blas_line"; then
  echo "setup: ERROR: LibTorch is not using an optimized BLAS (${blas_line:-no BLAS line})." >&2
  echo "setup: install libopenblas0-pthread and select it with update-alternatives." >&2
  exit 1
fi
echo "setup: ok — ${blas_line}"
