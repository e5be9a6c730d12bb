#!/usr/bin/env bash
# Installs what the Windows cross-build needs (MinGW-w64 GCC, Wine to run the
# result, autotools for libsodium) and adds deb-src entries so the
# dependencies can be built from Debian's own source packages. Idempotent: a
# fast no-op when everything is present.
set -euo pipefail

packages=(g++-mingw-w64-x86-64-posix wine64 wine autoconf automake libtool dpkg-dev unzip zip xz-utils)

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo_cmd=(sudo)
  else
    echo "install-toolchain: not root and sudo is not available" >&2
    exit 1
  fi
fi

updated=0
update_once() {
  if ((updated == 0)); then
    "${sudo_cmd[@]}" apt-get update -qq
    updated=1
  fi
}

# deb-src entries for the suites apt already uses (bookworm's sources are in
# deb822 form in debian.sources; older systems use sources.list lines).
has_deb_src() {
  grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}
if ! has_deb_src; then
  echo "install-toolchain: adding deb-src entries (/etc/apt/sources.list.d/vnet-deb-src.sources)" >&2
  codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
  "${sudo_cmd[@]}" tee /etc/apt/sources.list.d/vnet-deb-src.sources >/dev/null <<SRC
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: ${codename} ${codename}-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: ${codename}-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  update_once
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  echo "install-toolchain: installing ${missing[*]}" >&2
  update_once
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
