#!/usr/bin/env bash
# npm run test:swarm — docker-stack.yml on a two-node swarm, from a clean copy of the committed
# repository (git archive HEAD: what a fresh clone would deploy). Checks tasks on both nodes, a
# request served from each node, and a rolling deploy's physics (tests/swarm/swarm-stack.test.ts).
#
# Swarm: the one DOCKER_HOST/docker points at when it is a manager of >= 2 ready nodes
# (AUTHSCALE_SHIP = how the image reaches the other nodes, e.g. a push to your registry);
# else ../shared/tools/swarm2 (two engines on this machine: `swarm2 up`, images copied with
# `swarm2 load`, `swarm2 down` at the end if this script started it); else a LOUD skip (exit 0).
# Its own stack name, image tag and host ports; always ends with `npm run swarm -- rm`.
# Costs 269 s here at load average 17-26 (90 s copy, build + ship + deploy; 55 s rolling restart,
# 100 s the bench's rolling-deploy, 2 s exit-2 checks); 537 s at load 29-36.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
started=$(date +%s)

# shellcheck source=../support/loud-skip.sh
. "$repo/tests/support/loud-skip.sh"
skip() { loud_skip test:swarm docker-stack.yml 'Use a swarm manager with 2+ nodes, or provide ../shared/tools/swarm2.' "$1"; }

ready_nodes() { docker node ls --format '{{.Status}}' 2>/dev/null | grep -c Ready || true; }
started_pair=""
ship=${AUTHSCALE_SHIP:-}
swarm2=${SWARM2:-$repo/../shared/tools/swarm2}
if [ "$(ready_nodes)" -ge 2 ] && [ -z "$ship" ] && [ -x "$swarm2" ] && "$swarm2" status 2>/dev/null | grep -q '^node 2: engine [0-9]'; then
  ship="$swarm2 load \"\$AUTHSCALE_IMAGE\""   # the pair is already up: no registry, copy the image
elif [ "$(ready_nodes)" -lt 2 ]; then
  [ -x "$swarm2" ] || skip "no swarm manager with 2 ready nodes and no swarm2 at $swarm2"
  echo "test:swarm: no two-node swarm reachable, starting $swarm2 (stopped again at the end)" >&2
  started_pair=1
  eval "$("$swarm2" up)" || skip "swarm2 up failed"
  [ "$(ready_nodes)" -ge 2 ] || skip "swarm2 started but fewer than 2 nodes are ready"
  ship="$swarm2 load \"\$AUTHSCALE_IMAGE\""
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/authscale-swarm.XXXXXX")
git -C "$repo" archive HEAD | tar -x -C "$work"

# Host-mode ports bind every interface: pick ports free on all of them (0.0.0.0), or take the three
# given in AUTHSCALE_SWARM_TEST_PORTS ("P1 P2 P3": a port block of your own on a shared machine).
if [ -n "${AUTHSCALE_SWARM_TEST_PORTS:-}" ]; then read -r p_rr p_sticky p_hash <<<"$AUTHSCALE_SWARM_TEST_PORTS"; else
read -r p_rr p_sticky p_hash < <(node -e '
  const net = require("node:net");
  const free = (p) => new Promise((r) => { const s = net.createServer(); s.once("error", () => r(false)); s.listen(p, "0.0.0.0", () => s.close(() => r(true))); });
  (async () => { for (;;) { const b = 24000 + Math.floor(Math.random() * 500) * 10;
    if ((await free(b)) && (await free(b + 1)) && (await free(b + 2))) { console.log(b, b + 1, b + 2); return; } } })();')
fi
export AUTHSCALE_PORT_ROUND_ROBIN=$p_rr AUTHSCALE_PORT_STICKY=$p_sticky AUTHSCALE_PORT_HASH=$p_hash
export AUTHSCALE_STACK="authscale-test-$$"
# Its own image tag: never replaces the authscale:local of a stack you are running.
export AUTHSCALE_IMAGE=authscale:swarm-test
# Two replicas: one per node is enough to prove both nodes serve, and halves the rolling deploy.
export AUTHSCALE_REPLICAS=2

cleanup() {
  local rc=$?
  if [ $rc -ne 0 ]; then
    echo "test:swarm: failed; tasks and last logs:" >&2
    docker stack ps "$AUTHSCALE_STACK" --no-trunc >&2 || true
    docker service logs --tail 20 "${AUTHSCALE_STACK}_proxy" >&2 || true
  fi
  (cd "$work" && node dist/cluster/swarm-cli.js rm --stack "$AUTHSCALE_STACK") >/dev/null 2>&1 || true
  # The overlay network goes once the tasks are gone; wait so a next run can reuse the subnet.
  for _ in $(seq 30); do docker network ls --format '{{.Name}}' | grep -q "^${AUTHSCALE_STACK}_" || break; sleep 1; done
  rm -rf "$work"
  if [ -n "$started_pair" ]; then "$swarm2" down >/dev/null 2>&1 || true; fi
  echo "test:swarm: finished in $(( $(date +%s) - started )) s (exit $rc)" >&2
}
trap cleanup EXIT

echo "test:swarm: stack $AUTHSCALE_STACK, ports $p_rr-$p_hash" >&2
(cd "$work" && npm ci --no-audit --no-fund --silent && npm run swarm --silent -- deploy --stack "$AUTHSCALE_STACK" ${ship:+--ship "$ship"})
echo "test:swarm: deployed after $(( $(date +%s) - started )) s" >&2

cd "$repo"
# The bench and npm run rolling-restart run from the clean copy (built by the deploy above).
AUTHSCALE_SWARM_DIR=$work npx jest --config jest.swarm.config.js --testTimeout 600000
