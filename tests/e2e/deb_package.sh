#!/usr/bin/env bash
# Builds the .deb with CPack from the build tree, checks its metadata and files, unpacks it
# and runs the packaged quire-cli --version.
# Usage: deb_package.sh BUILD_DIR VERSION
set -eu
build=$1
version=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$build" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/quire_*.deb)
echo "built $(basename "$deb")"

fields=$(dpkg-deb -f "$deb" Package Version Depends)
echo "$fields"
grep -q "^Package: quire$" <<<"$fields"
grep -q "^Version: $version$" <<<"$fields"
# shlibdeps must have found the libraries the binaries link.
grep -q "libc6" <<<"$fields"
grep -q "libfmt" <<<"$fields"

files=$(dpkg-deb -c "$deb")
grep -q "./usr/bin/quire-cli$" <<<"$files"
if grep -q "./usr/bin/quire$" <<<"$files"; then
  grep -q "libqt6widgets6" <<<"$fields"
  grep -q "qt6-qpa-plugins" <<<"$fields"
  grep -q "usr/share/applications/io.github.quire.Quire.desktop" <<<"$files"
  grep -q "usr/share/metainfo/io.github.quire.Quire.metainfo.xml" <<<"$files"
  grep -q "usr/share/icons/hicolor/scalable/apps/io.github.quire.Quire.svg" <<<"$files"
fi

dpkg-deb -x "$deb" "$work/root"
out=$("$work/root/usr/bin/quire-cli" --version)
echo "$out"
grep -q "^quire-cli $version$" <<<"$out"
echo "deb package ok"
