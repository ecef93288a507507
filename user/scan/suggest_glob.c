// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Pod name -> workload glob: the suffixes Kubernetes' controllers generate
 * (a StatefulSet's ordinal; the random tail of a DaemonSet's, Job's or
 * ReplicaSet's pods, with a Deployment's pod-template-hash before it;
 * generateName's cut of a long owner's name) become "*", so that one rule
 * covers the workload's pods, its next rollout's included. Values are
 * glob-escaped: policy.c matches with fnmatch's flags 0, so a backslash
 * quotes the next character.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "scan/suggest_glob.h"
#include "scan/suggest_policy.h"

/* Kubernetes' generated names (apimachinery's util/rand and SimpleNameGenerator). */
static const char k8s_alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
#define K8S_RANDOM_LEN 5 /* generateName's random tail */
#define K8S_NAME_MAX 63  /* generateName cuts its base to leave room for that tail */
#define K8S_BASE_MAX (K8S_NAME_MAX - K8S_RANDOM_LEN)
#define K8S_HASH_MIN 6 /* pod-template-hash: a uint32's digits, spelled in the alphabet */
#define K8S_HASH_MAX 10

static bool in_alphabet(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(k8s_alphabet, s[i]))
			return false;
	return len > 0;
}

/* A StatefulSet ordinal, as Go's %d prints it. */
static bool is_ordinal(const char *s, size_t len)
{
	if (!len || (s[0] == '0' && len > 1))
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Index just past the last '-' in s[0..len), or 0 when there is none. */
static size_t after_dash(const char *s, size_t len)
{
	const char *d = memrchr(s, '-', len);

	return d ? (size_t)(d - s) + 1 : 0;
}

/*
 * A Deployment's pods are "<deployment>-<pod-template-hash>-<random>": the
 * hash changes with every rollout, so it goes with the random part. keep
 * is the index just past the dash before the random part.
 */
static size_t strip_template_hash(const char *pod, size_t keep)
{
	size_t seg = after_dash(pod, keep - 1), hlen = keep - 1 - seg;

	if (seg > 1 && hlen >= K8S_HASH_MIN && hlen <= K8S_HASH_MAX && in_alphabet(pod + seg, hlen))
		return seg;
	return keep;
}

/*
 * generateName keeps at most 58 bytes of "<owner>-" before the random
 * part: a long owner's pods are 63 bytes with no dash before the random
 * part, and a Deployment's may keep only the start of its hash, dropped
 * here as a whole hash is.
 */
static size_t truncated_keep(const char *pod)
{
	size_t seg = after_dash(pod, K8S_BASE_MAX), tail = K8S_BASE_MAX - seg;

	if (seg > 1 && tail <= K8S_HASH_MAX && in_alphabet(pod + seg, tail))
		return seg;
	return K8S_BASE_MAX;
}

/* Bytes of the pod name that its workload's pods share; *generated if a generated part follows. */
static size_t pod_keep(const char *pod, size_t len, bool *generated)
{
	size_t seg = after_dash(pod, len); /* seg > 1: a name before the dash */

	*generated = true;
	if (seg > 1 && is_ordinal(pod + seg, len - seg))
		return seg; /* StatefulSet */
	if (seg > 1 && len - seg == K8S_RANDOM_LEN && in_alphabet(pod + seg, K8S_RANDOM_LEN))
		return strip_template_hash(pod, seg); /* DaemonSet, Job, ReplicaSet, Deployment */
	if (len == K8S_NAME_MAX && in_alphabet(pod + K8S_BASE_MAX, K8S_RANDOM_LEN))
		return truncated_keep(pod);
	*generated = false;
	return len;
}

/* Appends s[0..len) with fnmatch's specials quoted; false when out[outlen] is too small. */
static bool glob_escape(char *out, size_t outlen, size_t *off, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		size_t special = strchr("*?[\\", s[i]) ? 1 : 0;

		if (*off + special + 1 >= outlen)
			return false;
		if (special)
			out[(*off)++] = '\\';
		out[(*off)++] = s[i];
	}
	out[*off] = '\0';
	return true;
}

void nsg_pod_pattern(const char *pod, char *out, size_t outlen)
{
	size_t len = strlen(pod), off = 0;
	bool generated;
	size_t keep = pod_keep(pod, len, &generated);

	if (!outlen)
		return;
	out[0] = '\0';
	if (!glob_escape(out, outlen, &off, pod, keep) || (generated && off + 1 >= outlen)) {
		out[0] = '\0'; /* a cut pattern would match other names */
		return;
	}
	if (generated) {
		out[off++] = '*';
		out[off] = '\0';
	}
}

char *nsg_glob_literal(const char *s)
{
	size_t len = strlen(s), cap = 2 * len + 1, off = 0;
	char *g = malloc(cap);

	if (g)
		glob_escape(g, cap, &off, s, len);
	return g;
}

char *nsg_pod_glob(const char *pod)
{
	size_t cap = 2 * strlen(pod) + 3;
	char *g = malloc(cap);

	if (g)
		nsg_pod_pattern(pod, g, cap);
	return g;
}
