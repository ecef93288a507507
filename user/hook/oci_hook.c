// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard-oci-hook: an OCI `createRuntime` hook. The runtime runs it
 * synchronously after the container's process exists (in its cgroup) and
 * before that process execs the entrypoint. It hands the container's state
 * to the agent and returns only once the agent has put the container's
 * allowlist exemptions into the kernel: no race with the first exec.
 *
 * Agent unreachable: exit 0 (policy hook.on_agent_unreachable: open, the
 * default; a record is spooled so the agent reports it once it is back) or
 * exit 1 (closed: the runtime refuses to start the container).
 */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "cli/cli.h"
#include "hook/spool.h"
#include "policy/policy.h"

struct hook_args {
	const char *socket_path;
	const char *policy_path;
	unsigned int timeout_s;
};

static const struct argp_option options[] = {
	{ "socket", 's', "PATH", 0, "Agent socket (default " NSG_DEFAULT_HOOK_SOCKET ")", 0 },
	{ "policy", 'p', "FILE", 0, "Policy file: its hook.on_agent_unreachable decides open/closed", 0 },
	{ "timeout", 't', "SEC", 0, "Seconds to wait for the agent (default 5)", 0 },
	{},
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct hook_args *a = state->input;

	switch (key) {
	case 's':
		a->socket_path = arg;
		return 0;
	case 'p':
		a->policy_path = arg;
		return 0;
	case 't':
		a->timeout_s = (unsigned int)strtoul(arg, NULL, 10);
		if (!a->timeout_s || a->timeout_s > 300)
			argp_error(state, "--timeout: '%s' is not 1..300 seconds", arg);
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static json_t *read_state(void)
{
	json_error_t jerr;
	json_t *state = json_loadf(stdin, JSON_DISABLE_EOF_CHECK, &jerr);

	if (!json_is_object(state)) {
		fprintf(stderr, "nsguard-oci-hook: stdin is not an OCI state document: %s\n", jerr.text);
		json_decref(state);
		return NULL;
	}
	return state;
}

static int connect_agent(const char *path, unsigned int timeout_s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends the state, waits for {"ok": true}. Returns 0, or -1 with why set. */
static int ask_agent(const struct hook_args *a, json_t *state, char *why, size_t len)
{
	char *text = json_dumps(state, JSON_COMPACT), reply[4096];
	int fd = connect_agent(a->socket_path, a->timeout_s);
	ssize_t n = -1;
	json_t *r;
	int ok;

	if (fd < 0 || !text) {
		snprintf(why, len, "cannot reach %s: %s", a->socket_path, strerror(errno));
		free(text);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (send(fd, text, strlen(text), MSG_NOSIGNAL) >= 0 && send(fd, "\n", 1, MSG_NOSIGNAL) == 1) {
		shutdown(fd, SHUT_WR);
		n = recv(fd, reply, sizeof(reply) - 1, MSG_WAITALL);
	}
	close(fd);
	free(text);
	if (n <= 0) {
		snprintf(why, len, "no answer from %s within %us", a->socket_path, a->timeout_s);
		return -1;
	}
	reply[n] = '\0';
	r = json_loads(reply, JSON_DISABLE_EOF_CHECK, NULL);
	ok = json_is_true(json_object_get(r, "ok"));
	if (!ok)
		snprintf(why, len, "agent refused: %s",
			 json_string_value(json_object_get(r, "error")) ?: "no reason given");
	json_decref(r);
	return ok ? 0 : -1;
}

static enum nsg_hook_failure failure_mode(const char *policy_path)
{
	char why[512];
	enum nsg_hook_failure mode = nsg_policy_hook_failure(policy_path, why, sizeof(why));

	if (why[0])
		fprintf(stderr, "nsguard-oci-hook: %s: failing closed\n", why);
	return mode;
}

int main(int argc, char **argv)
{
	struct hook_args a = { .socket_path = NSG_DEFAULT_HOOK_SOCKET, .timeout_s = 5 };
	struct argp argp = { options, parse_opt, NULL,
			     "OCI createRuntime hook: registers the container with the nsguard agent.",
			     NULL, NULL, NULL };
	char why[512];
	json_t *state;
	int status = 0;

	argp_parse(&argp, argc, argv, 0, NULL, &a);
	state = read_state();
	if (!state)
		return 1;
	if (ask_agent(&a, state, why, sizeof(why))) {
		if (failure_mode(a.policy_path) == NSG_HOOK_FAIL_CLOSED) {
			fprintf(stderr, "nsguard-oci-hook: %s; policy says fail closed\n", why);
			status = 1;
		} else {
			fprintf(stderr, "nsguard-oci-hook: %s; starting the container anyway (fail open)\n",
				why);
			nsg_spool_append(a.socket_path, state, why); /* reported when the agent starts */
		}
	}
	json_decref(state);
	return status;
}
