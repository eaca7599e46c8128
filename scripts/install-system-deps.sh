#!/bin/sh
# Installs Debian's chromium (driven by Playwright with executable_path) and gdal-bin
# (ogrinfo) when they are missing. Needs root or sudo; prints what it does.
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v ogrinfo >/dev/null 2>&1 || need="$need gdal-bin"
fc-list 2>/dev/null | grep -qi dejavu || need="$need fonts-dejavu-core"
[ -z "$need" ] && exit 0
echo "installing Debian packages:$need"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need >/dev/null
