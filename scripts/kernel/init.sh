#!/bin/sh
# /init of the test guest's initramfs (busybox sh). Built into .cache/kernel/initramfs.cpio.gz by prepare.sh;
# run-guest.sh boots it. It:
#   1. loads the modules listed in /etc/modules-base (virtio, 9p, ...),
#   2. mounts the "out" 9p share (the host's writable run directory) and reads .harness/conf from it,
#   3. mounts the "hostroot" 9p share (the host's / read-only) on /newroot with proc, sys, dev, tmpfs /tmp, /run,
#      and binds the run directory at the same absolute path as on the host,
#   4. loads $GUEST_MODULES, chroots into /newroot and runs .harness/wrapper.sh (written by run-guest.sh),
#   5. powers the guest off. PID 1 stays in the initramfs: the kernel's request_module() and the modprobe
#      wrappers in /run/guest/bin use the initramfs' busybox modprobe and its lib/modules.
# Console markers read by run-guest.sh: GUEST-READY <uptime>, GUEST-DONE <uptime>, GUEST-FAILED <reason>.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# Only emergencies on the console from here on; dmesg keeps everything.
echo 1 > /proc/sys/kernel/printk

KV=$(cat /etc/kernel-version)
MODDIR=/lib/modules/$KV

die() {
  echo "GUEST-FAILED $*"
  dmesg | tail -n 30
  sync
  poweroff -f
  sleep 10
  echo o > /proc/sysrq-trigger
}

while read -r m; do
  insmod "$MODDIR/$m" || die "insmod $m"
done < /etc/modules-base

# virtio devices are probed asynchronously with respect to insmod returning in some configurations: wait a bit.
i=0
while [ ! -d /sys/bus/virtio/drivers/9pnet_virtio ] || [ -z "$(ls /sys/bus/virtio/drivers/9pnet_virtio | grep virtio)" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && die "no virtio 9p devices"
  sleep 0.1
done

P9='trans=virtio,version=9p2000.L,msize=512000'
mount -t 9p -o "$P9" out /out || die "mount out share"
[ -f /out/.harness/conf ] || die "no .harness/conf in the out share"
. /out/.harness/conf

# cache=loose: the host's root is read-only for the guest and nothing on it is expected to change during the
# guest's short life; caching makes node's module loading noticeably faster over 9p.
mount -t 9p -o "$P9,ro,cache=${GUEST_9P_CACHE:-loose}" hostroot /newroot || die "mount hostroot share"
R=/newroot
mount -t proc proc $R/proc || die "mount proc"
mount -t sysfs sysfs $R/sys || die "mount sys"
mount -t devtmpfs devtmpfs $R/dev || die "mount dev"
mkdir -p $R/dev/pts $R/dev/shm
# devtmpfs has no /dev/fd (udev makes it on a normal boot): bash's <(...) and /dev/stdin need it.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm
mount -t tmpfs -o mode=1777 tmpfs $R/tmp || die "mount /tmp"
mount -t tmpfs -o mode=755 tmpfs $R/run || die "mount /run"
for d in $GUEST_TMPFS; do
  mount -t tmpfs -o mode=755 tmpfs "$R$d" || die "mount tmpfs on $d (it must exist on the host)"
done
# The working directory (the repository) at its own path, read-only: under /tmp or /run it would otherwise be
# hidden by the tmpfs mounted there. Mounted before the out share, which may lie inside it
# (.cache/kernel-runs/...). On the read-only host root the directory exists already.
mkdir -p "$R$GUEST_REPO" 2>/dev/null
mount -t 9p -o "$P9,ro,cache=${GUEST_9P_CACHE:-loose}" repo "$R$GUEST_REPO" || die "mount the repo share at $GUEST_REPO"
mkdir -p "$R$GUEST_OUT" 2>/dev/null
mount -o bind /out "$R$GUEST_OUT" || die "bind the out share at $GUEST_OUT (it must exist on the host)"
mkdir -p $R/run/lock $R/run/netns $R/tmp/home

# The host's root has no lib/modules for this kernel (and possibly no kmod): module tools run from the initramfs.
mkdir -p $R/run/guest/bin
for t in modprobe insmod rmmod lsmod modinfo; do
  printf '#!/bin/sh\nexec chroot /proc/1/root /sbin/%s "$@"\n' $t > $R/run/guest/bin/$t
  chmod 755 $R/run/guest/bin/$t
done

for m in $GUEST_MODULES; do
  modprobe "$m" || die "modprobe $m"
done

hostname guest
ip link set lo up

echo "GUEST-READY $(cut -d' ' -f1 /proc/uptime)"
chroot $R /usr/bin/env -i \
  PATH=/run/guest/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  HOME=/tmp/home TERM=dumb LANG=C.UTF-8 \
  /bin/sh "$GUEST_OUT/.harness/wrapper.sh" < /dev/null
rc=$?
echo "GUEST-DONE $(cut -d' ' -f1 /proc/uptime) wrapper=$rc"

sync
umount "$R$GUEST_OUT" 2>/dev/null
umount /out 2>/dev/null
poweroff -f
sleep 10
echo o > /proc/sysrq-trigger
