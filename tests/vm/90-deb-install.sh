#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (make deb) as an admin uses them, on the booted test
# kernel: in a writable overlay of the root filesystem, the test kernel's
# build tree (with its Rust artifacts) becomes /lib/modules/<release>/build,
# dpkg installs both packages, DKMS builds and installs the module, modprobe
# loads it, a TARPIT rule using the packaged extension answers a connection
# as tarpit mode must, and purging the packages removes the module. Kernels
# DKMS must not or cannot build for are refused with a message saying why.
. "$(dirname "$0")/lib.sh"

release=$(uname -r)
debs=("$repo"/build/deb/xt-tarpit-dkms_*_all.deb "$repo"/build/deb/xt-tarpit_*_"$(dpkg --print-architecture)".deb)
for deb in "${debs[@]}"; do
	[ -f "$deb" ] || { fail "the packages exist (make deb): no $deb"; finish; }
done
version=$(dpkg-deb -f "${debs[0]}" Version)
[ -n "${TARPIT_KDIR:-}" ] && [ -d "$TARPIT_KDIR/rust" ] ||
	{ fail "the test kernel's build tree is known (TARPIT_KDIR=${TARPIT_KDIR:-})"; finish; }

# A root filesystem to install into: the host's, read-only, under a tmpfs.
root=/mnt/deb-root
mkdir -p /mnt/overlay "$root"
mount -t tmpfs tmpfs /mnt/overlay && mkdir /mnt/overlay/upper /mnt/overlay/work &&
	mount -t overlay overlay -o lowerdir=/,upperdir=/mnt/overlay/upper,workdir=/mnt/overlay/work "$root" ||
	{ fail "a writable overlay of the root filesystem is mounted"; finish; }
for dir in /proc /sys /dev /tmp /run; do mount --rbind "$dir" "$root$dir"; done
cleanup_root() {
	rmmod xt_TARPIT 2>/dev/null
	umount -R "$root" 2>/dev/null || umount -l "$root"
	umount /mnt/overlay
}
trap cleanup_root EXIT
not() { ! "$@"; }
# The failed build's log has dkms-build's reason and no make run.
no_make_ran() { grep -q "xt-tarpit: cannot" "$1" && ! grep -q "Entering directory" "$1"; }
in_root() { chroot "$root" env -u XTABLES_LIBDIR DEBIAN_FRONTEND=noninteractive "$@"; }

# The kernel's modules directory as its linux-image and linux-headers
# packages would leave it (everything else is built in).
mkdir -p "$root/lib/modules/$release"
cp "$TARPIT_KDIR"/modules.builtin "$TARPIT_KDIR"/modules.builtin.modinfo "$TARPIT_KDIR"/modules.order \
	"$root/lib/modules/$release/"
ln -s "$TARPIT_KDIR" "$root/lib/modules/$release/build"
in_root depmod "$release"
# No manual page index rebuild under TCG: it takes minutes and tests nothing.
echo 'man-db man-db/auto-update boolean false' | in_root debconf-set-selections

echo "--- dpkg -i ${debs[*]##*/}"
start=$SECONDS
# dkms finds bindgen through BINDGEN (the packages' README: any bindgen the
# kernel's version or newer), rustc and clang where Debian puts them.
bindgen=$(ls "$TARPIT_CACHE"/bindgen-*/bin/bindgen | tail -n 1)
out=$(in_root env BINDGEN="$bindgen" dpkg -i "${debs[@]}" 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check "dpkg installs both packages (in $((SECONDS - start)) s)" test "$rc" = 0
build_log=$root/var/lib/dkms/xt-tarpit/$version/$release/$(uname -m)/log/make.log
check "DKMS's build said which toolchain it uses (make.log)" \
	grep -q "xt-tarpit: building for kernel $release with rustc" "$build_log"
grep -h "^xt-tarpit: " "$build_log" 2>/dev/null | sed 's/^/    /'
status=$(in_root dkms status 2>&1)
echo "    dkms status: $status"
check "dkms status shows the module built and installed for $release" \
	grep -q "^xt-tarpit/$version, $release, [^:]*: installed" <<<"$status"
installed=$root/lib/modules/$release/updates/dkms/xt_TARPIT.ko
check "the module is installed under /lib/modules/$release/updates" test -f "$installed"
check "modinfo finds it there" test "$(in_root modinfo -n xt_TARPIT)" = "/lib/modules/$release/updates/dkms/xt_TARPIT.ko"
check "the man page is installed" test -f "$root/usr/share/man/man8/xt_TARPIT.8.gz"
xtlib=$(pkg-config --variable=xtlibdir xtables)
check "the extension is installed in $xtlib" test -f "$root$xtlib/libxt_TARPIT.so"

# From here on the host side of the guest uses what the packages installed.
check "modprobe xt_TARPIT loads it" in_root modprobe xt_TARPIT
check "the loaded module is the packaged one" loaded_is "$installed"
export XTABLES_LIBDIR=$root$xtlib
setup_hosts || { fail "the test namespaces are set up"; finish; }
for v in $IPTABLES_VARIANTS; do
	s1_answers "iptables-$v" "$CLI4" "$SRV4"
done
cleanup_hosts
trap cleanup_root EXIT

echo "--- kernels DKMS must not or cannot build for"
# A kernel without Rust: BUILD_EXCLUSIVE_CONFIG makes DKMS skip it (77).
# A kernel with Rust whose build tree lacks the Rust artifacts (Debian's
# headers packages): dkms-build says so before any compiler runs.
fake=$root/usr/src/fake-headers
# (DKMS takes a directory with include/ for a kernel's headers.)
mkdir -p "$fake/norust/include" "$fake/noartifacts/include"
grep -v '^CONFIG_RUST=' "$TARPIT_KDIR/.config" >"$fake/norust/.config"
cp "$TARPIT_KDIR/.config" "$fake/noartifacts/.config"
for k in norust noartifacts; do
	mkdir -p "$root/lib/modules/9.9.9-$k"
	ln -s "/usr/src/fake-headers/$k" "$root/lib/modules/9.9.9-$k/build"
done
out=$(in_root env BINDGEN="$bindgen" dkms build -m xt-tarpit -v "$version" -k 9.9.9-norust 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check "DKMS skips a kernel without CONFIG_RUST (exit 77, got $rc)" test "$rc" = 77
check "and says it is excluded by BUILD_EXCLUSIVE" grep -q "BUILD_EXCLUSIVE directive which does not match" <<<"$out"
out=$(in_root env BINDGEN="$bindgen" dkms build -m xt-tarpit -v "$version" -k 9.9.9-noartifacts 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check "DKMS fails for a build tree without Rust artifacts (got $rc)" test "$rc" != 0
check "and says why it cannot prepare them, in its own output" \
	grep -q "xt-tarpit: cannot prepare the Rust artifacts for kernel 9.9.9-noartifacts: no linux-headers-9.9.9-noartifacts package" <<<"$out"
check "make.log has the reason, and no make ran" no_make_ran "$root/var/lib/dkms/xt-tarpit/$version/build/make.log"
rm -rf "$root/lib/modules/9.9.9-"* "$fake"

echo "--- dpkg --purge"
unload_module
out=$(in_root dpkg --purge xt-tarpit xt-tarpit-dkms 2>&1)
rc=$?
echo "$out" | sed 's/^/    /'
check "dpkg purges both packages" test "$rc" = 0
check "the module is gone from /lib/modules/$release" test ! -e "$installed"
check "modprobe no longer finds it" not in_root modprobe -n xt_TARPIT
check "dkms no longer lists it" test -z "$(in_root dkms status 2>&1)"
check "its sources are gone" test ! -e "$root/usr/src/xt-tarpit-$version"
finish
