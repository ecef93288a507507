// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The policy `nsguard scan --suggest-policy` prints. Every value in it
 * comes from a container (names, images, annotations: whatever the runtime
 * let through), so nothing of a value reaches the document unescaped:
 * values are double-quoted scalars with YAML escapes, and glob-escaped for
 * fnmatch (policy.c matches with flags 0, so a backslash quotes the next
 * character); comments get only printable text. The document is then read
 * back with the policy's own parser and matcher before it is written.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed/names.h"
#include "policy/policy.h"
#include "scan/suggest_policy.h"
#include "util/utf8.h"

/* Kubernetes' generated names (apimachinery's util/rand and SimpleNameGenerator). */
static const char k8s_alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
#define K8S_RANDOM_LEN 5 /* generateName's random tail */
#define K8S_NAME_MAX 63  /* generateName cuts its base to leave room for that tail */
#define K8S_BASE_MAX (K8S_NAME_MAX - K8S_RANDOM_LEN)
#define K8S_HASH_MIN 6 /* pod-template-hash: a uint32's digits, spelled in the alphabet */
#define K8S_HASH_MAX 10

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

static const char *known(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* ---- Pod name -> workload glob ---- */

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

/* s as a glob matching exactly s; NULL: out of memory. */
static char *glob_literal(const char *s)
{
	size_t len = strlen(s), cap = 2 * len + 1, off = 0;
	char *g = malloc(cap);

	if (g)
		glob_escape(g, cap, &off, s, len);
	return g;
}

static char *pod_glob(const char *pod)
{
	size_t cap = 2 * strlen(pod) + 3;
	char *g = malloc(cap);

	if (g)
		nsg_pod_pattern(pod, g, cap);
	return g;
}

/* ---- YAML text ---- */

struct utf8_char {
	size_t len;
	bool valid;
	uint32_t cp;
};

/* The character at s (left bytes remain); an invalid byte is one invalid character. */
static struct utf8_char next_char(const char *s, size_t left)
{
	static const unsigned char lead_bits[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	const unsigned char *u = (const unsigned char *)s;
	struct utf8_char c = { .len = nsg_utf8_seq_len(u, left) };

	if (!c.len) {
		c.len = 1;
		return c;
	}
	c.valid = true;
	c.cp = u[0] & lead_bits[c.len];
	for (size_t i = 1; i < c.len; i++)
		c.cp = c.cp << 6 | (u[i] & 0x3f);
	return c;
}

/*
 * Whether libyaml takes the character as it is: YAML's printable set, less
 * the line breaks. YAML 1.1 also breaks lines at NEL, LS and PS: raw in a
 * comment, one would end it and start a line of the document. A BOM is
 * escaped too, so no reader takes it for the start of a stream.
 */
static bool yaml_literal_char(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7f;
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

/* A double-quoted scalar that reads back as exactly s (valid UTF-8: see rule_for). */
static void put_scalar(FILE *f, const char *s)
{
	size_t left = strlen(s);

	fputc('"', f);
	while (left) {
		struct utf8_char c = next_char(s, left);

		if (!c.valid)
			fputs("\\ufffd", f); /* not reached; the self-check would refuse it */
		else if (c.cp == '"' || c.cp == '\\')
			fprintf(f, "\\%c", (char)c.cp);
		else if (yaml_literal_char(c.cp))
			fwrite(s, 1, c.len, f);
		else if (c.cp < 0x100)
			fprintf(f, "\\x%02x", (unsigned)c.cp);
		else
			fprintf(f, "\\u%04x", (unsigned)c.cp);
		s += c.len;
		left -= c.len;
	}
	fputc('"', f);
}

/* Comment text: at most max bytes of s (then `cut`), '?' for what a comment cannot hold. */
static void put_comment_text(FILE *f, const char *s, size_t max, const char *cut)
{
	size_t left = strlen(s);

	while (left) {
		struct utf8_char c = next_char(s, left);

		if (c.len > max) {
			fputs(cut, f);
			return;
		}
		max -= c.len;
		if (c.valid && yaml_literal_char(c.cp))
			fwrite(s, 1, c.len, f);
		else
			fputc('?', f);
		s += c.len;
		left -= c.len;
	}
}

static void put_value_comment(FILE *f, const char *s)
{
	put_comment_text(f, s, COMMENT_VALUE_MAX, "...");
}

static void put_ns_list(FILE *f, uint32_t mask)
{
	const char *sep = "";

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t)) {
			fprintf(f, "%s%s", sep, nsg_ns_names[t]);
			sep = ", ";
		}
}

/* "<id> (<runtime>): pod <ns>/<pod>, container <name>, image <image>; host <types>" */
static void put_container(FILE *f, const struct nsg_suggest_input *in, size_t id_len)
{
	const char *sep = ": ";

	put_comment_text(f, known(in->container_id) ? in->container_id : "(no id)", id_len, "");
	if (known(in->runtime)) {
		fputs(" (", f);
		put_value_comment(f, in->runtime);
		fputc(')', f);
	}
	if (known(in->pod)) {
		fprintf(f, "%spod ", sep);
		put_value_comment(f, known(in->kubernetes_namespace) ? in->kubernetes_namespace : "?");
		fputc('/', f);
		put_value_comment(f, in->pod);
		sep = ", ";
	}
	if (known(in->container_name)) {
		fprintf(f, "%scontainer ", sep);
		put_value_comment(f, in->container_name);
		sep = ", ";
	}
	if (known(in->image)) {
		fprintf(f, "%simage ", sep);
		put_value_comment(f, in->image);
	}
	fputs("; host ", f);
	put_ns_list(f, in->host_ns_mask & NSG_VIOLATION_MASK);
}

/* ---- Rules ---- */

/* One allow entry: the globs it matches on (NULL: not matched on) and the types it allows. */
struct rule {
	char *kubernetes_namespace;
	char *pod;
	char *container_name;
	char *image;
	uint32_t ns_mask;
};

static void rule_free(struct rule *r)
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

static bool same_match(const struct rule *a, const struct rule *b)
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
	v[F_NAMESPACE] = known(in->kubernetes_namespace);
	v[F_POD] = known(in->pod);
	v[F_NAME] = known(in->container_name);
	v[F_IMAGE] = v[F_POD] || v[F_NAME] ? NULL : known(in->image);
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
static int rule_for(const struct nsg_suggest_input *in, struct rule *r, const char **why)
{
	const char *v[F_COUNT];

	memset(r, 0, sizeof(*r));
	rule_fields(in, v);
	*why = unrulable(v);
	if (*why)
		return 0;
	r->ns_mask = in->host_ns_mask & NSG_VIOLATION_MASK;
	r->kubernetes_namespace = v[F_NAMESPACE] ? glob_literal(v[F_NAMESPACE]) : NULL;
	r->pod = v[F_POD] ? pod_glob(v[F_POD]) : NULL;
	r->container_name = v[F_NAME] ? glob_literal(v[F_NAME]) : NULL;
	r->image = v[F_IMAGE] ? glob_literal(v[F_IMAGE]) : NULL;
	if ((v[F_NAMESPACE] && !r->kubernetes_namespace) || (v[F_POD] && !r->pod) ||
	    (v[F_NAME] && !r->container_name) || (v[F_IMAGE] && !r->image)) {
		rule_free(r);
		return -1;
	}
	return 0;
}

/* Which rule each container got (-1: none), and why not. */
struct plan {
	struct rule *rules;
	size_t nrules;
	long *rule_of;
	const char **why;   /* NULL for a container not considered */
	size_t considered;  /* containers sharing ipc or pid with the host */
	size_t allowed;
};

static void plan_free(struct plan *pl)
{
	for (size_t k = 0; k < pl->nrules; k++)
		rule_free(&pl->rules[k]);
	free(pl->rules);
	free(pl->rule_of);
	free(pl->why);
}

static int plan_add(struct plan *pl, size_t i, const struct nsg_suggest_input *in)
{
	struct rule r;

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

static int plan_build(struct plan *pl, const struct nsg_suggest_input *in, size_t n)
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

/* ---- The document ---- */

static void put_header(FILE *f, const struct plan *pl)
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

static void put_not_allowlisted(FILE *f, const struct plan *pl, const struct nsg_suggest_input *in,
				size_t n)
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

static void put_rule(FILE *f, const struct rule *r)
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
			put_scalar(f, fields[i].value);
			fputc('\n', f);
			lead = "    ";
		}
	fputs("    namespaces: [", f);
	put_ns_list(f, r->ns_mask);
	fputs("]\n", f);
}

static void put_allow(FILE *f, const struct plan *pl, const struct nsg_suggest_input *in, size_t n)
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
		.container_id = known(in->container_id),
		.kubernetes_namespace = known(in->kubernetes_namespace),
		.pod = known(in->pod),
		.container_name = known(in->container_name),
		.image = known(in->image),
	};
}

/* The document must load, and allow each allowlisted container all it uses. */
static int check_document(const char *doc, size_t len, const struct plan *pl,
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
static int render(const struct plan *pl, const struct nsg_suggest_input *in, size_t n, char **doc,
		  size_t *len)
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
	struct plan pl;
	char *doc = NULL;
	size_t len = 0;
	int rc = -1;

	if (plan_build(&pl, in, n) || render(&pl, in, n, &doc, &len)) {
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
	plan_free(&pl);
	return rc;
}
