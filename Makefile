# nsguard — build, test and install. `make V=1` shows full commands.
OUTPUT ?= .output
ARCH ?= x86
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
PREFIX ?= /usr/local

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
LDLIBS := -lbpf -lelf -lz -ljansson -lyaml -levent_extra -levent_core

# globals first: the linker must meet map definitions before their externs.
BPF_SRCS := bpf/globals.bpf.c $(filter-out bpf/globals.bpf.c,$(sort $(wildcard bpf/*.bpf.c)))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/*.bpf.h) $(wildcard include/*.h)
USER_SRCS := $(sort $(wildcard user/*.c))
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
HOOK_OBJS := $(OUTPUT)/hook/oci_hook.o $(OUTPUT)/user/policy.o $(OUTPUT)/user/names.o
# The Docker runtime wrapper: policy.o for hook.on_agent_unreachable, as the hook.
RUNC_OBJS := $(OUTPUT)/hook/runtime_wrapper.o $(OUTPUT)/user/runtime_spec.o \
	$(OUTPUT)/user/policy.o $(OUTPUT)/user/names.o
# Everything but main(): linked into unit tests as well.
LIB_OBJS := $(filter-out $(OUTPUT)/user/main.o,$(USER_OBJS))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))

.DELETE_ON_ERROR:
.DEFAULT_GOAL := all
-include tests/fuzz/fuzz.mk
-include deploy/static.mk
-include bench/bench.mk
.PHONY: all deps clean vmlinux test vmtest unit-bins unit-test integration-test run install asan

all: deps nsguard nsguard-oci-hook nsguard-runc

deps:
	$(Q)scripts/deps.sh

nsguard: $(OUTPUT)/nsguard
	$(Q)cp $< $@

$(OUTPUT)/nsguard: $(USER_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

nsguard-oci-hook: $(OUTPUT)/nsguard-oci-hook
	$(Q)cp $< $@

$(OUTPUT)/nsguard-oci-hook: $(HOOK_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -lyaml -o $@

nsguard-runc: $(OUTPUT)/nsguard-runc
	$(Q)cp $< $@

$(OUTPUT)/nsguard-runc: $(RUNC_OBJS)
	$(call msg,BINARY,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -ljansson -lyaml -o $@

$(OUTPUT)/hook/%.o: user/hook/%.c $(wildcard user/*.h) $(wildcard include/*.h) | $(OUTPUT)/hook
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT) $(OUTPUT)/bpf $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/hook:
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

$(OUTPUT)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/*.h) $(OUTPUT)/nsguard.skel.h | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(OUTPUT)/tests/test_%: tests/unit/test_%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,TEST,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS) -lcmocka -o $@

# Regenerate the committed vmlinux.h from the running kernel's BTF.
vmlinux:
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

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

# Every suite (host ones with ASan/UBSan userspace), one closing line.
test: deps
	$(Q)scripts/deps.sh --test
	$(Q)$(MAKE) --no-print-directory all unit-bins
	$(Q)tests/run.sh

run: all
	./nsguard

install: all
	install -D -m 0755 nsguard $(DESTDIR)$(PREFIX)/sbin/nsguard
	install -D -m 0755 nsguard-oci-hook $(DESTDIR)$(PREFIX)/libexec/nsguard/nsguard-oci-hook
	install -D -m 0755 nsguard-runc $(DESTDIR)$(PREFIX)/libexec/nsguard/nsguard-runc

clean:
	$(call msg,CLEAN)
	$(Q)rm -rf .output nsguard nsguard-oci-hook nsguard-runc
