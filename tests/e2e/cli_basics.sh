#!/usr/bin/env bash
# quire-cli as a script sees it: --version, --help, exit codes, paths with QUIRE_HOME.
# Usage: cli_basics.sh PATH/TO/quire-cli
set -u
cli=$1
source "$(dirname "$0")/check_lib.sh"

out=$("$cli" --version); rc=$?
check "--version exits 0" test $rc -eq 0
check "--version names the program and version" grep -qE '^quire-cli [0-9]+\.[0-9]+\.[0-9]+$' <<<"$(head -1 <<<"$out")"
check "--version lists the backends" grep -qE '^backends: cpu' <<<"$out"

out=$("$cli" --help); rc=$?
check "--help exits 0" test $rc -eq 0
check "--help lists the paths command" grep -q 'paths' <<<"$out"
check "--help mentions QUIRE_HOME" grep -q 'QUIRE_HOME' <<<"$out"

"$cli" --no-such-option >/dev/null 2>&1; rc=$?
check "an unknown option exits 2" test $rc -eq 2
"$cli" >/dev/null 2>&1; rc=$?
check "no command exits 2" test $rc -eq 2

home=$(mktemp -d)
out=$(QUIRE_HOME="$home" "$cli" paths --json); rc=$?
check "paths --json exits 0" test $rc -eq 0
check "paths --json is JSON with the database under QUIRE_HOME" \
  /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["database"]==sys.argv[2]+"/quire.db", d' "$out" "$home"
out=$(env -u HOME -u QUIRE_HOME "$cli" paths 2>&1); rc=$?
check "paths without HOME exits 3 and says what to set" test $rc -eq 3
check "  ...and the message names QUIRE_HOME" grep -q QUIRE_HOME <<<"$out"
rm -rf "$home"

finish
