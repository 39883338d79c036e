#!/usr/bin/env bash
# `make package`: the desktop app as a .deb in dist/, with Briefcase and our template
# (packaging/linux-system). Briefcase's `linux system` runs on the system Python (/usr/bin/python3),
# so it gets its own venv (.venv-package). Prints how long each step took. docs/packaging.md.
set -euo pipefail
cd "$(dirname "$0")/.."

BRIEFCASE_VERSION=0.4.7
VENV=.venv-package
APP=teleconsult
# What Briefcase checks before a native `linux system` build, plus readelf (packaging/deb_depends.py).
packaging/apt-ensure.sh python3-dev python3-venv gcc g++ make libc6-dev dpkg-dev binutils

if [ ! -x "$VENV/bin/briefcase" ] || ! "$VENV/bin/briefcase" -V 2>/dev/null | grep -qx "$BRIEFCASE_VERSION"; then
  rm -rf "$VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "briefcase==$BRIEFCASE_VERSION"
fi

step() {  # step NAME COMMAND…: run it, print "NAME: N s"
  local name=$1 start=$EPOCHREALTIME
  shift
  "$@"
  awk -v n="$name" -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%s: %.1f s\n", n, e - s }' \
    | tee -a build/package-timings.txt
}

mkdir -p build
: > build/package-timings.txt
# `create --no-input` will not overwrite an existing bundle: start from a clean one.
rm -rf "build/$APP/debian"
step create "$VENV/bin/briefcase" create linux system --no-input
step build "$VENV/bin/briefcase" build linux system --no-input
step package "$VENV/bin/briefcase" package linux system --no-input --adhoc-sign -p deb

deb=$(ls -t dist/${APP}_*.deb | head -n1)
root=$(ls -d build/$APP/debian/*/$APP-*/ | head -n1)
size=$(/usr/bin/python3 packaging/deb_installed_size.py "$deb" "$root")
echo "Installed-Size: $size KiB"
ls -l "$deb"
dpkg-deb --field "$deb" Depends
