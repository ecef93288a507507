// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's side of the policy: merging it with the command line,
 * pushing it into the kernel before any hook attaches, and reloading it on
 * SIGHUP, all or nothing.
 */
#include <stdio.h>
#include "agent/agent_state.h"
#include "agent/containers.h"
#include "agent/policy_control.h"
#include "agent/report.h"
#include "policy/policy_maps.h"

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

int nsg_agent_load_policy(struct agent_settings *s, const struct nsg_config *cli, char *err,
			  size_t errlen)
{
	s->cli = cli;
	s->cfg = cli;
	if (load_policy_file(cli->policy_path, &s->policy, err, errlen))
		return -1;
	merge_command_line(cli, &s->policy, &s->effective);
	s->cfg = &s->effective;
	return 0;
}

int nsg_agent_apply_policy(struct agent *a, char *err, size_t errlen)
{
	if (nsg_policy_push(a->kern.skel, &a->set.policy, a->kern.enforcing, err, errlen))
		return -1;
	nsg_containers_register_running(a);
	nsg_containers_apply_policy(a);
	return 0;
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

static void reload_failed(struct agent *a, const char *why)
{
	nsg_metrics_count_policy_reload(a->out.metrics, false);
	nsg_report_policy_event(a, why);
}

void nsg_agent_reload_policy(struct agent *a)
{
	struct agent_settings *s = &a->set;
	struct nsg_policy next;
	struct nsg_config eff;
	char err[512];

	if (load_policy_file(s->cli->policy_path, &next, err, sizeof(err))) {
		reload_failed(a, err);
		return;
	}
	merge_command_line(s->cli, &next, &eff);
	if (same_startup_settings(&s->effective, &eff, err, sizeof(err)) ||
	    nsg_policy_push(a->kern.skel, &next, a->kern.enforcing, err, sizeof(err))) {
		nsg_policy_free(&next);
		reload_failed(a, err);
		return;
	}
	nsg_policy_free(&s->policy);
	s->policy = next;
	s->effective.block_mask = eff.block_mask;
	nsg_report_set_what_if(a);
	nsg_containers_apply_policy(a);
	nsg_metrics_count_policy_reload(a->out.metrics, true);
	nsg_report_policy_event(a, NULL);
}
