# SPDX-License-Identifier: GPL-2.0
# One target per thing a user does:
#   make            build xt_TARPIT.ko and libxt_TARPIT.so
#   make check      host tests and VM tests (installs what is missing)
#   make check-debug the same on the debug kernel (KASAN, lockdep, kmemleak),
#                   with the full fuzzing, flood and churn runs
#   make check-distro our packages on Debian's own kernel (DKMS prepares its
#                   Rust artifacts), booted in the VM
#   make fuzz-logic coverage-guided fuzzing of the logic (FUZZ_SECONDS=600)
#   make demo       the tarpit shown in the test VM
#   make bench      per-packet cost, memory per held connection and scanner
#                   slowdown, against the C TARPIT, REJECT and DROP (figures)
#   make deb        Debian packages: xt-tarpit-dkms (module source) and xt-tarpit
#                   (iptables extension, man page), checked by lintian
#   make install    install the module and the iptables extension
#   make dkms-install  the module's source for DKMS, built for the running
#                   kernel and after every kernel update (any distribution)
#   make clean
#
# KDIR is the kernel build tree the module is built against; by default the
# test kernel, which scripts/build-kernel builds once and caches.
KDIR ?=
VARIANT ?=
export KDIR

XTLIBDIR := build/xtables

all: module extension

module:
	@KDIR="$(or $(KDIR),$$(scripts/build-kernel $(if $(VARIANT),--variant $(VARIANT))))" scripts/build-module

extension:
	cargo build --release --locked -p libxt-tarpit
	@mkdir -p $(XTLIBDIR)
	cp target/release/libxt_tarpit.so $(XTLIBDIR)/libxt_TARPIT.so

# The raw-frame fuzzer and flooder the VM tests run (tests/wire).
test-tools:
	cargo build --release --locked -p tarpit-wire

check:
	@scripts/check

check-debug:
	@TARPIT_SCALE=full scripts/check --variant debug

check-distro:
	@scripts/check-distro

FUZZ_SECONDS ?= 600
fuzz-logic:
	scripts/fuzz-logic --seconds $(FUZZ_SECONDS)

demo: all
	scripts/vm-run -- tests/vm/demo.sh

bench:
	@scripts/bench

deb:
	@scripts/make-deb

install: all
	scripts/build-module modules_install
	install -D -m 0644 $(XTLIBDIR)/libxt_TARPIT.so \
		$(DESTDIR)$(shell pkg-config --variable=xtlibdir xtables)/libxt_TARPIT.so

dkms-install:
	scripts/dkms-install

clean:
	rm -rf build target
	# What in-tree builds (before build/module/) left behind.
	rm -f *.ko *.mod *.mod.c *.o .*.cmd modules.order Module.symvers rust/*.o rust/.*.cmd \
		rust/bindings_generated.rs

.PHONY: all module extension test-tools check check-debug check-distro fuzz-logic demo bench deb install dkms-install clean
