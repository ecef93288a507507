// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "feed/names.h"

const char *const nsg_mode_names[NSG_MODES] = {
	[NSG_MODE_AUDIT] = "audit",
	[NSG_MODE_ENFORCE] = "enforce",
};

const char *const nsg_enforcer_names[NSG_ENFORCERS] = {
	[NSG_ENFORCER_AUTO] = "auto",
	[NSG_ENFORCER_LSM] = "lsm",
	[NSG_ENFORCER_SIGNAL] = "signal",
	[NSG_ENFORCER_NONE] = "none",
};

const char *const nsg_ns_names[NSG_NS_TYPES] = {
	[NSG_NS_IPC] = "ipc",	    [NSG_NS_PID] = "pid",   [NSG_NS_NET] = "net",
	[NSG_NS_UTS] = "uts",	    [NSG_NS_MNT] = "mnt",   [NSG_NS_CGROUP] = "cgroup",
	[NSG_NS_TIME] = "time",	    [NSG_NS_USER] = "user",
};

const char *nsg_event_name(uint32_t type)
{
	switch (type) {
	case NSG_EV_HOST_NS_EXEC: return "host_ns_exec";
	case NSG_EV_SETNS: return "setns";
	case NSG_EV_NS_CREATE: return "ns_create";
	case NSG_EV_TAMPER: return "tamper";
	}
	return "unknown";
}

const char *nsg_verdict_name(uint32_t verdict)
{
	switch (verdict) {
	case NSG_VERDICT_ALERT: return "alert";
	case NSG_VERDICT_BLOCKED: return "blocked";
	case NSG_VERDICT_KILLED: return "killed";
	case NSG_VERDICT_ALLOWED: return "allowed";
	}
	return "unknown";
}

const char *nsg_setns_via_name(uint32_t via)
{
	switch (via) {
	case NSG_VIA_NSFS: return "nsfs";
	case NSG_VIA_PIDFD: return "pidfd";
	}
	return "other";
}

const char *nsg_create_via_name(uint32_t via)
{
	return via == NSG_CREATE_UNSHARE ? "unshare" : "clone";
}

int nsg_first_ns_type(uint32_t mask)
{
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			return t;
	return -1;
}

int nsg_ns_type_from_name(const char *name)
{
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (strcmp(name, nsg_ns_names[t]) == 0)
			return t;
	return -1;
}

const char *nsg_tamper_op_name(uint32_t op)
{
	switch (op) {
	case NSG_TAMPER_BPF: return "bpf";
	case NSG_TAMPER_SIGNAL: return "signal";
	case NSG_TAMPER_PTRACE: return "ptrace";
	}
	return "unknown";
}

const char *nsg_obj_kind_name(uint32_t kind)
{
	switch (kind) {
	case NSG_OBJ_MAP: return "map";
	case NSG_OBJ_PROG: return "prog";
	case NSG_OBJ_LINK: return "link";
	case NSG_OBJ_AGENT: return "agent";
	}
	return "unknown";
}

/* The bpf() commands a tamper event names; 0: the object itself (a pin, ...). */
const char *nsg_bpf_cmd_name(uint32_t cmd)
{
	switch (cmd) {
	case 0: return "object";
	case 13: return "BPF_PROG_GET_FD_BY_ID";
	case 14: return "BPF_MAP_GET_FD_BY_ID";
	case 30: return "BPF_LINK_GET_FD_BY_ID";
	}
	return "unknown";
}
