// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tier chosen from a probe: kernel/tier.c, on probes as kernels give them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/tier.h"

/* Debian 12's arm64 6.1 with bpf in lsm=: both trial programs load, neither attaches. */
#define NSG_ENOTSUPP 524

static struct nsg_probe probe_with(bool bpf_active, int lsm_err, int fentry_err)
{
	struct nsg_probe p;

	memset(&p, 0, sizeof(p));
	snprintf(p.lsm_list, sizeof(p.lsm_list), "%s",
		 bpf_active ? "lockdown,capability,bpf" : "lockdown,capability");
	p.lsm_bpf_active = bpf_active;
	p.lsm_load_errno = lsm_err;
	p.fentry_load_errno = fentry_err;
	p.lsm_prog_loads = lsm_err == 0;
	p.trampolines = fentry_err == 0;
	return p;
}

static struct nsg_tier_choice choose(enum nsg_enforcer enforcer, const struct nsg_probe *p, int *rc,
				     char *err, size_t errlen)
{
	struct nsg_config cfg = { .enforcer = enforcer };
	struct nsg_tier_choice out;

	*rc = nsg_choose_tier(&cfg, p, &out, err, errlen);
	return out;
}

static void auto_takes_lsm_when_both_attach(void **state)
{
	struct nsg_probe p = probe_with(true, 0, 0);
	char err[256] = "";
	int rc;
	struct nsg_tier_choice c = choose(NSG_ENFORCER_AUTO, &p, &rc, err, sizeof(err));

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(c.tier, NSG_TIER_LSM);
	assert_string_equal(c.reason, "best tier: BPF LSM and trampolines usable");
}

/* The arm64 6.1 case: signal, and the reason names the kernel's limit. */
static void auto_falls_back_when_lsm_cannot_attach(void **state)
{
	struct nsg_probe p = probe_with(true, NSG_ENOTSUPP, NSG_ENOTSUPP);
	char err[256] = "";
	int rc;
	struct nsg_tier_choice c = choose(NSG_ENFORCER_AUTO, &p, &rc, err, sizeof(err));

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(c.tier, NSG_TIER_SIGNAL);
	assert_string_equal(c.reason,
			    "lsm tier unavailable: BPF LSM programs fail to load or attach (ENOTSUPP: "
			    "this kernel cannot attach BPF trampolines to kernel functions (arm64 "
			    "before Linux 6.4))");
}

static void auto_falls_back_when_only_fentry_fails(void **state)
{
	struct nsg_probe p = probe_with(true, 0, NSG_ENOTSUPP);
	char err[256] = "";
	int rc;
	struct nsg_tier_choice c = choose(NSG_ENFORCER_AUTO, &p, &rc, err, sizeof(err));

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(c.tier, NSG_TIER_SIGNAL);
	assert_non_null(strstr(c.reason, "BPF trampolines (fentry) fail to load or attach (ENOTSUPP"));
}

static void auto_without_bpf_in_lsm_list(void **state)
{
	struct nsg_probe p = probe_with(false, 0, 0);
	char err[256] = "";
	int rc;
	struct nsg_tier_choice c = choose(NSG_ENFORCER_AUTO, &p, &rc, err, sizeof(err));

	(void)state;
	assert_int_equal(rc, 0);
	assert_int_equal(c.tier, NSG_TIER_SIGNAL);
	assert_non_null(strstr(c.reason, "\"bpf\" missing from lsm=lockdown,capability"));
}

/* Asked for explicitly, an unavailable lsm tier is an error, never a downgrade. */
static void explicit_lsm_that_cannot_attach_is_an_error(void **state)
{
	struct nsg_probe p = probe_with(true, NSG_ENOTSUPP, NSG_ENOTSUPP);
	char err[256] = "";
	int rc;

	(void)state;
	choose(NSG_ENFORCER_LSM, &p, &rc, err, sizeof(err));
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, "--enforcer lsm: unavailable on this kernel: BPF LSM programs "
				    "fail to load or attach (ENOTSUPP"));
}

static void other_errors_keep_strerror(void **state)
{
	struct nsg_probe p = probe_with(true, 1 /* EPERM */, 1);
	char err[256] = "";
	int rc;
	struct nsg_tier_choice c = choose(NSG_ENFORCER_AUTO, &p, &rc, err, sizeof(err));

	(void)state;
	assert_int_equal(c.tier, NSG_TIER_SIGNAL);
	assert_non_null(strstr(c.reason, "(Operation not permitted)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auto_takes_lsm_when_both_attach),
		cmocka_unit_test(auto_falls_back_when_lsm_cannot_attach),
		cmocka_unit_test(auto_falls_back_when_only_fentry_fails),
		cmocka_unit_test(auto_without_bpf_in_lsm_list),
		cmocka_unit_test(explicit_lsm_that_cannot_attach_is_an_error),
		cmocka_unit_test(other_errors_keep_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
