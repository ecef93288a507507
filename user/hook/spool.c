// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The spool of hook calls that found no agent, written by the hook, read by the agent. */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/cli.h"
#include "hook/spool.h"

/* Beside the socket, whatever its directory. */
static void spool_path(const char *socket_path, char *path, size_t len)
{
	char dir[108];

	snprintf(dir, sizeof(dir), "%s", socket_path);
	snprintf(path, len, "%s/" NSG_HOOK_SPOOL_NAME, dirname(dir));
}

void nsg_spool_append(const char *socket_path, json_t *state, const char *why)
{
	char path[160];
	json_t *rec;
	FILE *f;
	int fd;

	spool_path(socket_path, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || !(f = fdopen(fd, "a"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	rec = json_pack("{s:I, s:O?, s:O?, s:s}", "unix_time", (json_int_t)time(NULL), "container_id",
			json_object_get(state, "id"), "pid", json_object_get(state, "pid"), "reason", why);
	json_dumpf(rec, f, JSON_COMPACT);
	fputc('\n', f);
	fclose(f);
	json_decref(rec);
}

void nsg_spool_drain(const char *socket_path, void (*fn)(void *arg, const char *line, size_t len),
		     void *arg)
{
	char path[160], line[4096];
	FILE *f;

	spool_path(socket_path, path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fn(arg, line, strlen(line));
	fclose(f);
	unlink(path);
}
