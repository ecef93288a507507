// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's side of the policy: merging it with the command line,
 * pushing it into the kernel before any hook attaches, reloading it on
 * SIGHUP, and registering containers for the OCI hook.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent_int.h"
#include "feed/names.h"
#include "runtime/oci_state.h"
#include "policy/policy_maps.h"
#include "container/procscan.h"

/* Command-line flags beat the policy file; the file beats the defaults. */
static void merge_command_line(const struct nsg_config *cli, struct nsg_policy *p,
			       struct nsg_config *eff)
{
	*eff = *cli;
	if (!cli->mode_set && p->mode >= 0)
		eff->mode = (enum nsg_mode)p->mode;
	if (!cli->enforcer_set && p->enforcer >= 0)
		eff->enforcer = (enum nsg_enforcer)p->enforcer;
	if (cli->block_set) {
		for (int t = 0; t < NSG_NS_TYPES; t++) {
			if (cli->block_mask & NSG_BIT(t))
				p->action[t] = NSG_ACT_BLOCK;
			else if (p->action[t] == NSG_ACT_BLOCK)
				p->action[t] = NSG_ACT_ALERT;
		}
	}
	eff->block_mask = nsg_policy_types_at_least(p, NSG_ACT_BLOCK);
}

static int load_policy_file(const char *path, struct nsg_policy *p, char *err, size_t errlen)
{
	if (path)
		return nsg_policy_load(path, p, err, errlen);
	if (nsg_policy_load_default(p)) {
		snprintf(err, errlen, "the embedded default policy does not parse");
		return -1;
	}
	return 0;
}

int nsg_agent_load_policy(struct agent *a, char *err, size_t errlen)
{
	if (load_policy_file(a->cli->policy_path, &a->policy, err, errlen))
		return -1;
	merge_command_line(a->cli, &a->policy, &a->effective);
	a->cfg = &a->effective;
	return 0;
}

/* Policy matching works on what the runtime's state says of the container. */
static void fill_from_metadata(struct agent *a, struct nsg_known_container *k)
{
	const struct nsg_container_meta *m = nsg_meta_cache_get(a->meta, k->id);

	if (!m)
		return;
	k->kubernetes_namespace = m->pod_namespace[0] ? (char *)m->pod_namespace : NULL;
	k->pod = m->pod_name[0] ? (char *)m->pod_name : NULL;
	k->container_name = m->name[0] ? (char *)m->name : NULL;
	k->image = m->image[0] ? (char *)m->image : NULL;
}

static void emit_registered(struct agent *a, const struct nsg_known_container *k)
{
	nsg_feed_container_registered(nsg_sink_line(&a->sink), k);
	nsg_sink_commit(&a->sink);
	nsg_sink_flush(&a->sink);
}

/* The hook protocol's ["ipc","pid"] (the protocol is Jansson's; the feed is not). */
static json_t *ns_list_json(uint32_t mask)
{
	json_t *list = json_array();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			json_array_append_new(list, json_string(nsg_ns_names[t]));
	return list;
}

/*
 * Registry and exemption together, or neither: an exemption the registry
 * does not hold would outlive its container's policy. An allowlisted
 * container that cannot be exempted (--max-containers reached) is reported,
 * never left to be stopped silently. Returns 0, or -1 when it was refused.
 */
static void report_exemption_failed(struct agent *a, const struct nsg_known_container *k,
				    const char *why)
{
	nsg_metrics_count_exemption_failed(a->metrics);
	nsg_feed_exemption_failed(nsg_sink_line(&a->sink), k, why);
	nsg_sink_commit(&a->sink);
	nsg_sink_flush(&a->sink);
	fprintf(stderr, "nsguard: container %.12s is allowlisted but cannot be exempted: %s\n",
		k->id, why);
}

/* nsg_registry_apply's word that the kernel's table had no room. */
static void exemption_map_full(void *arg, const struct nsg_known_container *k)
{
	report_exemption_failed(arg, k, "exemption map full (--max-containers)");
}

static int register_container(struct agent *a, const struct nsg_known_container *k, bool announce)
{
	const char *why = NULL;

	if (!nsg_registry_put(&a->registry, k))
		why = "registry full (--max-containers)";
	else if (nsg_exempt_cgroup(a->skel, k->cgroup_id, k->allowed))
		why = "exemption map full (--max-containers)";
	if (!why) {
		if (announce)
			emit_registered(a, k);
		return 0;
	}
	nsg_registry_remove(&a->registry, k->cgroup_id);
	if (!k->allowed)
		return 0; /* nothing to exempt: the kernel's decision stands without us */
	report_exemption_failed(a, k, why);
	return -1;
}

/*
 * Running containers (S6) are known to the registry from the start. The
 * agent's own container (a DaemonSet pod shares the host PID namespace by
 * design) is always exempt: it must be able to restart itself.
 * This scan runs before the hooks attach (exemptions first); the S6 report
 * scans again after they attach, so that a container started in between
 * is seen by one or the other: two scans on purpose.
 */
static void register_running_containers(struct agent *a)
{
	char self_cgroup[512] = "";
	struct nsg_match_input in;
	struct nsg_scan scan;

	nsg_proc_cgroup_path(&a->cgroups, getpid(), self_cgroup, sizeof(self_cgroup));
	if (nsg_scan_proc(&a->cgroups, &a->host, &scan))
		return;
	for (size_t i = 0; i < scan.count; i++) {
		struct nsg_known_container k = { .cgroup = scan.items[i].cgroup_path };

		memcpy(k.id, scan.items[i].ident.id, sizeof(k.id));
		k.cgroup_id = nsg_cgroup_id_of_path(&a->cgroups, k.cgroup);
		if (strcmp(k.cgroup, self_cgroup) == 0)
			k.always_allowed = NSG_NS_ALL;
		fill_from_metadata(a, &k);
		in = nsg_known_match_input(&k);
		k.allowed = nsg_policy_container_allows(&a->policy, &in) | k.always_allowed;
		if (k.cgroup_id)
			register_container(a, &k, false);
	}
	nsg_scan_free(&scan);
}

int nsg_agent_apply_policy(struct agent *a, char *err, size_t errlen)
{
	if (nsg_policy_push(a->skel, &a->policy, nsg_agent_enforcing(a), err, errlen))
		return -1;
	register_running_containers(a);
	nsg_registry_apply(&a->registry, a->skel, &a->policy, exemption_map_full, a);
	return 0;
}

/* policy_reloaded, or policy_error when error is set. */
static void emit_policy_event(struct agent *a, const char *error)
{
	nsg_feed_policy_event(nsg_sink_line(&a->sink), a->cli->policy_path ?: "<embedded>",
			      a->policy.nrules, error);
	nsg_sink_commit(&a->sink);
	nsg_sink_flush(&a->sink);
	if (error)
		fprintf(stderr, "nsguard: policy reload failed, keeping the old policy: %s\n", error);
}

/* What needs a restart cannot change on reload: refuse rather than half-apply. */
static int same_startup_settings(const struct nsg_config *now, const struct nsg_config *next,
				 char *err, size_t errlen)
{
	if (now->mode != next->mode || now->enforcer != next->enforcer) {
		snprintf(err, errlen, "mode and enforcer take effect at start: restart the agent to change them");
		return -1;
	}
	return 0;
}

void nsg_agent_reload_policy(struct agent *a)
{
	struct nsg_policy next;
	struct nsg_config eff;
	char err[512];

	if (load_policy_file(a->cli->policy_path, &next, err, sizeof(err))) {
		nsg_metrics_count_policy_reload(a->metrics, false);
		emit_policy_event(a, err);
		return;
	}
	merge_command_line(a->cli, &next, &eff);
	if (same_startup_settings(&a->effective, &eff, err, sizeof(err)) ||
	    nsg_policy_push(a->skel, &next, nsg_agent_enforcing(a), err, sizeof(err))) {
		nsg_policy_free(&next);
		nsg_metrics_count_policy_reload(a->metrics, false);
		emit_policy_event(a, err);
		return;
	}
	nsg_policy_free(&a->policy);
	a->policy = next;
	a->effective.block_mask = eff.block_mask;
	nsg_agent_set_what_if(a);
	nsg_registry_apply(&a->registry, a->skel, &a->policy, exemption_map_full, a);
	nsg_metrics_count_policy_reload(a->metrics, true);
	emit_policy_event(a, NULL);
}

/*
 * Docker writes no annotations into the bundle: its container's name and
 * image are in its own state (config.v2.json under the data root), written
 * before the runtime is called. A dockerd started since the last look is
 * looked for again, so the first container it starts is named too.
 */
static void fill_from_runtime_state(struct agent *a, struct nsg_known_container *k,
				    struct nsg_container_meta *meta)
{
	struct nsg_container_meta state;

	if (k->container_name && k->image)
		return;
	nsg_metadata_lookup(&a->meta_cfg, k->id, &state);
	if (!state.found && !a->docker.n &&
	    nsg_docker_roots_refresh(&a->docker, nsg_boottime_ns() / 1000000, true))
		nsg_metadata_lookup(&a->meta_cfg, k->id, &state);
	if (!state.found)
		return;
	if (!k->container_name && state.name[0]) {
		memcpy(meta->name, state.name, sizeof(meta->name));
		k->container_name = meta->name;
	}
	if (!k->image && state.image[0]) {
		memcpy(meta->image, state.image, sizeof(meta->image));
		k->image = meta->image;
	}
	if (!k->runtime && state.runtime[0]) {
		memcpy(meta->runtime, state.runtime, sizeof(meta->runtime));
		k->runtime = meta->runtime;
	}
}

json_t *nsg_agent_hook_request(void *arg, json_t *state)
{
	struct agent *a = arg;
	struct nsg_known_container k;
	struct nsg_container_meta meta;
	struct nsg_match_input in;
	char cgroup[512], err[256];
	json_t *config;
	int rc;

	if (nsg_oci_state_container(state, &a->cgroups, &k, &meta, cgroup, sizeof(cgroup), &config,
				    err, sizeof(err)))
		return json_pack("{s:b, s:s}", "ok", 0, "error", err);
	fill_from_runtime_state(a, &k, &meta);
	in = nsg_known_match_input(&k);
	k.allowed = nsg_policy_container_allows(&a->policy, &in);
	/* In the kernel before the answer: the runtime waits for it. */
	rc = register_container(a, &k, true);
	json_decref(config);
	if (rc)
		return json_pack("{s:b, s:s}", "ok", 0, "error", "exemption map full");
	return json_pack("{s:b, s:o}", "ok", 1, "allowed_ns", ns_list_json(k.allowed));
}

void nsg_agent_report_missed_hooks(struct agent *a)
{
	char dir[sizeof(a->hook.path)], path[sizeof(dir) + 32], line[4096];
	FILE *f;

	if (!a->cfg->hook_socket)
		return;
	snprintf(dir, sizeof(dir), "%s", a->cfg->hook_socket);
	snprintf(path, sizeof(path), "%s/" NSG_HOOK_SPOOL_NAME, dirname(dir));
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		nsg_feed_hook_unreachable(nsg_sink_line(&a->sink), line, strlen(line));
		nsg_sink_commit(&a->sink);
	}
	fclose(f);
	unlink(path);
	nsg_sink_flush(&a->sink);
}
