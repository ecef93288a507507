// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The tier chosen from a probe: kernel/tier.c, on probes as kernels give them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "kernel/tier.h"

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

/* One probe, one --enforcer, what must come of it. */
struct tier_case {
	const char *name;
	enum nsg_enforcer enforcer;
	bool bpf_active;
	int lsm_err, fentry_err;
	int want_rc;
	enum nsg_tier want_tier;  /* when want_rc is 0 */
	const char *want_text;    /* the reason (rc 0) or the error (rc -1) contains this */
};

static const struct tier_case cases[] = {
	{ "both attach: lsm", NSG_ENFORCER_AUTO, true, 0, 0, 0, NSG_TIER_LSM,
	  "best tier: BPF LSM and trampolines usable" },
	/* Debian 12's arm64 6.1: signal, and the reason names the kernel's limit. */
	{ "arm64 6.1: neither attaches", NSG_ENFORCER_AUTO, true, NSG_ENOTSUPP, NSG_ENOTSUPP, 0,
	  NSG_TIER_SIGNAL,
	  "lsm tier unavailable: BPF LSM programs fail to load or attach (ENOTSUPP: this kernel "
	  "cannot attach BPF trampolines to kernel functions (arm64 before Linux 6.4))" },
	{ "fentry alone fails", NSG_ENFORCER_AUTO, true, 0, NSG_ENOTSUPP, 0, NSG_TIER_SIGNAL,
	  "BPF trampolines (fentry) fail to load or attach (ENOTSUPP" },
	{ "no bpf in lsm=", NSG_ENFORCER_AUTO, false, 0, 0, 0, NSG_TIER_SIGNAL,
	  "\"bpf\" missing from lsm=lockdown,capability" },
	{ "other errnos by strerror", NSG_ENFORCER_AUTO, true, 1 /* EPERM */, 1, 0, NSG_TIER_SIGNAL,
	  "(Operation not permitted)" },
	/* Asked for explicitly, an unavailable lsm tier is an error, never a downgrade. */
	{ "--enforcer lsm that cannot attach", NSG_ENFORCER_LSM, true, NSG_ENOTSUPP, NSG_ENOTSUPP, -1,
	  0, "--enforcer lsm: unavailable on this kernel: BPF LSM programs fail to load or attach (ENOTSUPP" },
};

static void test_tier_cases(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tier_case *tc = &cases[i];
		struct nsg_probe p = probe_with(tc->bpf_active, tc->lsm_err, tc->fentry_err);
		struct nsg_config cfg = { .enforcer = tc->enforcer };
		struct nsg_tier_choice out;
		char err[256] = "";
		int rc = nsg_choose_tier(&cfg, &p, &out, err, sizeof(err));

		print_message("case: %s\n", tc->name);
		assert_int_equal(rc, tc->want_rc);
		if (rc == 0)
			assert_int_equal(out.tier, tc->want_tier);
		assert_non_null(strstr(rc == 0 ? out.reason : err, tc->want_text));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tier_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
