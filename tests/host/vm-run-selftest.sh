#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Shows that scripts/vm-run can fail: it returns the guest command's status
# and output, and fails the run on a kernel report, a lost VM, a timeout
# and, on a kmemleak kernel, a leak scan that could not run.
set -u
vm_run=$(cd "$(dirname "$0")/../../scripts" && pwd)/vm-run
# Optional: --variant NAME, passed on to every vm-run.
variant=()
[ "${1:-}" != --variant ] || variant=(--variant "$2")
passed=0 failed=0 skipped=0

# expect NAME WANTED-STATUS GREP-PATTERN VM-RUN-ARGS...
expect() {
	local name=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$vm_run" "${variant[@]}" "$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -Eq "$pattern" <<<"$out"; then
		echo "ok: $name"
		passed=$((passed + 1))
	else
		echo "FAIL: $name: expected status $want and output matching '$pattern', got status $rc:"
		tail -n 15 <<<"$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
}

expect "exit status and output come back" 3 '^hello from the guest$' -- \
	sh -c 'echo hello from the guest; exit 3'
expect "host root is read-only, /tmp is writable" 0 '^ro ok$' -- \
	sh -c 'touch /tmp/x && ! touch /usr/vm-run-probe 2>/dev/null && echo ro ok'
expect "a kernel WARNING fails the run" 124 'guest kernel reported a problem' -- \
	sh -c 'echo "WARNING: CPU: 0 PID: 1 at vm-run-selftest" >/dev/kmsg'
expect "a VM that dies without a status fails the run" 125 'VM was lost' -- \
	sh -c 'echo b >/proc/sysrq-trigger; sleep 30'
expect "a VM that hangs is stopped and fails the run" 125 "did not finish within 12 s" --timeout 12 \
	-- sleep 600

# 4-level paging (vm-run's no5lvl): a KASAN kernel under 5-level paging
# reports false wild accesses early in boot (see vm-run).
expect "the guest runs with 4-level paging (no5lvl)" 0 '^4-level$' -- \
	sh -c 'grep -qw no5lvl /proc/cmdline && ! grep -qw la57 /proc/cpuinfo && echo 4-level'

# A kmemleak kernel (the debug variant) must not pass when its scan cannot run.
kdir=$("$(dirname "$vm_run")/build-kernel" "${variant[@]}" 2>/dev/null)
if grep -q '^CONFIG_DEBUG_KMEMLEAK=y' "$kdir/.config" 2>/dev/null; then
	VM_APPEND=kmemleak=off expect "a kmemleak kernel whose scan cannot run fails the run" 124 \
		'kmemleak, but its scan did not run' -- true
elif [ -f "$kdir/.config" ]; then
	echo "SKIP: a kmemleak kernel whose scan cannot run fails the run (this kernel has no kmemleak)"
	skipped=$((skipped + 1))
else
	echo "FAIL: the kernel's configuration is readable ($kdir)"
	failed=$((failed + 1))
fi

echo "runner: $passed passed, $failed failed, $skipped skipped"
((failed == 0))
