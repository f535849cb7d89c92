#!/usr/bin/env bash
# The .desktop file and the AppStream metainfo pass their validators (no network).
set -eu
dir=$1
desktop-file-validate "$dir/io.github.quire.Quire.desktop"
appstreamcli validate --no-net --pedantic "$dir/io.github.quire.Quire.metainfo.xml"
echo "desktop metadata valid"
