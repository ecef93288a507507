# Cross builds (included by the Makefile): ARCH other than the host's.
#
# `make ARCH=arm64` on an x86_64 host builds the BPF object for
# __TARGET_ARCH_arm64 from vmlinux/arm64/vmlinux.h and links aarch64
# binaries with Debian's cross compiler (gcc-aarch64-linux-gnu) against the
# arm64 static libraries of a sysroot of the build's own
# (scripts/cross-sysroot.sh: Debian's arm64 -dev packages, unpacked; nothing
# installed into the host). A cross build is always static, so its binaries
# run on any arm64 node, and it lives where the static builds live:
# .output/static/arm64/{nsguard,nsguard-oci-hook,nsguard-runc}.

KNOWN_ARCHS := x86 arm64
ifeq ($(filter $(ARCH),$(KNOWN_ARCHS)),)
$(error ARCH=$(ARCH): nsguard builds for $(KNOWN_ARCHS))
endif
ifeq ($(filter $(HOST_ARCH),$(KNOWN_ARCHS)),)
$(error this host's architecture ($(shell uname -m)) is not one nsguard builds on)
endif

# GNU triplet of the cross toolchain; empty for a native build.
CROSS :=
ifneq ($(ARCH),$(HOST_ARCH))
CROSS := $(if $(filter arm64,$(ARCH)),aarch64-linux-gnu,x86_64-linux-gnu)
endif

ifneq ($(CROSS),)
# Goals that run what they build cannot cross.
CROSS_REFUSED := $(filter test vmtest unit-bins unit-test integration-test run install asan soak \
	fuzz bench%,$(MAKECMDGOALS))
ifneq ($(CROSS_REFUSED),)
$(error make $(CROSS_REFUSED) runs what it builds: not with ARCH=$(ARCH) on a $(HOST_ARCH) host)
endif
ifeq ($(origin CC),default)
CC := $(CROSS)-gcc
endif
ifeq ($(origin AR),default)
AR := $(CROSS)-ar
endif
OUTPUT ?= .output/static/$(ARCH)
SYSROOT ?= .output/sysroot/$(ARCH)
# The Makefile appends these with `override` once its own flags are set
# (`make static` passes LDFLAGS on its sub-make's command line).
CROSS_CFLAGS := -isystem $(SYSROOT)/usr/include
CROSS_LDFLAGS := -static -L$(SYSROOT)/usr/lib/$(CROSS)
CROSS_DEPS := $(SYSROOT)/.debs

# Made once; `rm -rf $(SYSROOT)` takes a newer Debian point release.
$(SYSROOT)/.debs: scripts/cross-sysroot.sh scripts/foreign-debs.sh
	$(call msg,SYSROOT,$(SYSROOT))
	$(Q)scripts/cross-sysroot.sh $(ARCH) $(SYSROOT)
endif
