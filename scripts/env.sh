# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts: where the toolchain and caches live.
# Sourced, never run. Every value can be overridden from the environment.

TARPIT_CACHE=${TARPIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xt_TARPIT}

# The kernel needs rustc with the `core` sources; rustup's rustc on PATH has
# none, so always name Debian's rustc-web explicitly.
RUSTC=${RUSTC:-/usr/bin/rustc}
HOSTRUSTC=${HOSTRUSTC:-/usr/bin/rustc}
RUST_LIB_SRC=${RUST_LIB_SRC:-$(ls -d /usr/src/rustc-*/library 2>/dev/null | sort -V | tail -n 1 || true)}
LLVM_DIR=${LLVM_DIR:-/usr/lib/llvm-19}
LIBCLANG_PATH=${LIBCLANG_PATH:-$LLVM_DIR/lib}
BINDGEN_VERSION=${BINDGEN_VERSION:-0.72.1}
BINDGEN=${BINDGEN:-$TARPIT_CACHE/bindgen-$BINDGEN_VERSION/bin/bindgen}
# cargo-fuzz drives libFuzzer over the shared logic (scripts/fuzz-logic).
CARGO_FUZZ_VERSION=${CARGO_FUZZ_VERSION:-0.13.2}
CARGO_FUZZ=${CARGO_FUZZ:-$TARPIT_CACHE/cargo-fuzz-$CARGO_FUZZ_VERSION/bin/cargo-fuzz}

# Which Debian kernel source to build the test kernel from. "auto" picks the
# newest linux-source-* that Debian's unstable suite offers.
KERNEL_LINE=${KERNEL_LINE:-auto}

# Not RUSTC: cargo would honour it, and the host crates are built with the
# machine's own toolchain. The kernel's make gets RUSTC as an argument.
export TARPIT_CACHE LIBCLANG_PATH

TARPIT_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# module_build_dir KDIR: where the module for the kernel at KDIR is built
# (its release and a hash of the path: two trees may share a release).
module_build_dir() {
	local release
	release=$(cat "$1/include/config/kernel.release" 2>/dev/null) || release=unknown
	echo "$TARPIT_REPO/build/module/$release-$(printf %s "$1" | sha256sum | cut -c1-8)"
}

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { log "error: $*"; exit 1; }
