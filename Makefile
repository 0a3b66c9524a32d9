# SPDX-License-Identifier: GPL-2.0-only
#
# azlxnet: build everything, run the demo, the tests and the benchmarks.
#
#   make                 modules for 6.1 and 6.12, BPF objects, the tool, selftests
#   make KVER=6.12       modules for one kernel (6.1, 6.12, or a release with
#                        /lib/modules/<release>/build, e.g. Azure Linux 6.6)
#   make layout-test     the BPF objects and the tool again, with another map
#                        layout (-DAZLXNET_LAYOUT_TEST), in $(BUILD)/layout-test
#                        (the selftests' azlxnet-next: make builds it)
#   make demo            the main job, in a VM on the 6.1 kernel
#   make check           host tests, then the selftests in VMs on 6.1 and 6.12
#   make check-debug     the selftests on a 6.12 debug kernel (KASAN, lockdep,
#                        kmemleak, UBSAN, fault injection), built on first use
#                        (about an hour); the run to do before a kmod/ change
#   make bench           the network and disk benchmarks in VMs on 6.1 and 6.12
#                        (about 2 h 45 min)
#   make bench-net       the network benchmark alone (~15 min)
#   make bench-disk      the disk benchmark alone (3 boots a case, ~75 min per
#                        kernel)
#   make storm           1000 VF revocations under a UDP stream, fast path and
#                        stack path, in VMs on 6.1 and 6.12: the loss per
#                        revocation (~17 min)
#   make install         install the tool and what a node needs with it (BPF
#                        objects, data files, man page, systemd units, bash
#                        completion, the CNI plugin /opt/cni/bin/azlxnet,
#                        an example /etc/azlxnet/azlxnet.conf) and the modules
#                        for $(KVER) with their modules-load.d and modprobe.d
#                        files; DESTDIR and PREFIX as usual; files in /etc
#                        that exist are kept
#   make install-tool    the tool's part alone (the azlxnet package's files)
#   make install-dkms    module sources, dkms.conf, modules-load.d and
#                        modprobe.d files (the azlxnet-dkms package's files)
#   make uninstall       remove what the install targets installed (files in
#                        /etc only when unchanged)
#   make sign SIGN_KEY=KEY SIGN_CERT=CERT
#                        sign the built modules of every $(KVER)/$(TARGETS)
#                        kernel with KEY (scripts/sign-modules: the kernel's
#                        sign-file and hash; signed again, not twice); see
#                        Documentation/admin-guide.rst for enrolling CERT
#   make rpm             the azlxnet and azlxnet-dkms RPMs and the source RPM,
#                        built with rpmbuild from scripts/package/azlxnet.spec,
#                        in $(BUILD)/rpm (see Documentation/packaging.rst)
#   make deb             the same two packages as .debs, in $(BUILD)/deb
#   make check-package   build both, install the .debs on this machine, build
#                        the modules with DKMS for 6.1 and 6.12, remove the
#                        packages and check nothing is left (root; changes
#                        this machine's package set; make check does this
#                        too), then load the DKMS-built modules in VMs and
#                        run a NIC-model and a dm-azlx selftest on them
#                        (~2 min more)
#
# Out-of-tree kernel builds (Kbuild, dkms) do not use this file.

AZLXNET_VERSION := $(shell sed -n 's/^\#define AZLXNET_VERSION "\(.*\)"/\1/p' kmod/version.h)

BUILD		?= $(CURDIR)/build
TARGETS		?= 6.1 6.12
KVER		?=
ifneq ($(KVER),)
TARGETS		:= $(KVER)
endif

CLANG		?= clang
LLVM_STRIP	?= llvm-strip
BPFTOOL		?= bpftool
CC		?= gcc

# The BTF that vmlinux.h is generated from: CO-RE relocates against the
# running kernel, so any recent kernel's BTF will do; prefer 6.12's.
VMLINUX_BTF	?= $(firstword $(wildcard /usr/src/linux-headers-6.12*-cloud-amd64/vmlinux) \
			       $(wildcard /sys/kernel/btf/vmlinux))

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_SKELS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.skel.h,$(BPF_SRCS))
BPF_CFLAGS	:= -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wextra -Werror \
		   -Wno-unused-parameter -I$(BUILD)/bpf -Ibpf -Ikmod/include/uapi

# A second build of the BPF objects and the tool whose map layout differs
# (an extra field in the endpoint value): the selftests upgrade the fast
# path from one to the other. It goes into $(LT)/bpf and $(LT)/tools/azlxnet,
# and is installed with the selftests as azlxnet-next.
LT		:= $(BUILD)/layout-test
LT_DEFS		:= -DAZLXNET_LAYOUT_TEST
LT_BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(LT)/bpf/%.bpf.o,$(BPF_SRCS))
LT_BPF_SKELS	:= $(patsubst bpf/%.bpf.c,$(LT)/bpf/%.skel.h,$(BPF_SRCS))

Q		:= $(if $(V),,@)

.PHONY: all modules bpf tool layout-test selftests deps demo check check-debug check-host check-vm \
	bench bench-net bench-disk storm install install-tool install-modules install-dkms \
	install-modconf uninstall sign rpm deb check-package clean help FORCE

all: modules bpf tool layout-test selftests

help:
	@sed -n 's/^#   //p' Makefile

deps:
	$(Q)scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

# One output folder per kernel: $(BUILD)/<release>/kmod/*.ko
modules:
	$(Q)for t in $(TARGETS); do \
		kver=$$(scripts/fetch-kernel --print-abi $$t 2>/dev/null || echo $$t); \
		scripts/kbuild $$t $(BUILD)/$$kver W=1 $(if $(V),V=1) || exit 1; \
	done

bpf: $(BPF_OBJS) $(BPF_SKELS)

$(BUILD)/bpf/vmlinux.h:
	$(Q)mkdir -p $(@D)
	$(Q)test -n "$(VMLINUX_BTF)" || { echo "Error: no kernel BTF for vmlinux.h (run scripts/install-deps)" >&2; exit 1; }
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c >$@.tmp && mv $@.tmp $@

# DWARF is dropped (llvm-strip -g): CO-RE needs only the BTF, and the
# DWARF of struct request's type graph alone is most of a megabyte.
$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/bpf/vmlinux.h
	@echo "  BPF     $@"
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) >$@.tmp && mv $@.tmp $@

$(LT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/bpf/vmlinux.h
	@echo "  BPF     $@"
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(LT_DEFS) -c $< -o $@.tmp
	$(Q)$(LLVM_STRIP) -g $@.tmp
	$(Q)mv $@.tmp $@

$(LT)/bpf/%.skel.h: $(LT)/bpf/%.bpf.o
	@echo "  SKEL    $@"
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) >$@.tmp && mv $@.tmp $@

tool: bpf
	$(Q)$(MAKE) -C tools/azlxnet OUTPUT=$(BUILD)/tools/ BPF_OUT=$(BUILD)/bpf \
		AZLXNET_VERSION=$(AZLXNET_VERSION)

layout-test: $(LT_BPF_OBJS) $(LT_BPF_SKELS)
	$(Q)$(MAKE) -C tools/azlxnet OUTPUT=$(LT)/tools/ BPF_OUT=$(LT)/bpf \
		AZLXNET_VERSION=$(AZLXNET_VERSION) EXTRA_CFLAGS="$(LT_DEFS)"

selftests: bpf layout-test
	$(Q)$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests BPF_OUT=$(BUILD)/bpf
	$(Q)rm -rf $(BUILD)/selftests-install
	$(Q)$(MAKE) -C selftests OUTPUT=$(BUILD)/selftests BPF_OUT=$(BUILD)/bpf \
		AZLXNET_NEXT=$(LT)/tools/azlxnet \
		install INSTALL_PATH=$(BUILD)/selftests-install

# Host tests: the tool's logic without root or a VM, also under ASan/UBSan,
# and the generated netlink files against their spec.
check-host: deps bpf
	$(Q)scripts/run-host-tests $(BUILD)

check-vm: deps all
	$(Q)scripts/vmtest --kernel all --tap-summary $(BUILD)/vm-results

check: deps
	$(Q)scripts/check $(BUILD)

check-debug: deps
	$(Q)scripts/check --debug $(BUILD)

# Not part of check: see Documentation/benchmarks.rst.
bench: deps all
	$(Q)scripts/bench
	$(Q)scripts/bench-disk

bench-net: deps all
	$(Q)scripts/bench

bench-disk: deps all
	$(Q)scripts/bench-disk

storm: deps all
	$(Q)scripts/storm

demo: deps all
	$(Q)scripts/vmtest --kernel 6.1 --require-modules \
		--file Documentation/examples/azlxnet.conf:/etc/modprobe.d/azlxnet.conf \
		-- /usr/share/azlxnet/demo.sh

# Installation. The packages (scripts/package/) are made from install-tool
# (azlxnet) and install-dkms (azlxnet-dkms); make install puts built modules
# where install-dkms puts their sources. scripts/tests/package checks the
# file lists against the packages'.
PREFIX		?= /usr
DESTDIR		?=
SBINDIR		?= $(PREFIX)/sbin
AZ_LIBDIR	?= $(PREFIX)/lib/azlxnet
AZ_DATADIR	?= $(PREFIX)/share/azlxnet
MANDIR		?= $(PREFIX)/share/man
UNITDIR		?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR	?= /etc
CNIBINDIR	?= /opt/cni/bin
DKMSSRCDIR	?= $(PREFIX)/src/azlxnet-$(AZLXNET_VERSION)

UNITS		:= $(wildcard tools/azlxnet/systemd/*.service)
DKMS_SRCS	:= dkms.conf Kbuild kmod/Kbuild $(wildcard kmod/*.c kmod/*.h) \
		   $(wildcard kmod/include/uapi/linux/*.h)
# Files in /etc: SOURCE:TARGET
TOOL_CONF	:= tools/azlxnet/conf/azlxnet.conf:$(SYSCONFDIR)/azlxnet/azlxnet.conf
MOD_CONF	:= tools/azlxnet/conf/modules-load.conf:$(SYSCONFDIR)/modules-load.d/azlxnet.conf \
		   tools/azlxnet/conf/modprobe.conf:$(SYSCONFDIR)/modprobe.d/azlxnet.conf

# install_conf SOURCE:TARGET...: install each, but never over an existing file
define install_conf
	$(Q)for c in $(1); do \
		src=$${c%%:*} dst=$(DESTDIR)$${c#*:}; \
		if [ -e "$$dst" ] || [ -L "$$dst" ]; then \
			echo "  KEEP    $$dst (exists; the new one is $$src)"; \
		else \
			install -D -m 0644 "$$src" "$$dst" || exit 1; \
		fi; \
	done
endef

# uninstall_conf SOURCE:TARGET...: remove each that is unchanged
define uninstall_conf
	$(Q)for c in $(1); do \
		src=$${c%%:*} dst=$(DESTDIR)$${c#*:}; \
		if [ -e "$$dst" ] && ! cmp -s "$$src" "$$dst"; then \
			echo "  KEEP    $$dst (changed)"; \
		else \
			rm -f "$$dst"; \
		fi; \
	done
endef

install: install-tool install-modules

# The CNI plugin is a link to the tool: the tool is a CNI plugin when
# CNI_COMMAND is set and it has no argument (tools/azlxnet/main.c), and a
# runtime runs its plugins by type from CNI_PATH (/opt/cni/bin).
install-tool: tool bpf
	install -D -m 0755 $(BUILD)/tools/azlxnet $(DESTDIR)$(SBINDIR)/azlxnet
	install -d $(DESTDIR)$(AZ_LIBDIR)/bpf
	install -m 0644 $(BPF_OBJS) $(DESTDIR)$(AZ_LIBDIR)/bpf/
	install -d $(DESTDIR)$(AZ_DATADIR)
	install -m 0644 tools/azlxnet/data/*.tsv $(DESTDIR)$(AZ_DATADIR)/
	install -d $(DESTDIR)$(MANDIR)/man8
	rst2man Documentation/azlxnet.8.rst | gzip -9n >$(DESTDIR)$(MANDIR)/man8/azlxnet.8.gz
	install -d $(DESTDIR)$(UNITDIR)
	$(Q)for u in $(UNITS); do \
		sed 's,/usr/sbin/azlxnet,$(SBINDIR)/azlxnet,' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -D -m 0644 tools/azlxnet/completion/azlxnet.bash $(DESTDIR)$(BASHCOMPDIR)/azlxnet
	install -d $(DESTDIR)$(CNIBINDIR)
	ln -sfnr $(DESTDIR)$(SBINDIR)/azlxnet $(DESTDIR)$(CNIBINDIR)/azlxnet
	$(call install_conf,$(TOOL_CONF))

install-modconf:
	$(call install_conf,$(MOD_CONF))

install-modules: modules install-modconf
	$(Q)for t in $(TARGETS); do \
		kver=$$(scripts/fetch-kernel --print-abi $$t 2>/dev/null || echo $$t); \
		install -D -m 0644 -t $(DESTDIR)/lib/modules/$$kver/extra $(BUILD)/$$kver/kmod/*.ko || exit 1; \
		if [ -z "$(DESTDIR)" ]; then depmod -a $$kver; fi; \
	done

install-dkms: install-modconf
	$(Q)for f in $(DKMS_SRCS); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMSSRCDIR)/$$f || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/azlxnet $(DESTDIR)$(CNIBINDIR)/azlxnet
	rm -rf $(DESTDIR)$(AZ_LIBDIR) $(DESTDIR)$(AZ_DATADIR) $(DESTDIR)$(DKMSSRCDIR)
	rm -f $(DESTDIR)$(MANDIR)/man8/azlxnet.8.gz $(DESTDIR)$(BASHCOMPDIR)/azlxnet
	rm -f $(addprefix $(DESTDIR)$(UNITDIR)/,$(notdir $(UNITS)))
	$(call uninstall_conf,$(TOOL_CONF) $(MOD_CONF))
	-$(Q)rmdir $(DESTDIR)$(SYSCONFDIR)/azlxnet 2>/dev/null
	$(Q)for t in $(TARGETS); do \
		kver=$$(scripts/fetch-kernel --print-abi $$t 2>/dev/null || echo $$t); \
		rm -f $(DESTDIR)/lib/modules/$$kver/extra/azlxnet.ko \
			$(DESTDIR)/lib/modules/$$kver/extra/dm-azlx.ko; \
		if [ -z "$(DESTDIR)" ] && [ -d /lib/modules/$$kver/kernel ]; then depmod -a $$kver; fi; \
	done

# Signs what "make modules" built; it does not build (the modules must
# exist), so that a signed tree is never rebuilt unsigned behind one's back.
SIGN_KEY	?=
SIGN_CERT	?=
sign:
	$(Q)test -n "$(SIGN_KEY)" || { echo "Error: make sign needs SIGN_KEY=<private key> and SIGN_CERT=<certificate>" >&2; exit 1; }
	$(Q)test -n "$(SIGN_CERT)" || { echo "Error: make sign needs SIGN_CERT=<certificate of SIGN_KEY>" >&2; exit 1; }
	$(Q)for t in $(TARGETS); do \
		AZLXNET_BUILD=$(BUILD) scripts/sign-modules --key "$(SIGN_KEY)" \
			--cert "$(SIGN_CERT)" --target $$t || exit 1; \
	done

rpm: deps
	$(Q)scripts/package/build-rpm $(BUILD)/rpm

deb: deps tool bpf
	$(Q)scripts/package/build-deb $(BUILD)

# make check runs run-install (as root); the VM part (~2 min) only runs here.
check-package: deps all
	$(Q)scripts/tests/package/run-install $(BUILD)
	$(Q)scripts/tests/package/vm-dkms $(BUILD)

clean:
	rm -rf $(BUILD)
