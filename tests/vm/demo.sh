#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: shows the module in the test VM. Runs as root in the guest.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

echo "Test VM: kernel $(uname -r)"
run insmod "$repo/xt_TARPIT.ko"
run sh -c 'lsmod | grep -E "^(Module|xt_TARPIT)"'
run modinfo "$repo/xt_TARPIT.ko"
run rmmod xt_TARPIT
run sh -c 'dmesg | grep xt_TARPIT'
