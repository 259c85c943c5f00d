# Sourced by tests/compose/run.sh and tests/swarm/run.sh: a test that cannot find its Docker
# target skips loudly (exit 0) locally; under CI=true a skip is a failure (exit 3), so CI never
# reports green without having tested it.
#   loud_skip TEST WHAT-WAS-NOT-TESTED HINT REASON
loud_skip() {
  printf '\n%s\n' '########################################################################' >&2
  printf '#  %s SKIPPED: %s\n' "$1" "$4" >&2
  if [ "${CI:-}" = true ]; then
    printf '#  CI=true: a skipped %s fails the run.\n' "$1" >&2
    printf '%s\n\n' '########################################################################' >&2
    exit 3
  fi
  printf '#  %s was NOT tested. %s\n' "$2" "$3" >&2
  printf '%s\n\n' '########################################################################' >&2
  exit 0
}
