# nsguard — fully static build: `make static` leaves .output/static/nsguard,
# a binary with no ELF interpreter and no shared libraries, for the FROM
# scratch image and for hosts without the runtime libraries. Included by the
# Makefile (`-include deploy/static.mk`); until then:
#   make -f Makefile -f deploy/static.mk static
#
# Debian ships every library the agent links as an .a: libbpf, libelf, zlib,
# jansson, libyaml, and libevent_core/_extra for the metrics endpoint
# (libmicrohttpd.a cannot be used: it needs GnuTLS, and GnuTLS's p11-kit has
# no static library in Debian). The objects are the normal ones, built in
# their own OUTPUT so the dynamic and ASan builds are left alone.
#
# The linker warns that getaddrinfo/getservbyname in libevent_core need
# glibc's NSS modules at run time. The agent never calls them: the metrics
# address must be numeric and is parsed with inet_pton.

# Whatever this file defines, it must not become the default goal.
nsg_static_saved_goal := $(.DEFAULT_GOAL)

# A cross build is static already and lives there (scripts/cross.mk).
STATIC_OUTPUT ?= $(if $(CROSS),$(OUTPUT),.output/static)
# A group, so the order of LDLIBS (written for shared linking) cannot leave
# an archive's symbol unresolved.
STATIC_LDLIBS = -Wl,--start-group $(LDLIBS) -Wl,--end-group

.PHONY: static

static: deps
	$(Q)$(MAKE) --no-print-directory OUTPUT=$(STATIC_OUTPUT) SANITIZE= \
		LDFLAGS=-static LDLIBS='$(STATIC_LDLIBS)' $(STATIC_OUTPUT)/nsguard \
		$(STATIC_OUTPUT)/nsguard-oci-hook

# The static binary, the manifests, the Dockerfile and the unit file.
.PHONY: deploy-test
deploy-test:
	$(Q)tests/deploy/run.sh

.DEFAULT_GOAL := $(nsg_static_saved_goal)
