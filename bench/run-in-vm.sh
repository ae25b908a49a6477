#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VM side of make bench: what the machine is, then the three parts.
# Results go to $BENCH_OUT (the run directory shared with the host).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_OUT=${BENCH_OUT:-/run/vmrun/bench}
mkdir -p "$BENCH_OUT"
{
	echo "host: $TARPIT_HOST_CPU; $TARPIT_HOST_CORES"
	echo "VM: $(nproc) vCPUs, $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo), accelerator $TARPIT_VM_ACCEL"
	echo "guest kernel: $(uname -r); C TARPIT: $(basename "$(dirname "$TARPIT_C_KO")")"
} | tee "$BENCH_OUT/machine.txt"
for part in ${TARPIT_BENCH_PARTS:-packets memory scanner}; do
	start=$SECONDS
	"$here/$part.sh" || { echo "bench: $part failed"; exit 1; }
	echo "bench: $part took $((SECONDS - start)) s"
done
