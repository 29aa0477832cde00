#!/bin/sh
# Supervisor of one lab host, started detached by `lpse lab up`. Boots the host in its network
# namespace and boots it again when the host reboots (systemd inside exits, unshare returns 129);
# any other exit (poweroff: 130) ends the supervisor.
# Usage: supervise.sh CGROUP_DIR NETNS HOSTINIT LOWER UPPER WORK MERGED HOSTNAME [DISK...]
set -u
cg=$1 netns=$2 init=$3
shift 3
echo $$ > "$cg/supervisor/cgroup.procs"
while :; do
    echo "$(date -Is) booting $5"
    # The host runs in its own cgroup (its cgroup namespace root), apart from this supervisor.
    sh -c 'echo $$ > "$1/host/cgroup.procs"; shift; exec "$@"' sh "$cg" \
        ip netns exec "$netns" unshare --mount --uts --ipc --pid --cgroup --fork --kill-child \
        --propagation private "$init" "$@"
    rc=$?
    echo "$(date -Is) host exited with status $rc"
    [ "$rc" -eq 129 ] || exit "$rc"
    sleep 0.2
done
