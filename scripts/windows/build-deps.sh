#!/usr/bin/env bash
# Cross-builds vnet's dependencies for Windows (x86_64, static) from Debian's
# own source packages, at the versions the Linux build uses, into a cache
# keyed by those versions; prints the prefix. A rerun with the same versions
# reuses the cache (each step has a stamp). The cache root is
# $VNET_WINDOWS_CACHE, default ~/.cache/vnet-windows.
#   OpenSSL 3.0 (libssl, libcrypto), libsodium, Boost.Program_options (its
#   sources compiled, Boost's headers copied), spdlog and fmt (header-only),
#   GoogleTest (for the cross-built unit tests).
set -euo pipefail

host=x86_64-w64-mingw32
cc=$host-gcc-posix
cxx=$host-g++-posix
jobs=${JOBS:-2}

# The version of a source package: the one the installed Linux -dev package
# came from, else the newest apt knows.
source_version() {  # source-package linux-binary-package
  local v
  v=$(dpkg-query -W -f='${source:Version}' "$2" 2>/dev/null || true)
  if [[ -z "$v" ]]; then
    v=$(apt-cache showsrc "$1" | awk '/^Version:/{print $2}' | sort -V | tail -1)
  fi
  echo "$v"
}
openssl_v=$(source_version openssl libssl-dev)
sodium_v=$(source_version libsodium libsodium-dev)
boost_v=$(source_version boost1.81 libboost-program-options1.81-dev)
spdlog_v=$(source_version spdlog libspdlog-dev)
fmt_v=$(source_version fmtlib libfmt-dev)
gtest_v=$(source_version googletest googletest)
compiler_v=$($cxx -dumpfullversion)
key=$(printf 'gcc-%s openssl-%s sodium-%s boost-%s spdlog-%s fmt-%s gtest-%s' \
  "$compiler_v" "$openssl_v" "$sodium_v" "$boost_v" "$spdlog_v" "$fmt_v" "$gtest_v" | tr ' :~+' '_.-.')

cache=${VNET_WINDOWS_CACHE:-$HOME/.cache/vnet-windows}
prefix=$cache/deps-$key
work=$cache/work-$key
mkdir -p "$prefix/include" "$prefix/lib" "$work"
log=$work/build.log

step() {  # name command...: runs once per cache (stamp), output to the log
  local name=$1; shift
  [[ -f "$prefix/.done-$name" ]] && return 0
  echo "build-deps: $name (log: $log)" >&2
  local t0=$SECONDS
  if ! "$@" >>"$log" 2>&1; then
    echo "build-deps: $name failed; the end of $log:" >&2
    tail -30 "$log" >&2
    exit 1
  fi
  echo "build-deps: $name done in $((SECONDS - t0)) s" >&2
  touch "$prefix/.done-$name"
}

# apt-get source for NAME=VERSION into the work folder, falling back to the
# candidate version if that exact one is no longer downloadable.
fetch_source() {  # name version
  mkdir -p "$work/src-$1"
  cd "$work/src-$1"
  apt-get source --download-only "$1=$2" || apt-get source --download-only "$1"
}

orig_tarball() {  # name: the .orig tarball apt-get fetched
  ls "$work/src-$1"/*.orig.tar.* | head -1
}

build_openssl() {
  fetch_source openssl "$openssl_v"
  rm -rf "$work/openssl" && mkdir -p "$work/openssl"
  tar -xf "$(orig_tarball openssl)" -C "$work/openssl" --strip-components=1
  cd "$work/openssl"
  ./Configure mingw64 no-shared no-tests no-module --cross-compile-prefix=$host- \
    --prefix="$prefix" --libdir=lib CC=gcc-posix CXX=g++-posix
  make -j"$jobs" build_libs
  make install_dev
}

build_sodium() {
  fetch_source libsodium "$sodium_v"
  rm -rf "$work/sodium" && mkdir -p "$work/sodium"
  tar -xf "$(orig_tarball libsodium)" -C "$work/sodium" --strip-components=1
  cd "$work/sodium"
  [[ -x configure ]] || ./autogen.sh -s
  ./configure --host=$host CC=$cc --prefix="$prefix" --disable-shared --enable-static \
    --disable-dependency-tracking
  make -j"$jobs"
  make install
}

# Boost's headers are platform-neutral: copy Debian's (never put Linux's
# /usr/include itself on the MinGW include path). Program_options is the one
# compiled library vnet uses: its ten sources from the orig tarball.
build_boost() {
  rm -rf "$prefix/include/boost"
  cp -a /usr/include/boost "$prefix/include/boost"
  fetch_source boost1.81 "$boost_v"
  rm -rf "$work/boost" && mkdir -p "$work/boost"
  tar -xf "$(orig_tarball boost1.81)" -C "$work/boost" --strip-components=1 \
    --wildcards '*/libs/program_options/src/*'
  cd "$work/boost/libs/program_options/src"
  local objs=()
  for f in *.cpp; do
    [[ "$f" == winmain.cpp ]] && continue
    $cxx -std=c++20 -O2 -DBOOST_PROGRAM_OPTIONS_NO_LIB -I"$prefix/include" -c "$f" -o "${f%.cpp}.o"
    objs+=("${f%.cpp}.o")
  done
  rm -f "$prefix/lib/libboost_program_options.a"
  $host-ar rcs "$prefix/lib/libboost_program_options.a" "${objs[@]}"
}

# Header-only; Debian's tweakme.h makes spdlog use the external fmt, which is
# then compiled header-only too (FMT_HEADER_ONLY, SPDLOG_HEADER_ONLY).
copy_logging_headers() {
  rm -rf "$prefix/include/spdlog" "$prefix/include/fmt"
  cp -a /usr/include/spdlog "$prefix/include/spdlog"
  cp -a /usr/include/fmt "$prefix/include/fmt"
}

# Debian's googletest package ships the sources in /usr/src/googletest.
build_gtest() {
  local src=/usr/src/googletest
  rm -rf "$work/gtest" && mkdir -p "$work/gtest"
  cd "$work/gtest"
  local inc=(-I"$src/googletest/include" -I"$src/googletest" -I"$src/googlemock/include" -I"$src/googlemock")
  $cxx -std=c++20 -O2 "${inc[@]}" -c "$src/googletest/src/gtest-all.cc" -o gtest-all.o
  $cxx -std=c++20 -O2 "${inc[@]}" -c "$src/googletest/src/gtest_main.cc" -o gtest_main.o
  $cxx -std=c++20 -O2 "${inc[@]}" -c "$src/googlemock/src/gmock-all.cc" -o gmock-all.o
  $host-ar rcs "$prefix/lib/libgtest.a" gtest-all.o
  $host-ar rcs "$prefix/lib/libgtest_main.a" gtest_main.o
  $host-ar rcs "$prefix/lib/libgmock.a" gmock-all.o
  cp -a "$src/googletest/include/gtest" "$src/googlemock/include/gmock" "$prefix/include/"
}

step logging copy_logging_headers
step boost build_boost
step sodium build_sodium
step gtest build_gtest
step openssl build_openssl
echo "$prefix"
