// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy `nsguard scan --suggest-policy` prints: the header, the
 * containers no rule can name, the rules (suggest_rules.c) with the
 * containers each covers, all in YAML text that no value can break out of
 * (suggest_yaml.c). The document is then read back with the policy's own
 * parser and matcher before it is written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy/policy.h"
#include "scan/suggest_policy.h"
#include "scan/suggest_rules.h"
#include "scan/suggest_yaml.h"

#define SHORT_ID_LEN 12
#define FULL_ID_LEN NSG_CONTAINER_ID_LEN
#define COMMENT_VALUE_MAX 80 /* bytes of one value shown in a comment */
/* policy.c's NSG_POLICY_MAX_BYTES: nsg_policy_load refuses a larger file. */
#define POLICY_MAX_BYTES (1 << 20)

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* The reason is one line, whatever a value held. */
	for (char *c = err; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = '?';
}

static void put_value_comment(FILE *f, const char *s)
{
	nsg_yaml_put_comment_text(f, s, COMMENT_VALUE_MAX, "...");
}

/* "<id> (<runtime>): pod <ns>/<pod>, container <name>, image <image>; host <types>" */
static void put_container(FILE *f, const struct nsg_suggest_input *in, size_t id_len)
{
	const char *sep = ": ";
	const char *id = nsg_suggest_known(in->container_id) ? in->container_id : "(no id)";

	nsg_yaml_put_comment_text(f, id, id_len, "");
	if (nsg_suggest_known(in->runtime)) {
		fputs(" (", f);
		put_value_comment(f, in->runtime);
		fputc(')', f);
	}
	if (nsg_suggest_known(in->pod)) {
		fprintf(f, "%spod ", sep);
		put_value_comment(f, nsg_suggest_known(in->kubernetes_namespace)
					     ? in->kubernetes_namespace : "?");
		fputc('/', f);
		put_value_comment(f, in->pod);
		sep = ", ";
	}
	if (nsg_suggest_known(in->container_name)) {
		fprintf(f, "%scontainer ", sep);
		put_value_comment(f, in->container_name);
		sep = ", ";
	}
	if (nsg_suggest_known(in->image)) {
		fprintf(f, "%simage ", sep);
		put_value_comment(f, in->image);
	}
	fputs("; host ", f);
	nsg_yaml_put_ns_list(f, in->host_ns_mask & NSG_VIOLATION_MASK);
}

static void put_header(FILE *f, const struct nsg_suggest_plan *pl)
{
	fputs("# nsguard policy suggested by `nsguard scan --suggest-policy`: enforce mode,\n"
	      "# with an allowlist for the containers that share the host's IPC or PID\n"
	      "# namespace now; any other container that does is stopped.\n"
	      "# Review each rule before loading it: a rule allows every container it\n"
	      "# matches, and a pod pattern (\"name-*\") the workload's future pods too.\n",
	      f);
	fprintf(f, "# Containers sharing the host's IPC or PID namespace: %zu.\n"
		"# Allowlisted: %zu, in %zu rule%s; not allowlisted: %zu.\n",
		pl->considered, pl->allowed, pl->nrules, pl->nrules == 1 ? "" : "s",
		pl->considered - pl->allowed);
	fputs("mode: enforce\n"
	      "namespaces:\n"
	      "  ipc: block\n"
	      "  pid: block\n",
	      f);
}

static void put_not_allowlisted(FILE *f, const struct nsg_suggest_plan *pl,
				const struct nsg_suggest_input *in, size_t n)
{
	if (pl->considered == pl->allowed)
		return;
	fputs("# Not allowlisted (stopped in enforce mode unless you add a rule):\n", f);
	for (size_t i = 0; i < n; i++)
		if (pl->why[i]) {
			fputs("#   ", f);
			put_container(f, &in[i], FULL_ID_LEN);
			fprintf(f, ": %s.\n", pl->why[i]);
		}
}

static void put_rule(FILE *f, const struct nsg_suggest_rule *r)
{
	const struct { const char *key, *value; } fields[] = {
		{ "kubernetes_namespace", r->kubernetes_namespace },
		{ "pod", r->pod },
		{ "container_name", r->container_name },
		{ "image", r->image },
	};
	const char *lead = "  - ";

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].value) {
			fprintf(f, "%s%s: ", lead, fields[i].key);
			nsg_yaml_put_scalar(f, fields[i].value);
			fputc('\n', f);
			lead = "    ";
		}
	fputs("    namespaces: [", f);
	nsg_yaml_put_ns_list(f, r->ns_mask);
	fputs("]\n", f);
}

static void put_allow(FILE *f, const struct nsg_suggest_plan *pl,
		      const struct nsg_suggest_input *in, size_t n)
{
	if (!pl->nrules) {
		fputs(pl->considered ? "# Nothing can be allowlisted (see above).\n"
				     : "# Nothing to allowlist: no container shares the host's IPC or PID "
				       "namespace.\n",
		      f);
		fputs("allow: []\n", f);
		return;
	}
	fputs("allow:\n", f);
	for (size_t k = 0; k < pl->nrules; k++) {
		for (size_t i = 0; i < n; i++)
			if (pl->rule_of[i] == (long)k) {
				fputs("  # ", f);
				put_container(f, &in[i], SHORT_ID_LEN);
				fputc('\n', f);
			}
		put_rule(f, &pl->rules[k]);
	}
}

/* How the agent's policy sees the container (agent_policy.c: "" is unknown). */
static struct nsg_match_input match_input(const struct nsg_suggest_input *in)
{
	return (struct nsg_match_input){
		.container_id = nsg_suggest_known(in->container_id),
		.kubernetes_namespace = nsg_suggest_known(in->kubernetes_namespace),
		.pod = nsg_suggest_known(in->pod),
		.container_name = nsg_suggest_known(in->container_name),
		.image = nsg_suggest_known(in->image),
	};
}

/* The document must load, and allow each allowlisted container all it uses. */
static int check_document(const char *doc, size_t len, const struct nsg_suggest_plan *pl,
			  const struct nsg_suggest_input *in, size_t n, char *err, size_t errlen)
{
	struct nsg_policy p;
	char why[512];
	int rc = 0;

	if (len > POLICY_MAX_BYTES) {
		set_err(err, errlen, "the suggested policy is %zu bytes, more than the %d nsguard loads",
			len, POLICY_MAX_BYTES);
		return -1;
	}
	if (nsg_policy_parse("suggested policy", doc, len, &p, why, sizeof(why))) {
		set_err(err, errlen, "internal error: %s", why);
		return -1;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		struct nsg_match_input m = match_input(&in[i]);
		uint32_t want = in[i].host_ns_mask & NSG_VIOLATION_MASK;

		if (pl->rule_of[i] >= 0 && (nsg_policy_container_allows(&p, &m) & want) != want) {
			set_err(err, errlen, "internal error: the suggested policy does not allow "
					     "container %zu", i);
			rc = -1;
		}
	}
	nsg_policy_free(&p);
	return rc;
}

/* The document in memory: checked whole before a byte of it is written. */
static int render(const struct nsg_suggest_plan *pl, const struct nsg_suggest_input *in, size_t n,
		  char **doc, size_t *len)
{
	FILE *f = open_memstream(doc, len);
	int bad;

	if (!f)
		return -1;
	put_header(f, pl);
	put_not_allowlisted(f, pl, in, n);
	put_allow(f, pl, in, n);
	bad = ferror(f);
	return fclose(f) || bad ? -1 : 0;
}

int nsg_suggest_policy(FILE *out, const struct nsg_suggest_input *in, size_t n, char *err,
		       size_t errlen)
{
	struct nsg_suggest_plan pl;
	char *doc = NULL;
	size_t len = 0;
	int rc = -1;

	if (nsg_suggest_plan_build(&pl, in, n) || render(&pl, in, n, &doc, &len)) {
		set_err(err, errlen, "out of memory");
		goto out;
	}
	if (check_document(doc, len, &pl, in, n, err, errlen))
		goto out;
	if (fwrite(doc, 1, len, out) != len || fflush(out) != 0) {
		set_err(err, errlen, "writing the policy: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	free(doc);
	nsg_suggest_plan_free(&pl);
	return rc;
}
