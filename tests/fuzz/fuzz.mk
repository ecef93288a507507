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
	-Iinclude -Iuser -I.output -Itests/fuzz

# The project sources each target links, and the libraries they need.
fuzz_srcs_policy := policy names
fuzz_libs_policy := -lyaml
fuzz_srcs_metadata := metadata feed_schema controls jsonw utf8 names timefmt tier
fuzz_libs_metadata := -ljansson
fuzz_srcs_oci_state := oci_state container policy names metadata feed_schema controls jsonw utf8 timefmt tier
fuzz_libs_oci_state := -ljansson -lyaml
fuzz_srcs_cgroup := container
fuzz_libs_cgroup :=
fuzz_srcs_event := feed_schema controls jsonw utf8 textline names timefmt tier
fuzz_libs_event := -ljansson
fuzz_srcs_suggest := suggest_policy policy names utf8
fuzz_libs_suggest := -lyaml
fuzz_srcs_runtime_spec := runtime_spec
fuzz_libs_runtime_spec := -ljansson

FUZZ_HDRS := $(wildcard user/*.h) $(wildcard include/*.h) $(wildcard tests/fuzz/*.h)
FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

.PHONY: fuzz fuzz-build fuzz-regress

$(FUZZ_OUT)/obj:
	$(Q)mkdir -p $@

# Project objects: instrumented for coverage, no libFuzzer main.
$(FUZZ_OUT)/obj/%.o: user/%.c $(FUZZ_HDRS) | $(FUZZ_OUT)/obj
	$(call msg,FUZZ-CC,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

define nsg_fuzz_target
$(FUZZ_OUT)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(patsubst %,$(FUZZ_OUT)/obj/%.o,$(fuzz_srcs_$(1))) $(FUZZ_HDRS)
	$$(call msg,FUZZ-LD,$$@)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_CFLAGS) -fsanitize=fuzzer $$< \
		$(patsubst %,$(FUZZ_OUT)/obj/%.o,$(fuzz_srcs_$(1))) $(fuzz_libs_$(1)) -o $$@
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call nsg_fuzz_target,$(t))))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	$(Q)tests/fuzz/run.sh --out $(FUZZ_OUT) --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-regress: fuzz-build
	$(Q)tests/fuzz/run.sh --out $(FUZZ_OUT) --regress $(FUZZ_TARGETS)

.DEFAULT_GOAL := $(nsg_fuzz_saved_goal)
