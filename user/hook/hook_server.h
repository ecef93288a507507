/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's end of nsguard-oci-hook: a unix socket (mode 0600, in a 0700
 * directory) that takes one OCI state document per connection and answers
 * one line once the container's exemptions are in the kernel. The runtime
 * waits for the hook, so the container's first exec comes after the answer.
 */
#ifndef NSGUARD_HOOK_SERVER_H
#define NSGUARD_HOOK_SERVER_H

#include <stddef.h>
#include <jansson.h>
#include "util/unix_listener.h"

#define NSG_HOOK_REQUEST_MAX (1 << 20)

struct nsg_hook_server {
	int fd;
	char path[NSG_UNIX_PATH_MAX + 1];
	struct nsg_unix_socket_file made; /* removed at close only while still this file */
};

/* Handles one request; returns the reply object (owned by the caller). */
typedef json_t *(*nsg_hook_handler)(void *arg, json_t *state);

int nsg_hook_server_open(struct nsg_hook_server *s, const char *path, char *err, size_t errlen);
/* Answers every pending connection; never blocks longer than a request's deadline. */
void nsg_hook_server_service(struct nsg_hook_server *s, nsg_hook_handler handler, void *arg);
void nsg_hook_server_close(struct nsg_hook_server *s);

#endif
