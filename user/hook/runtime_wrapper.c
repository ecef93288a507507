// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard-runc: an OCI runtime wrapper for Docker Engine. dockerd runs no
 * OCI hooks (only CRI-O and podman read hooks.d; containerd takes a base
 * spec), so nsguard-oci-hook, which holds a container back until the agent
 * has put its allowlist into the kernel, would never run for Docker
 * containers. Registered in /etc/docker/daemon.json as a runtime
 * (deploy/docker/daemon.json), this program is what containerd-shim-runc-v2
 * calls in runc's place, with runc's arguments. For `create`, `run` and
 * `restore` it adds nsguard-oci-hook to the bundle's config.json
 * (hooks.createRuntime; nothing when already there; the file replaced
 * atomically), then execs runc with the same arguments; every other
 * subcommand goes to runc untouched, without reading anything. The runtime
 * is /usr/sbin/runc (Debian's), /usr/bin/runc (Docker's containerd.io) when
 * that is missing, or --nsguard-runtime.
 *
 *   nsguard-runc [--nsguard-runtime=PATH] [--nsguard-hook=PATH]
 *                [--nsguard-hook-arg=ARG]... [--nsguard-policy=FILE] RUNC-ARGS...
 *
 * (--nsguard-* options are taken out wherever they are before a `--`, so
 * daemon.json's runtimeArgs, which come first, can carry them.)
 *
 * How it fails. The hook cannot be added (config.json unreadable, a symlink,
 * not an object, over 16 MiB, a hooks section of the wrong type, the bundle
 * not writable): the policy's hook.on_agent_unreachable decides, read as
 * nsguard-oci-hook reads it (nsg_policy_hook_failure; an unreadable policy fails
 * closed, `--nsguard-policy=` means none and fails open). closed: one line
 * on stderr (and as an error in runc's JSON --log, where containerd looks
 * for the reason it shows), exit 1, the container is not created. open: one
 * line of warning and runc runs the bundle as it was. runc itself cannot be
 * executed: one line, exit 127. A bad --nsguard-* option: one line, exit 2.
 * The messages are single lines: containerd runs this non-interactively,
 * and for a container without a terminal runc's stderr is the container's
 * (docker logs shows them).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "policy/policy.h"
#include "hook/runtime_spec.h"
#include "util/json_file.h"

#define PROG "nsguard-runc"

/* err = "what: strerror(errno)"; returns -1. */
static int fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	return -1;
}

/* Reads the regular file (not a symlink, not over the limit) at path. */
static json_t *read_config(const char *path, struct stat *st, char *err, size_t errlen)
{
	struct nsg_json_file f = { .max = NSG_RUNC_CONFIG_MAX, .json_flags = JSON_ALLOW_NUL };
	/* O_NONBLOCK: a FIFO planted there must not hang the runtime. */
	json_t *config = nsg_json_file_load(path, O_NOFOLLOW | O_NONBLOCK, &f, err, errlen);

	*st = f.st;
	return config;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Replaces path with config: a temporary file beside it with its mode and
 * owner, written, fsynced, renamed over it, the directory fsynced.
 */
static int write_config(const char *bundle, const char *path, const struct stat *orig,
			json_t *config, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	char *text = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct stat st;
	int fd = -1, dfd, rc = -1;

	if (!text) {
		snprintf(err, errlen, "cannot serialise the edited document");
		return -1;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.config.json.nsguard-XXXXXX", bundle) >=
	    sizeof(tmp)) {
		snprintf(err, errlen, "bundle path too long");
		goto out;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		fail(err, errlen, "cannot create a temporary file beside it");
		goto out;
	}
	if (fstat(fd, &st) || ((st.st_uid != orig->st_uid || st.st_gid != orig->st_gid) &&
			       fchown(fd, orig->st_uid, orig->st_gid))) {
		fail(err, errlen, "cannot give the new file the old one's owner");
		goto unlink;
	}
	if (fchmod(fd, orig->st_mode & 07777)) {
		fail(err, errlen, "cannot give the new file the old one's mode");
		goto unlink;
	}
	if (write_all(fd, text, strlen(text)) || write_all(fd, "\n", 1)) {
		fail(err, errlen, "cannot write the new file");
		goto unlink;
	}
	if (fsync(fd)) {
		fail(err, errlen, "cannot fsync the new file");
		goto unlink;
	}
	if (close(fd)) {
		fd = -1;
		fail(err, errlen, "cannot write the new file");
		goto unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		fail(err, errlen, "cannot rename the new file over it");
		goto unlink;
	}
	dfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(text);
	return rc;
}

/* Adds the hook to BUNDLE/config.json. 0, or -1 with the reason in err. */
static int add_hook(const struct nsg_runc_args *a, const char *path, char *err, size_t errlen)
{
	char why[768];
	struct stat st;
	json_t *config = read_config(path, &st, why, sizeof(why));
	int rc = -1;

	if (config) {
		rc = nsg_spec_add_hook(config, a->hook, a->hook_args, why, sizeof(why));
		if (rc == 0)
			rc = write_config(a->bundle, path, &st, config, why, sizeof(why));
		else if (rc == 1)
			rc = 0; /* already there: the file stays as it is */
	}
	json_decref(config);
	if (rc)
		snprintf(err, errlen, "%s", why);
	return rc;
}

/*
 * Also into runc's log when it is JSON: containerd-shim-runc-v2 reports the
 * last "error" entry there as the reason `create` failed (docker run shows
 * it); what runc writes to stderr goes to the container's output instead.
 */
static void log_json(const struct nsg_runc_args *a, const char *level, const char *msg)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *rec;
	char *line;
	int fd;

	if (!a->log || !*a->log || !a->log_format || strcmp(a->log_format, "json"))
		return;
	if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return;
	rec = json_pack("{s:s, s:s, s:s}", "level", level, "msg", msg, "time", stamp);
	line = rec ? json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	fd = line ? open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
	if (fd >= 0) {
		size_t n = strlen(line);

		line[n] = '\n'; /* replaces the NUL: written by length */
		write_all(fd, line, n + 1); /* a failure: stderr has it */
		close(fd);
	}
	free(line);
	json_decref(rec);
}

/* One line on stderr, and into runc's JSON log when there is one. */
static void say(const struct nsg_runc_args *a, const char *level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int n = snprintf(msg, sizeof(msg), PROG ": ");

	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One line whatever the reasons held. */
	for (char *c = msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	fprintf(stderr, "%s\n", msg);
	if (a)
		log_json(a, level, msg);
}

int main(int argc, char **argv)
{
	struct nsg_runc_args a;
	char err[1024], path[PATH_MAX];
	int saved;

	if (nsg_runc_parse(argc, argv, &a, err, sizeof(err))) {
		say(NULL, "error", "%s", err);
		nsg_runc_args_free(&a);
		return 2;
	}
	if (nsg_runc_creates(a.command)) {
		int rc;

		if ((size_t)snprintf(path, sizeof(path), "%s/config.json", a.bundle) >= sizeof(path)) {
			errno = ENAMETOOLONG;
			rc = fail(err, sizeof(err), "bundle path");
		} else {
			rc = add_hook(&a, path, err, sizeof(err));
		}
		if (rc) {
			char pwhy[512];

			if (nsg_policy_hook_failure(a.policy, pwhy, sizeof(pwhy)) == NSG_HOOK_FAIL_CLOSED) {
				if (pwhy[0])
					say(&a, "error",
					    "%s/config.json: %s; not starting the container (policy "
					    "unreadable, failing closed: %s)",
					    a.bundle, err, pwhy);
				else
					say(&a, "error",
					    "%s/config.json: %s; not starting the container "
					    "(hook.on_agent_unreachable: closed)",
					    a.bundle, err);
				nsg_runc_args_free(&a);
				return 1;
			}
			say(&a, "warning",
			    "%s/config.json: %s; starting the container without the nsguard hook "
			    "(hook.on_agent_unreachable: open)",
			    a.bundle, err);
		}
	}
	fflush(NULL);
	execv(a.runtime, a.argv);
	saved = errno;
	if (!a.runtime_given && saved == ENOENT) {
		a.argv[0] = (char *)NSG_RUNC_FALLBACK_RUNTIME;
		execv(NSG_RUNC_FALLBACK_RUNTIME, a.argv);
		say(&a, "error", "cannot execute %s: %s, nor %s: %s", a.runtime, strerror(saved),
		    NSG_RUNC_FALLBACK_RUNTIME, strerror(errno));
	} else {
		say(&a, "error", "cannot execute %s: %s", a.runtime, strerror(saved));
	}
	nsg_runc_args_free(&a);
	return 127;
}
