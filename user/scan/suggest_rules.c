// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The suggested policy's rules: a container is matched on its Kubernetes
 * namespace, its pod's workload and its name (its image only when nothing
 * else names it); containers of one workload share one rule; a container
 * no rule can name is listed with the reason.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "nsguard.h"
#include "scan/suggest_glob.h"
#include "scan/suggest_rules.h"
#include "util/utf8.h"

const char *nsg_suggest_known(const char *s)
{
	return s && s[0] ? s : NULL;
}

static void rule_free(struct nsg_suggest_rule *r)
{
	free(r->kubernetes_namespace);
	free(r->pod);
	free(r->container_name);
	free(r->image);
}

static bool same_glob(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_match(const struct nsg_suggest_rule *a, const struct nsg_suggest_rule *b)
{
	return same_glob(a->kubernetes_namespace, b->kubernetes_namespace) &&
	       same_glob(a->pod, b->pod) && same_glob(a->container_name, b->container_name) &&
	       same_glob(a->image, b->image);
}

/*
 * The fields a rule for `in` matches on: Kubernetes' namespace and pod
 * (as its workload's glob) and the container's name, each when known; the
 * image only when there is neither pod nor name, because an image rule
 * allows every container of that image.
 */
enum { F_NAMESPACE, F_POD, F_NAME, F_IMAGE, F_COUNT };

static void rule_fields(const struct nsg_suggest_input *in, const char *v[F_COUNT])
{
	v[F_NAMESPACE] = nsg_suggest_known(in->kubernetes_namespace);
	v[F_POD] = nsg_suggest_known(in->pod);
	v[F_NAME] = nsg_suggest_known(in->container_name);
	v[F_IMAGE] = v[F_POD] || v[F_NAME] ? NULL : nsg_suggest_known(in->image);
}

/* Why no rule can name this container, or NULL. */
static const char *unrulable(const char *const v[F_COUNT])
{
	/* YAML is Unicode: a scalar cannot spell a byte that is not UTF-8. */
	static const char *const not_utf8[F_COUNT] = {
		"its Kubernetes namespace is not valid UTF-8, which a YAML policy cannot spell",
		"its pod name is not valid UTF-8, which a YAML policy cannot spell",
		"its container name is not valid UTF-8, which a YAML policy cannot spell",
		"its image is not valid UTF-8, which a YAML policy cannot spell",
	};

	if (!v[F_POD] && !v[F_NAME] && !v[F_IMAGE])
		return "neither its name nor its image is known, and a rule on its ID "
		       "(container_id) would not outlive this instance";
	for (int i = 0; i < F_COUNT; i++)
		if (v[i] && !nsg_utf8_valid(v[i], strlen(v[i])))
			return not_utf8[i];
	return NULL;
}

/* The rule for `in`, or *why it gets none. 0, or -1: out of memory. */
static int rule_for(const struct nsg_suggest_input *in, struct nsg_suggest_rule *r,
		    const char **why)
{
	const char *v[F_COUNT];

	memset(r, 0, sizeof(*r));
	rule_fields(in, v);
	*why = unrulable(v);
	if (*why)
		return 0;
	r->ns_mask = in->host_ns_mask & NSG_VIOLATION_MASK;
	r->kubernetes_namespace = v[F_NAMESPACE] ? nsg_glob_literal(v[F_NAMESPACE]) : NULL;
	r->pod = v[F_POD] ? nsg_pod_glob(v[F_POD]) : NULL;
	r->container_name = v[F_NAME] ? nsg_glob_literal(v[F_NAME]) : NULL;
	r->image = v[F_IMAGE] ? nsg_glob_literal(v[F_IMAGE]) : NULL;
	if ((v[F_NAMESPACE] && !r->kubernetes_namespace) || (v[F_POD] && !r->pod) ||
	    (v[F_NAME] && !r->container_name) || (v[F_IMAGE] && !r->image)) {
		rule_free(r);
		return -1;
	}
	return 0;
}

void nsg_suggest_plan_free(struct nsg_suggest_plan *pl)
{
	for (size_t k = 0; k < pl->nrules; k++)
		rule_free(&pl->rules[k]);
	free(pl->rules);
	free(pl->rule_of);
	free(pl->why);
}

static int plan_add(struct nsg_suggest_plan *pl, size_t i, const struct nsg_suggest_input *in)
{
	struct nsg_suggest_rule r;

	pl->rule_of[i] = -1;
	/* Nothing of it is blocked, so there is nothing to allow. */
	if (!(in->host_ns_mask & NSG_VIOLATION_MASK))
		return 0;
	pl->considered++;
	if (rule_for(in, &r, &pl->why[i]))
		return -1;
	if (pl->why[i])
		return 0;
	pl->allowed++;
	/* Containers of one workload (replicas, or a name reused) share one rule. */
	for (size_t k = 0; k < pl->nrules; k++)
		if (same_match(&pl->rules[k], &r)) {
			pl->rules[k].ns_mask |= r.ns_mask;
			pl->rule_of[i] = (long)k;
			rule_free(&r);
			return 0;
		}
	pl->rules[pl->nrules] = r;
	pl->rule_of[i] = (long)pl->nrules++;
	return 0;
}

int nsg_suggest_plan_build(struct nsg_suggest_plan *pl, const struct nsg_suggest_input *in,
			   size_t n)
{
	memset(pl, 0, sizeof(*pl));
	pl->rules = calloc(n ? n : 1, sizeof(*pl->rules));
	pl->rule_of = calloc(n ? n : 1, sizeof(*pl->rule_of));
	pl->why = calloc(n ? n : 1, sizeof(*pl->why));
	if (!pl->rules || !pl->rule_of || !pl->why)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (plan_add(pl, i, &in[i]))
			return -1;
	return 0;
}
