#!/bin/sh
# Installs Debian's chromium (driven by Playwright with executable_path), gdal-bin
# (ogrinfo), and PostgreSQL with PostGIS (the tests start a throw-away cluster of their
# own, tests/pgcluster.py) when they are missing. Needs root or sudo; prints what it does.
set -eu
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v ogrinfo >/dev/null 2>&1 || need="$need gdal-bin"
fc-list 2>/dev/null | grep -qi dejavu || need="$need fonts-dejavu-core"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$need postgresql"
# postgresql-postgis: PostGIS for Debian's default PostgreSQL (postgresql-15-postgis-3 on
# bookworm).
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 ||
    need="$need postgresql-postgis"
[ -z "$need" ] && exit 0
echo "installing Debian packages:$need"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $need >/dev/null
