/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The compliance controls a container in a host namespace fails, as the
 * feed and `nsguard scan` name them: stable IDs, one per control and
 * benchmark edition (editions number the same control differently).
 */
#ifndef NSGUARD_CONTROLS_H
#define NSGUARD_CONTROLS_H

#include <stddef.h>
#include <stdint.h>

struct nsg_control {
	const char *id;        /* stable, for machines: "cis-docker-1.6.0:5.17" */
	const char *benchmark; /* "CIS Docker Benchmark", "Kubernetes Pod Security Standards" */
	const char *edition;   /* "v1.6.0", "baseline" */
	const char *number;    /* "5.17", or the control's name where it has no number */
	const char *title;
	uint32_t ns_mask;      /* the namespace types (NSG_BIT) whose sharing fails it */
};

extern const struct nsg_control nsg_controls[];
extern const size_t nsg_controls_count;

/* Fills ids[] with the controls failed by sharing `mask`; returns how many (<= max). */
size_t nsg_controls_failed(uint32_t mask, const char **ids, size_t max);

#endif
