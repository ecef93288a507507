/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The feed's names for the kernel's enums: one table, used everywhere. */
#ifndef NSGUARD_NAMES_H
#define NSGUARD_NAMES_H

#include <stdint.h>
#include <linux/types.h>
#include "nsguard.h"

extern const char *const nsg_ns_names[NSG_NS_TYPES];
/* The agent's modes and enforcement tiers, spelled by the tables below: CLI and policy alike. */
enum nsg_mode { NSG_MODE_AUDIT, NSG_MODE_ENFORCE };
enum nsg_enforcer { NSG_ENFORCER_AUTO, NSG_ENFORCER_LSM, NSG_ENFORCER_SIGNAL, NSG_ENFORCER_NONE };
#define NSG_MODES 2
#define NSG_ENFORCERS 4
extern const char *const nsg_mode_names[NSG_MODES];
extern const char *const nsg_enforcer_names[NSG_ENFORCERS];

const char *nsg_event_name(uint32_t type);
const char *nsg_verdict_name(uint32_t verdict);
const char *nsg_setns_via_name(uint32_t via);
const char *nsg_create_via_name(uint32_t via);
const char *nsg_tamper_op_name(uint32_t op);
const char *nsg_obj_kind_name(uint32_t kind);
const char *nsg_bpf_cmd_name(uint32_t cmd);
/*
 * The first type in a mask, or -1. The order of enum nsg_ns_type puts ipc
 * and pid first, so this is also the most significant one.
 */
int nsg_first_ns_type(uint32_t mask);
/* Index of a namespace type name ("ipc", ...), or -1. */
int nsg_ns_type_from_name(const char *name);

#endif
