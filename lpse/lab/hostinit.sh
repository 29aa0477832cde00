#!/bin/sh
# PID 1 of a lab host's fresh mount/UTS/IPC/PID/cgroup namespaces, already inside its network
# namespace. Assembles the host's root (overlay of the shared read-only root fs and the host's own
# upper dir), the API filesystems a container needs, then becomes the host's systemd.
# Usage: hostinit.sh LOWER UPPER WORK MERGED HOSTNAME [IMAGE:MOUNTPOINT ...]
set -eu
lower=$1 upper=$2 work=$3 root=$4 name=$5
shift 5

mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
hostname "$name"
cd "$root"

# Data disks: ext4 images, loop-mounted in this namespace only (gone, and the loop device freed,
# when the host stops). Portable media (IMAGE:@medium) are attached to a loop device but not
# mounted; their device node is made in the host's /dev below (the lab detaches them at stop).
media=""
for disk in "$@"; do
    image=${disk%%:*} target=${disk#*:}
    if [ "$target" = "@medium" ]; then
        dev=$(losetup -j "$image" | cut -d: -f1 | head -n1)
        [ -n "$dev" ] || dev=$(losetup --find --show "$image")
        media="$media $dev"
        continue
    fi
    mkdir -p ".$target"
    mount -o loop,nosuid,nodev "$image" ".$target"
done

mount -t proc -o nosuid,nodev,noexec proc proc
# /proc/sys read-only (kernel-wide knobs are the machine's), except /proc/sys/net (per namespace).
mount --bind proc/sys proc/sys
mount -o remount,bind,ro proc/sys
mount --bind proc/sys/net proc/sys/net
# A bind mount inherits the read-only flag of the mount it comes from: make this one writable.
mount -o remount,bind,rw proc/sys/net
if [ -e proc/sysrq-trigger ]; then
    mount --bind proc/sysrq-trigger proc/sysrq-trigger
    mount -o remount,bind,ro proc/sysrq-trigger
fi

mount -t sysfs -o ro,nosuid,nodev,noexec sysfs sys
# The cgroup namespace's root is this host's own subtree: systemd manages only that.
mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 sys/fs/cgroup

mount -t tmpfs -o mode=755,nosuid,size=4m tmpfs dev
for n in null zero full random urandom tty; do
    : > "dev/$n"
    mount --bind "/dev/$n" "dev/$n"
done
for dev in $media; do
    # The same block device under the same name: loop device N is major 7, minor N.
    n=${dev#/dev/loop}
    mknod -m 660 "dev/loop$n" b 7 "$n"
done
mkdir -m 755 dev/pts dev/shm
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts dev/pts
ln -s pts/ptmx dev/ptmx
ln -s /proc/self/fd dev/fd
ln -s /proc/self/fd/0 dev/stdin
ln -s /proc/self/fd/1 dev/stdout
ln -s /proc/self/fd/2 dev/stderr
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs dev/shm
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs run
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs tmp

pivot_root . .
umount -l .
cd /
exec env -i container=lpse-lab PATH=/usr/sbin:/usr/bin:/sbin:/bin /lib/systemd/systemd
