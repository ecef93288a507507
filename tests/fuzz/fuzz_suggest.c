// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: `scan --suggest-policy` (user/suggest_policy.c) over
 * hostile container metadata. The input is up to three containers, each
 * six fields (namespace, pod, name, image, runtime, id) split at 0xFF, the
 * first byte of each container's namespace field its host_ns bits. The
 * document written must parse with the policy's own parser, and every
 * container must be allowed by it (at least its namespaces) or named in a
 * comment as not allowlisted; a container of another namespace never is.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "policy/policy.h"
#include "scan/suggest_policy.h"

#define FIELDS 6
#define MAX_CTRS 3

static char *field(const struct fuzz_part *p, char *buf, size_t size)
{
	size_t n = p->n < size - 1 ? p->n : size - 1;

	if (!p->p)
		return NULL;
	memcpy(buf, p->p, n);
	buf[n] = '\0';
	return memchr(p->p, '\0', n) ? NULL : buf; /* C strings: no NUL inside */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char bufs[MAX_CTRS][FIELDS][512];
	struct fuzz_part parts[MAX_CTRS * FIELDS];
	struct nsg_suggest_input in[MAX_CTRS] = { 0 };
	struct nsg_policy p;
	char err[256], perr[256], *doc = NULL;
	size_t len = 0, n;
	FILE *out;
	int rc;

	n = (fuzz_split(data, size, parts, MAX_CTRS * FIELDS) + FIELDS - 1) / FIELDS;
	for (size_t i = 0; i < n; i++) {
		struct fuzz_part *f = &parts[i * FIELDS];
		uint8_t bits = f[0].n ? f[0].p[0] : 0;

		if (f[0].n) {
			f[0].p++;
			f[0].n--;
		}
		in[i].host_ns_mask = (bits & 1 ? NSG_BIT(NSG_NS_IPC) : 0) |
				     (bits & 2 ? NSG_BIT(NSG_NS_PID) : 0);
		in[i].kubernetes_namespace = field(&f[0], bufs[i][0], sizeof(bufs[i][0]));
		in[i].pod = field(&f[1], bufs[i][1], sizeof(bufs[i][1]));
		in[i].container_name = field(&f[2], bufs[i][2], sizeof(bufs[i][2]));
		in[i].image = field(&f[3], bufs[i][3], sizeof(bufs[i][3]));
		in[i].runtime = field(&f[4], bufs[i][4], sizeof(bufs[i][4]));
		snprintf(bufs[i][5], sizeof(bufs[i][5]), "%064zx", i + 1);
		in[i].container_id = bufs[i][5];
	}
	out = open_memstream(&doc, &len);
	if (!out)
		return 0;
	rc = nsg_suggest_policy(out, in, n, err, sizeof(err));
	fclose(out);
	FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
	FUZZ_CHECK(rc == 0 || (err[0] && len == 0), "failed (%s) but wrote %zu bytes", err, len);
	if (rc == 0) {
		FUZZ_CHECK(nsg_policy_parse("suggested", doc, len, &p, perr, sizeof(perr)) == 0,
			   "the suggested policy does not parse: %s\n%s", perr, doc);
		for (size_t i = 0; i < n; i++) {
			struct nsg_match_input m = {
				.container_id = in[i].container_id,
				.kubernetes_namespace = in[i].kubernetes_namespace,
				.pod = in[i].pod,
				.container_name = in[i].container_name,
				.image = in[i].image,
			};
			uint32_t want = in[i].host_ns_mask;
			bool allowed = (nsg_policy_container_allows(&p, &m) & want) == want;

			FUZZ_CHECK(!want || allowed || strstr(doc, in[i].container_id),
				   "container %zu neither allowed nor listed:\n%s", i, doc);
		}
		nsg_policy_free(&p);
	}
	free(doc);
	return 0;
}
