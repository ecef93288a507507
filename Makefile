# nsguard — build, test and install. `make V=1` shows full commands.
# ARCH names the kernel's architecture as vmlinux/ and __TARGET_ARCH_ do:
# x86 or arm64. The host's by default; the other one is a cross build.
HOST_ARCH := $(shell uname -m | sed -e 's/^x86_64$$/x86/' -e 's/^aarch64$$/arm64/')
ARCH ?= $(HOST_ARCH)
CLANG ?= clang
BPFTOOL ?= bpftool
PREFIX ?= /usr/local
include scripts/cross.mk
OUTPUT ?= .output

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

INCLUDES := -Iinclude -I$(OUTPUT) -Iuser
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Iinclude \
	-Wall -Werror -Wno-unused-function
CFLAGS ?= -g -O2
# The one version: the binaries, the metrics, and deploy/ (image tag, checked by tests/deploy).
VERSION := $(shell cat VERSION)
CFLAGS += -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -DNSGUARD_VERSION='"$(VERSION)"'
ifeq ($(SANITIZE),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifneq ($(CROSS),)
override CFLAGS += $(CROSS_CFLAGS)
override LDFLAGS += $(CROSS_LDFLAGS)
endif
LDLIBS := -lbpf -lelf -lz -ljansson -lyaml -levent_extra -levent_core

# globals first: the linker must meet map definitions before their externs.
BPF_SRCS := bpf/globals.bpf.c $(filter-out bpf/globals.bpf.c,$(sort $(wildcard bpf/*.bpf.c)))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.bpf.h) $(wildcard include/*.h)
# user/ in folders by concern, mirrored under $(OUTPUT)/user. Three mains;
# everything else goes into one archive, so each binary (and each unit test,
# fuzz target and bench) links only the objects it uses.
USER_SRCS := $(sort $(shell find user -name '*.c'))
MAIN_SRCS := user/main.c user/hook/oci_hook.c user/hook/runtime_wrapper.c
LIB_SRCS := $(filter-out $(MAIN_SRCS),$(USER_SRCS))
user_obj = $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(1))
USER_OBJS := $(call user_obj,$(USER_SRCS))
LIB_OBJS := $(call user_obj,$(LIB_SRCS))
LIB := $(OUTPUT)/libnsguard.a
# Only the objects that include the skeleton wait for it; -MMD -MP dependency
# files track every other header once an object has been built.
SKEL_OBJS := $(call user_obj,$(shell grep -l '"nsguard.skel.h"' $(USER_SRCS)))
DEPFLAGS = -MMD -MP
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
-include tests/fuzz/fuzz.mk
-include deploy/static.mk
-include bench/bench.mk
.PHONY: all deps clean vmlinux test vmtest vmtest-arm64 unit-bins unit-test integration-test run install asan soak

ifeq ($(CROSS),)
all: deps nsguard nsguard-oci-hook nsguard-runc
else
# A cross build leaves its binaries in $(OUTPUT) only: ./nsguard stays the host's.
all: deps $(addprefix $(OUTPUT)/,nsguard nsguard-oci-hook nsguard-runc)
endif

deps: $(CROSS_DEPS)
	$(Q)scripts/deps.sh $(if $(CROSS),--cross)

nsguard: $(OUTPUT)/nsguard
	$(Q)cp $< $@

$(OUTPUT)/nsguard: $(OUTPUT)/user/main.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

nsguard-oci-hook: $(OUTPUT)/nsguard-oci-hook
	$(Q)cp $< $@

$(OUTPUT)/nsguard-oci-hook: $(OUTPUT)/user/hook/oci_hook.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -lyaml -o $@

nsguard-runc: $(OUTPUT)/nsguard-runc
	$(Q)cp $< $@

# The Docker runtime wrapper: policy.o for hook.on_agent_unreachable, as the hook.
$(OUTPUT)/nsguard-runc: $(OUTPUT)/user/hook/runtime_wrapper.o $(LIB)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -lyaml -o $@

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/tests:
	$(Q)mkdir -p $@

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(OUTPUT)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One object from all concerns; `gen object` links the externs and drops DWARF.
$(OUTPUT)/nsguard.bpf.o: $(BPF_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/nsguard.skel.h: $(OUTPUT)/nsguard.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name nsguard_bpf > $@

$(SKEL_OBJS): $(OUTPUT)/nsguard.skel.h

$(OUTPUT)/user/%.o: user/%.c | $(CROSS_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(INCLUDES) $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

-include $(USER_OBJS:.o=.d) $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%.d,$(UNIT_SRCS))

# Regenerate the committed vmlinux.h: from the running kernel's BTF for the
# host's architecture, from Debian's current kernel package for another.
vmlinux:
	$(Q)scripts/kernel-btf.sh vmlinux/$(ARCH)/vmlinux.h $(if $(CROSS),$(ARCH))

# Userspace under AddressSanitizer + UBSan, used by the tests.
asan:
	$(Q)$(MAKE) --no-print-directory OUTPUT=.output/asan SANITIZE=1 .output/asan/nsguard \
		.output/asan/nsguard-oci-hook .output/asan/nsguard-runc

unit-bins: asan
	$(Q)$(MAKE) --no-print-directory OUTPUT=.output/asan SANITIZE=1 \
		$(patsubst $(OUTPUT)/%,.output/asan/%,$(UNIT_BINS))

unit-test: unit-bins
	$(Q)tests/unit/run.sh .output/asan/tests

integration-test: asan
	$(Q)NSGUARD=$(CURDIR)/.output/asan/nsguard tests/integration/run.sh

# BPF LSM tier and the 6.1 fallback, in QEMU VMs booting Debian's kernel.
vmtest: all
	$(Q)scripts/deps.sh --test
	$(Q)tests/vm/run.sh

# The arm64 VM suite: the static aarch64 build in Debian's arm64 kernel
# under qemu-system-aarch64 (TCG), both tiers.
vmtest-arm64:
	$(Q)scripts/deps.sh --test
	$(Q)$(MAKE) --no-print-directory static ARCH=arm64
	$(Q)tests/vm/arm64/run.sh

# Every suite (host ones with ASan/UBSan userspace), one closing line.
test: deps
	$(Q)scripts/deps.sh --test
	$(Q)$(MAKE) --no-print-directory all unit-bins
	$(Q)$(MAKE) --no-print-directory static ARCH=arm64
	$(Q)tests/run.sh

# The soak (docs/BENCHMARKS.md): SOAK_MINUTES of a busy node, then what
# grew. Not in `make test`, which runs its two-minute version.
SOAK_MINUTES ?= 30
soak: all
	$(Q)scripts/deps.sh --test
	$(Q)SOAK_MINUTES=$(SOAK_MINUTES) tests/soak/run.sh

run: all
	./nsguard

install: all
	install -D -m 0755 nsguard $(DESTDIR)$(PREFIX)/sbin/nsguard
	install -D -m 0755 nsguard-oci-hook $(DESTDIR)$(PREFIX)/libexec/nsguard/nsguard-oci-hook
	install -D -m 0755 nsguard-runc $(DESTDIR)$(PREFIX)/libexec/nsguard/nsguard-runc

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf .output nsguard nsguard-oci-hook nsguard-runc
