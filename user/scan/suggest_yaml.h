/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * YAML text for `nsguard scan --suggest-policy`: scalars that read back as
 * exactly the value, and comment text that cannot end its comment, whatever
 * bytes a container's names and images hold.
 */
#ifndef NSGUARD_SUGGEST_YAML_H
#define NSGUARD_SUGGEST_YAML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A double-quoted scalar that reads back as exactly s (valid UTF-8: suggest_rules.c sees to it). */
void nsg_yaml_put_scalar(FILE *f, const char *s);
/* Comment text: at most max bytes of s (then `cut`), '?' for what a comment cannot hold. */
void nsg_yaml_put_comment_text(FILE *f, const char *s, size_t max, const char *cut);
/* The names of the namespace types in mask, comma-separated: "ipc, pid". */
void nsg_yaml_put_ns_list(FILE *f, uint32_t mask);

#endif
