# nsguard — libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang's
# -fsanitize=fuzzer plus AddressSanitizer and UBSan straight from the
# sources they exercise. Included by the Makefile
# (`-include tests/fuzz/fuzz.mk`); until then:
#   make -f Makefile -f tests/fuzz/fuzz.mk fuzz
#
#   make fuzz                   build, then run each target FUZZ_SECONDS (30)
#                               on a scratch copy of its corpus; last line
#                               `fuzz: N passed, N failed`; crashing inputs
#                               land in .output/fuzz/crashes/
#   make fuzz FUZZ_TARGETS=policy   only some targets
#   make fuzz-build             only build
#   make fuzz-regress           run each target once over its committed corpus
#
# Needs clang and libclang-rt-14-dev (scripts/deps.sh installs both).

# Whatever this file defines, it must not become the default goal.
nsg_fuzz_saved_goal := $(.DEFAULT_GOAL)

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FUZZ_OUT ?= .output/fuzz
FUZZ_ALL := policy metadata oci_state cgroup event suggest runtime_spec
FUZZ_TARGETS ?= $(FUZZ_ALL)

FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(FUZZ_SAN) \
	-DNSGUARD_VERSION='"$(VERSION)"' -Iinclude -Iuser -I.output -Itests/fuzz

# The project's library, instrumented: every user/ source but the mains and
# the kernel-facing ones (those that include the skeleton). Each target links
# the archive, so it takes just the objects it uses.
FUZZ_LIB_SRCS := $(filter-out $(patsubst $(OUTPUT)/user/%.o,user/%.c,$(SKEL_OBJS)),$(LIB_SRCS))
FUZZ_LIB_OBJS := $(patsubst user/%.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_LIB := $(FUZZ_OUT)/libnsguard-fuzz.a
FUZZ_LIBS := -ljansson -lyaml
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-regress

# Project objects: instrumented for coverage, no libFuzzer main.
$(FUZZ_OUT)/obj/%.o: user/%.c
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -fsanitize=fuzzer $< $(FUZZ_LIB) $(FUZZ_LIBS) -o $@

-include $(FUZZ_LIB_OBJS:.o=.d) $(patsubst %,$(FUZZ_OUT)/fuzz_%.d,$(FUZZ_ALL))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh --out $(FUZZ_OUT) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-regress: fuzz-build
	$(Q)tests/fuzz/run.sh --out $(FUZZ_OUT) --regress $(FUZZ_TARGETS)

.DEFAULT_GOAL := $(nsg_fuzz_saved_goal)
