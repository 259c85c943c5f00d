#!/usr/bin/env bash
# The second node of the development pair (the two-node swarm test:swarm uses: two Docker engines in
# two network namespaces of one machine), crashed and restored: the commands given to
#   npm run bench -- --swarm --scenario node-crash \
#     --crash-node 'bash tests/swarm/pair-node.sh crash' --restore-node 'bash tests/swarm/pair-node.sh restore'
#
#   crash    the node's link goes down first (its peers hear nothing more, as from a machine that lost
#            power), then every process of the node is SIGKILLed at once: its engine, containerd, the
#            container shims and the containers. Nothing is stopped gracefully.
#   restore  the link comes back, then the pair's `up` starts the engine again and the node rejoins.
#
# The pair's layout (its script's defaults): network namespace swarm2, host end of the link swarm2-h,
# containers under the cgroup docker-swarm2. SWARM2 names the pair's script (default: beside the checkout).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
swarm2=${SWARM2:-$repo/../shared/tools/swarm2}
ns=${PAIR_NETNS:-swarm2} link=${PAIR_LINK:-swarm2-h} cgroup=${PAIR_CGROUP:-docker-swarm2}

case "${1:-}" in
  crash)
    ip link set "$link" down
    pids=$( { cat /sys/fs/cgroup/pids/"$cgroup"/*/cgroup.procs /sys/fs/cgroup/pids/"$cgroup"/cgroup.procs 2>/dev/null || true; ip netns pids "$ns"; } | sort -u)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    ;;
  restore)
    ip link set "$link" up
    "$swarm2" up >/dev/null
    ;;
  *)
    echo "usage: $0 crash|restore" >&2
    exit 2
    ;;
esac
