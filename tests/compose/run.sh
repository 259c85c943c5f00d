#!/usr/bin/env bash
# npm run test:compose — the kill experiment against `docker compose up --build`, from a clean
# copy of the committed repository (git archive HEAD: what a fresh clone would build).
#
# Engine: the one DOCKER_HOST/docker points at; else ../shared/tools/docker-sandbox up; else a
# LOUD skip (exit 0). Runs under its own compose project name, host ports and subnet, so it never
# clashes with a cluster you are running, and always ends with `docker compose down -v`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)

# shellcheck source=../support/loud-skip.sh
. "$repo/tests/support/loud-skip.sh"
skip() { loud_skip test:compose docker-compose.yml 'Install Docker or provide ../shared/tools/docker-sandbox.' "$1"; }

if ! docker info >/dev/null 2>&1; then
  sandbox=${DOCKER_SANDBOX:-$repo/../shared/tools/docker-sandbox}
  [ -x "$sandbox" ] || skip "no Docker engine reachable and no docker-sandbox at $sandbox"
  echo "test:compose: no engine reachable, starting $sandbox" >&2
  eval "$("$sandbox" up)" || skip "docker-sandbox up failed"
  docker info >/dev/null 2>&1 || skip "docker-sandbox started but the engine does not answer"
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else skip "neither 'docker compose' nor 'docker-compose' is installed"; fi

work=$(mktemp -d "${TMPDIR:-/tmp}/authscale-compose.XXXXXX")
project="${AUTHSCALE_TEST_PROJECT:-authscale-test}-$$"
git -C "$repo" archive HEAD | tar -x -C "$work"

# Free host ports below the ephemeral range (the frontends of a free block of the ports table,
# common/ports.ts), and a subnet nobody else on this engine uses.
[ -f "$repo/dist/common/ports.js" ] || (cd "$repo" && npm run build >/dev/null)
# The proxy's, HAProxy's and nginx's frontends of one free block; AUTHSCALE_COMPOSE_TEST_PORTS="P1 … P9"
# takes nine ports of your own instead (a shared machine): the proxy's three, then HAProxy's, then nginx's.
# A tenth port, optional, for the latency injector's control API (the distance override's test); else a free one.
if [ -n "${AUTHSCALE_COMPOSE_TEST_PORTS:-}" ]; then read -r p_rr p_sticky p_hash h_rr h_sticky h_hash n_rr n_sticky n_hash p_latency <<<"$AUTHSCALE_COMPOSE_TEST_PORTS"; else
read -r p_rr p_sticky p_hash h_rr h_sticky h_hash n_rr n_sticky n_hash p_latency < <(node -e '
  const ports = require(process.argv[1]);
  ports.freePortBase().then((b) => console.log(...["frontends", "haproxyFrontends", "nginxFrontends"].flatMap((r) => [0, 1, 2].map((i) => ports.portOf(b, r, i))), ports.portOf(b, "latencyControl", 0)));' "$repo/dist/common/ports.js")
fi
[ -n "${p_latency:-}" ] || p_latency=$(node -e 'require(process.argv[1]).freePort().then((p) => console.log(p))' "$repo/dist/common/ports.js")
used_subnets=$(docker network inspect $(docker network ls -q) --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' 2>/dev/null || true)
for _ in $(seq 50); do
  octet=$((RANDOM % 200 + 30))
  case " $used_subnets " in *" 172.29.$octet.0/24 "*) continue ;; *) break ;; esac
done
export AUTHSCALE_PORT_ROUND_ROBIN=$p_rr AUTHSCALE_PORT_STICKY=$p_sticky AUTHSCALE_PORT_HASH=$p_hash
export AUTHSCALE_PORT_HAPROXY_ROUND_ROBIN=$h_rr AUTHSCALE_PORT_HAPROXY_STICKY=$h_sticky AUTHSCALE_PORT_HAPROXY_HASH=$h_hash
export AUTHSCALE_PORT_NGINX_ROUND_ROBIN=$n_rr AUTHSCALE_PORT_NGINX_STICKY=$n_sticky AUTHSCALE_PORT_NGINX_HASH=$n_hash
export AUTHSCALE_PORT_LATENCY=$p_latency
export AUTHSCALE_SUBNET="172.29.$octet.0/24" AUTHSCALE_GATEWAY="172.29.$octet.1"
export COMPOSE_PROJECT_NAME=$project
# Its own image tag: never replaces the authscale:local of a stack you are running (and keeps its build cache).
export AUTHSCALE_IMAGE=${AUTHSCALE_COMPOSE_TEST_IMAGE:-authscale:compose-test} AUTHSCALE_LB_IMAGE=${AUTHSCALE_COMPOSE_TEST_LB_IMAGE:-authscale-lb:compose-test}

dc() { (cd "$work" && "${compose[@]}" -p "$project" "$@"); }
cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then echo "test:compose: failed; last logs:" >&2; dc logs --tail=30 >&2 || true; fi
  dc --profile haproxy --profile nginx --profile scale down -v --remove-orphans >/dev/null 2>&1 || true
  rm -rf "$work"
  echo "test:compose: finished in $(( $(date +%s) - started )) s (exit $rc)" >&2
}
trap cleanup EXIT

echo "test:compose: project $project, ports $p_rr-$p_hash, subnet $AUTHSCALE_SUBNET" >&2
# HAProxy and nginx too (their profiles): the kill experiment runs through each of them as well.
dc --profile haproxy --profile nginx up --build -d

# docker-compose v1 exits 0 on flags it does not know: check that containers really run and turn healthy.
services=(redis app1 app2 app3 proxy haproxy nginx)
deadline=$(( $(date +%s) + 180 ))
while :; do
  healthy=0
  for s in "${services[@]}"; do
    id=$(dc ps -q "$s" 2>/dev/null || true)
    [ -n "$id" ] && [ "$(docker inspect -f '{{.State.Health.Status}}' "$id" 2>/dev/null)" = healthy ] && healthy=$((healthy + 1))
  done
  [ "$healthy" -eq "${#services[@]}" ] && break
  if [ "$(date +%s)" -gt "$deadline" ]; then echo "test:compose: only $healthy of ${#services[@]} services healthy after 180 s" >&2; dc ps >&2; exit 1; fi
  sleep 2
done
echo "test:compose: all ${#services[@]} services healthy after $(( $(date +%s) - started )) s" >&2

cd "$repo"
# The kill experiment, then `npm run bench -- --compose --quick` against the same stack, at its
# production settings (hash cost 17), with the physics of the local bench test and a Ctrl-C check.
AUTHSCALE_COMPOSE_DIR=$work AUTHSCALE_COMPOSE_CMD="${compose[*]}" \
  npx jest --config jest.compose.config.js --runInBand --runTestsByPath tests/compose/compose-cluster.test.ts --testTimeout 60000
# Then `npm run bench -- --compose --quick` against the same stack at its production settings
# (hash cost 17): every claim measured, the physics of the local bench test, at most 6 minutes,
# and a Ctrl-C that undoes its fault; then the extra scenarios on this stack: failover-redis's HA
# variant and distance refused with the override to merge (~4 s), and failover-redis's single-Redis
# variant run (43 s on a quiet machine; AUTHSCALE_COMPOSE_FAILOVER=0 leaves it out).
# AUTHSCALE_COMPOSE_BENCH=0 leaves all of it out (the kill experiment alone).
if [ "${AUTHSCALE_COMPOSE_BENCH:-1}" != 0 ]; then
  bench_started=$(date +%s)
  AUTHSCALE_COMPOSE_FAILOVER=${AUTHSCALE_COMPOSE_FAILOVER:-1} \
  AUTHSCALE_COMPOSE_DIR=$work AUTHSCALE_COMPOSE_CMD="${compose[*]}" \
    npx jest --config jest.compose.config.js --runInBand --runTestsByPath tests/compose/compose-bench.test.ts
  echo "test:compose: the compose bench test took $(( $(date +%s) - bench_started )) s" >&2
else
  echo "test:compose: the compose bench test (bench --compose --quick, the physics, Ctrl-C) was left out: AUTHSCALE_COMPOSE_BENCH=0" >&2
fi
# After the kill experiment and the bench, never beside them: this one creates app4 (with a quota) and removes it.
AUTHSCALE_COMPOSE_DIR=$work AUTHSCALE_COMPOSE_CMD="${compose[*]}" \
  npx jest --config jest.compose.config.js --runInBand --runTestsByPath tests/compose/cpu-quota.test.ts --testTimeout 120000
# Last, since they change the stack, the overrides as a user merges them: restarted with
# -f docker-compose.distance.yml (the latency injector), then distance on the Redis path at 0 and 2 ms;
# then with -f docker-compose.ha.yml (redis2, three Sentinels), then failover-redis's ha-cut-off variant
# (promotion, replicas following, the exact loss). AUTHSCALE_COMPOSE_OVERRIDES=0 leaves both out.
if [ "${AUTHSCALE_COMPOSE_OVERRIDES:-1}" != 0 ]; then
  for t in compose-distance compose-ha; do
    t_started=$(date +%s)
    AUTHSCALE_COMPOSE_DIR=$work AUTHSCALE_COMPOSE_CMD="${compose[*]}" \
      npx jest --config jest.compose.config.js --runInBand --runTestsByPath "tests/compose/$t.test.ts"
    echo "test:compose: $t took $(( $(date +%s) - t_started )) s" >&2
  done
else
  echo "test:compose: the override tests (distance, HA) were left out: AUTHSCALE_COMPOSE_OVERRIDES=0" >&2
fi
