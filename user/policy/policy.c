// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include "cli/cli.h"
#include "feed/names.h"
#include "policy/policy.h"

#define NSG_POLICY_MAX_BYTES (1 << 20)

const char nsg_default_policy_yaml[] =
	"# nsguard's embedded default policy (README: Policy)\n"
	"mode: audit\n"
	"enforcer: auto\n"
	"namespaces:\n"
	"  ipc: block\n"
	"  pid: block\n"
	"  net: allow\n"
	"  uts: allow\n"
	"  mnt: allow\n"
	"  cgroup: allow\n"
	"  time: allow\n"
	"  user: allow\n"
	"allow: []\n"
	"hook:\n"
	"  on_agent_unreachable: open\n";

/* Parsing state: the document, and where to report errors. */
struct parser {
	yaml_document_t doc;
	const char *name;
	char *err;
	size_t errlen;
};

static int fail_at(struct parser *ps, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Echoed keys and values may hold newlines: the error stays one line. */
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = '?';
	snprintf(ps->err, ps->errlen, "%s:%zu:%zu: %s", ps->name, node->start_mark.line + 1,
		 node->start_mark.column + 1, msg);
	return -1;
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(struct parser *ps, int id)
{
	return yaml_document_get_node(&ps->doc, id);
}

static int want_scalar(struct parser *ps, yaml_node_t *n, const char *key, const char **out)
{
	*out = scalar(n);
	if (!*out)
		return fail_at(ps, n, "%s: expected a string", key);
	return 0;
}

static int parse_choice(struct parser *ps, yaml_node_t *n, const char *key,
			const char *const *names, int count, int *out)
{
	const char *s;

	*out = 0;
	if (want_scalar(ps, n, key, &s))
		return -1;
	for (int i = 0; i < count; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return fail_at(ps, n, "%s: '%s' is not one of the allowed values", key, s);
}

static int parse_namespaces(struct parser *ps, yaml_node_t *map, struct nsg_policy *p)
{
	static const char *const actions[] = { "allow", "alert", "block" };
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ps, map, "namespaces: expected a mapping of type: action");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node(ps, pair->key), *v = node(ps, pair->value);
		const char *type = scalar(k);
		int t = type ? nsg_ns_type_from_name(type) : -1, act;

		if (t < 0)
			return fail_at(ps, k, "namespaces: unknown namespace type '%s'", type ? type : "?");
		if (parse_choice(ps, v, type, actions, 3, &act))
			return -1;
		if (act == NSG_ACT_BLOCK && !(NSG_BIT(t) & NSG_VIOLATION_MASK))
			return fail_at(ps, v, "%s: block is not supported (the kernel side blocks ipc and pid)",
				       type);
		p->action[t] = (enum nsg_action)act;
	}
	return 0;
}

/* fnmatch cannot report a malformed pattern: catch the unclosed bracket. */
static bool glob_ok(const char *g)
{
	for (const char *c = g; *c; c++) {
		if (*c == '\\' && c[1]) {
			c++;
			continue;
		}
		if (*c == '[') {
			const char *close = strchr(c + 2, ']');

			if (!c[1] || !close)
				return false;
			c = close;
		}
	}
	return *g != '\0';
}

static int parse_rule_types(struct parser *ps, yaml_node_t *seq, struct nsg_rule *r)
{
	yaml_node_item_t *it;

	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(ps, seq, "namespaces: expected a list of namespace types");
	r->ns_mask = 0;
	for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = node(ps, *it);
		const char *type = scalar(n);
		int t = type ? nsg_ns_type_from_name(type) : -1;

		if (t < 0)
			return fail_at(ps, n, "unknown namespace type '%s'", type ? type : "?");
		r->ns_mask |= NSG_BIT(t);
	}
	if (!r->ns_mask)
		return fail_at(ps, seq, "namespaces: an empty list would allow nothing");
	return 0;
}

/* Address of the rule field for `key`, or NULL when the key is unknown. */
static char **rule_field(struct nsg_rule *r, const char *key)
{
	struct { const char *key; char **field; } fields[] = {
		{ "name", &r->name },
		{ "kubernetes_namespace", &r->kubernetes_namespace },
		{ "pod", &r->pod },
		{ "container_name", &r->container_name },
		{ "image", &r->image },
		{ "container_id", &r->container_id },
		{ "cgroup", &r->cgroup },
		{ "executable", &r->executable },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(key, fields[i].key) == 0)
			return fields[i].field;
	return NULL;
}

static int check_rule_value(struct parser *ps, yaml_node_t *v, const char *key, const char *s)
{
	if (strcmp(key, "executable") == 0) {
		if (s[0] != '/' || strpbrk(s, "*?["))
			return fail_at(ps, v, "executable: '%s' must be an exact absolute path", s);
		if (strlen(s) >= NSG_EXE_LEN)
			return fail_at(ps, v, "executable: longer than %d bytes", NSG_EXE_LEN - 1);
	} else if (strcmp(key, "name") != 0 && !glob_ok(s)) {
		return fail_at(ps, v, "%s: '%s' is not a valid glob", key, s);
	}
	return 0;
}

static int parse_rule_pair(struct parser *ps, yaml_node_t *k, yaml_node_t *v, struct nsg_rule *r)
{
	const char *key = scalar(k), *s;
	char **field;

	if (!key)
		return fail_at(ps, k, "allow: expected a field name");
	if (strcmp(key, "namespaces") == 0)
		return parse_rule_types(ps, v, r);
	field = rule_field(r, key);
	if (!field)
		return fail_at(ps, k, "allow: unknown field '%s'", key);
	if (want_scalar(ps, v, key, &s) || check_rule_value(ps, v, key, s))
		return -1;
	free(*field);
	*field = strdup(s);
	return *field ? 0 : fail_at(ps, v, "out of memory");
}

static int parse_rule(struct parser *ps, yaml_node_t *map, struct nsg_rule *r)
{
	yaml_node_pair_t *pair;
	bool matches_something;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ps, map, "allow: each rule is a mapping");
	r->ns_mask = (1U << NSG_NS_TYPES) - 1;
	r->line = (int)map->start_mark.line + 1;
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++)
		if (parse_rule_pair(ps, node(ps, pair->key), node(ps, pair->value), r))
			return -1;
	matches_something = r->kubernetes_namespace || r->pod || r->container_name || r->image ||
			     r->container_id || r->cgroup;
	if (!matches_something && !r->executable)
		return fail_at(ps, map, "allow: a rule must match on at least one field");
	/* The kernel matches executables alone, at exec: no combinations. */
	if (matches_something && r->executable)
		return fail_at(ps, map, "allow: 'executable' cannot be combined with other fields");
	return 0;
}

static int parse_rules(struct parser *ps, yaml_node_t *seq, struct nsg_policy *p)
{
	size_t n;

	if (seq->type != YAML_SEQUENCE_NODE)
		return fail_at(ps, seq, "allow: expected a list of rules");
	n = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	p->rules = calloc(n ? n : 1, sizeof(*p->rules));
	if (!p->rules)
		return fail_at(ps, seq, "out of memory");
	for (size_t i = 0; i < n; i++) {
		p->nrules++;
		if (parse_rule(ps, node(ps, seq->data.sequence.items.start[i]), &p->rules[i]))
			return -1;
	}
	return 0;
}

static int parse_hook(struct parser *ps, yaml_node_t *map, struct nsg_policy *p)
{
	static const char *const modes[] = { "open", "closed" };
	yaml_node_pair_t *pair;

	if (map->type != YAML_MAPPING_NODE)
		return fail_at(ps, map, "hook: expected a mapping");
	for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node(ps, pair->key);
		const char *key = scalar(k);
		int v;

		if (!key || strcmp(key, "on_agent_unreachable") != 0)
			return fail_at(ps, k, "hook: unknown field '%s'", key ? key : "?");
		if (parse_choice(ps, node(ps, pair->value), key, modes, 2, &v))
			return -1;
		p->hook_failure = (enum nsg_hook_failure)v;
	}
	return 0;
}

static int parse_top_pair(struct parser *ps, yaml_node_t *k, yaml_node_t *v, struct nsg_policy *p)
{
	const char *key = scalar(k);

	if (!key)
		return fail_at(ps, k, "expected a field name");
	if (strcmp(key, "mode") == 0)
		return parse_choice(ps, v, key, nsg_mode_names, NSG_MODES, &p->mode);
	if (strcmp(key, "enforcer") == 0)
		return parse_choice(ps, v, key, nsg_enforcer_names, NSG_ENFORCERS, &p->enforcer);
	if (strcmp(key, "namespaces") == 0)
		return parse_namespaces(ps, v, p);
	if (strcmp(key, "allow") == 0)
		return parse_rules(ps, v, p);
	if (strcmp(key, "hook") == 0)
		return parse_hook(ps, v, p);
	return fail_at(ps, k, "unknown field '%s'", key);
}

static void policy_init(struct nsg_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->mode = -1;
	p->enforcer = -1;
	p->action[NSG_NS_IPC] = NSG_ACT_BLOCK;
	p->action[NSG_NS_PID] = NSG_ACT_BLOCK;
}

static int parse_document(struct parser *ps, struct nsg_policy *p)
{
	yaml_node_t *root = yaml_document_get_root_node(&ps->doc);
	yaml_node_pair_t *pair;

	if (!root)
		return 0; /* an empty file: all defaults */
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(ps, root, "the policy must be a mapping");
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		/* libyaml accepts repeated keys; a policy must not say two things. */
		for (yaml_node_pair_t *prev = root->data.mapping.pairs.start; prev < pair; prev++) {
			const char *a = scalar(node(ps, prev->key)), *b = scalar(node(ps, pair->key));

			if (a && b && strcmp(a, b) == 0)
				return fail_at(ps, node(ps, pair->key), "'%s' appears twice", b);
		}
		if (parse_top_pair(ps, node(ps, pair->key), node(ps, pair->value), p))
			return -1;
	}
	return 0;
}

int nsg_policy_parse(const char *name, const char *text, size_t len, struct nsg_policy *out,
		     char *err, size_t errlen)
{
	struct parser ps = { .name = name, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	int rc;

	policy_init(out);
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ps.doc)) {
		snprintf(err, errlen, "%s:%zu:%zu: %s", name, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return -1;
	}
	rc = parse_document(&ps, out);
	yaml_document_delete(&ps.doc);
	yaml_parser_delete(&parser);
	if (rc)
		nsg_policy_free(out);
	return rc;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	char *buf;

	if (!f || fstat(fileno(f), &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return NULL;
	}
	/* Whoever can write the policy can switch enforcement off. */
	if (st.st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: refusing a world-writable policy file", path);
		fclose(f);
		return NULL;
	}
	if (st.st_size > NSG_POLICY_MAX_BYTES || !(buf = malloc((size_t)st.st_size + 1))) {
		snprintf(err, errlen, "%s: too large (limit %d bytes)", path, NSG_POLICY_MAX_BYTES);
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

int nsg_policy_load(const char *path, struct nsg_policy *out, char *err, size_t errlen)
{
	size_t len;
	char *text = read_file(path, &len, err, errlen);
	int rc;

	if (!text) {
		policy_init(out);
		return -1;
	}
	rc = nsg_policy_parse(path, text, len, out, err, errlen);
	free(text);
	return rc;
}

int nsg_policy_load_default(struct nsg_policy *out)
{
	char err[256];

	return nsg_policy_parse("<embedded>", nsg_default_policy_yaml,
				strlen(nsg_default_policy_yaml), out, err, sizeof(err));
}

static void rule_free(struct nsg_rule *r)
{
	free(r->name);
	free(r->kubernetes_namespace);
	free(r->pod);
	free(r->container_name);
	free(r->image);
	free(r->container_id);
	free(r->cgroup);
	free(r->executable);
}

void nsg_policy_free(struct nsg_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	p->rules = NULL;
	p->nrules = 0;
}

uint32_t nsg_policy_types_at_least(const struct nsg_policy *p, enum nsg_action a)
{
	uint32_t mask = 0;

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (p->action[t] >= a)
			mask |= NSG_BIT(t);
	return mask;
}

/* An absent pattern matches anything; a present one needs a known value. */
static bool field_matches(const char *pattern, const char *value)
{
	if (!pattern)
		return true;
	return value && fnmatch(pattern, value, 0) == 0;
}

static bool rule_matches(const struct nsg_rule *r, const struct nsg_match_input *in)
{
	/* Executable rules are per exec: the kernel matches them, not this. */
	if (r->executable)
		return false;
	return field_matches(r->kubernetes_namespace, in->kubernetes_namespace) &&
	       field_matches(r->pod, in->pod) && field_matches(r->container_name, in->container_name) &&
	       field_matches(r->image, in->image) && field_matches(r->container_id, in->container_id) &&
	       field_matches(r->cgroup, in->cgroup);
}

uint32_t nsg_policy_container_allows(const struct nsg_policy *p, const struct nsg_match_input *in)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < p->nrules; i++)
		if (rule_matches(&p->rules[i], in))
			mask |= p->rules[i].ns_mask;
	return mask;
}

enum nsg_hook_failure nsg_policy_hook_failure(const char *path, char *why, size_t whylen)
{
	enum nsg_hook_failure mode;
	struct nsg_policy p;

	why[0] = '\0';
	if (!path)
		return NSG_HOOK_FAIL_OPEN;
	if (nsg_policy_load(path, &p, why, whylen))
		return NSG_HOOK_FAIL_CLOSED;
	mode = p.hook_failure;
	nsg_policy_free(&p);
	return mode;
}
