# Shared by the e2e scripts (source it): `check NAME COMMAND...` runs COMMAND and records whether
# it succeeded; `finish` prints "N passed, N failed" and exits non-zero when any check failed.
passes=0
fails=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then
    echo "ok   $name"; passes=$((passes + 1))
  else
    echo "FAIL $name"; fails=$((fails + 1))
  fi
}
finish() {
  echo "$passes passed, $fails failed"
  exit $((fails > 0))
}
