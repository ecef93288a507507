// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Finding the running dockerds and their data roots (docker_roots.h): from
 * /proc (who runs, as whom, in which mount namespace, with which command
 * line) and the daemon.json each was started with.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <jansson.h>
#include "runtime/docker_roots.h"
#include "util/json_file.h"

/* dockerd's command line is short; anything longer is not believed whole. */
#define CMDLINE_MAX 65536
/* daemon.json is a few hundred bytes. */
#define CONFIG_MAX (1u << 20)

void nsg_docker_roots_init(struct nsg_docker_roots *r)
{
	memset(r, 0, sizeof(*r));
	r->list[0] = NSG_DOCKER_DEFAULT_ROOT;
}

/* --- the command line and daemon.json --------------------------------------- */

/* The value of option `name` in argv form ("--x V" or "--x=V"), or NULL. */
static const char *option_value(const char *const *argv, int argc, const char *name)
{
	size_t n = strlen(name);
	int i;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], name, n) != 0)
			continue;
		if (argv[i][n] == '=')
			return argv[i] + n + 1;
		if (argv[i][n] == '\0' && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

static const char *first_option(const char *const *argv, int argc, const char *const *names)
{
	const char *v;

	for (; *names; names++)
		if ((v = option_value(argv, argc, *names)))
			return v;
	return NULL;
}

/*
 * A daemon.json that gave no object: 0 when there is none (Docker's
 * defaults), else -1 with the reason in err.
 */
static int config_fault(const struct nsg_json_file *f, const char *file, char *err,
			size_t errlen)
{
	switch (f->fault) {
	case NSG_JSON_FILE_OPEN:
		/* No config file: Docker's defaults. */
		if (f->errnum == ENOENT)
			return 0;
		/* fallthrough */
	case NSG_JSON_FILE_UNREAD:
		return snprintf(err, errlen, "%s: %s", file, strerror(f->errnum)), -1;
	case NSG_JSON_FILE_UNFIT:
		return snprintf(err, errlen, "%s: not a regular file of at most 1 MiB", file), -1;
	default: /* not JSON, or JSON but not an object */
		return snprintf(err, errlen, "%s: not a JSON object (%s)", file,
				f->fault == NSG_JSON_FILE_PARSE ? f->jerr.text : ""), -1;
	}
}

static int config_data_root(const char *fsroot, const char *file, char *out, size_t outlen,
			    char *err, size_t errlen)
{
	struct nsg_json_file f = { .max = CONFIG_MAX };
	char path[PATH_MAX];
	json_t *cfg, *v;
	int rc = 0;

	if (snprintf(path, sizeof(path), "%s%s", fsroot, file) >= (int)sizeof(path))
		return snprintf(err, errlen, "%s: path too long", file), -1;
	cfg = nsg_json_file_load(path, 0, &f, NULL, 0);
	if (!json_is_object(cfg)) {
		json_decref(cfg);
		return config_fault(&f, file, err, errlen);
	}
	v = json_object_get(cfg, "data-root");
	if (!v)
		v = json_object_get(cfg, "graph");
	if (json_is_string(v)) {
		if (snprintf(out, outlen, "%s", json_string_value(v)) >= (int)outlen)
			rc = (snprintf(err, errlen, "%s: data-root too long", file), -1);
	} else if (v) {
		rc = (snprintf(err, errlen, "%s: data-root is not a string", file), -1);
	}
	json_decref(cfg);
	return rc;
}

int nsg_dockerd_data_root(const char *cmdline, size_t len, const char *fsroot, char *out,
			  size_t outlen, char *err, size_t errlen)
{
	static const char *const root_opts[] = { "--data-root", "--graph", "-g", NULL };
	const char *argv[256], *v, *p = cmdline, *end = cmdline + len;
	int argc = 0;

	while (p < end && argc < (int)(sizeof(argv) / sizeof(argv[0]))) {
		argv[argc++] = p;
		p += strnlen(p, (size_t)(end - p)) + 1;
	}
	/* The last argument may lack its NUL when the buffer was cut. */
	if (len && cmdline[len - 1] != '\0' && argc)
		argc--;
	out[0] = '\0';
	v = first_option(argv, argc, root_opts);
	if (v) {
		if (snprintf(out, outlen, "%s", v) >= (int)outlen)
			return snprintf(err, errlen, "data root too long"), -1;
	} else {
		v = option_value(argv, argc, "--config-file");
		if (config_data_root(fsroot, v ? v : NSG_DOCKER_DEFAULT_CONFIG, out, outlen, err,
				     errlen))
			return -1;
	}
	if (!out[0])
		snprintf(out, outlen, "%s", NSG_DOCKER_DEFAULT_ROOT);
	if (out[0] != '/')
		return snprintf(err, errlen, "data root '%s' is not an absolute path", out), -1;
	return 0;
}

/* --- the running dockerds ---------------------------------------------------- */

/* /proc/PID/<file>, one read of at most size bytes: its length, or <= 0. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size);
	close(fd);
	return n;
}

/* The same as a string; false when unreadable or empty. */
static bool read_proc_text(pid_t pid, const char *file, char *buf, size_t size)
{
	ssize_t n = read_proc(pid, file, buf, size - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

static bool is_dockerd(pid_t pid)
{
	char comm[32];

	return read_proc_text(pid, "comm", comm, sizeof(comm)) && strcmp(comm, "dockerd\n") == 0;
}

/* Field 22 of /proc/PID/stat, after the parenthesised comm (which may hold anything). */
static unsigned long long start_time(pid_t pid)
{
	char buf[1024], *p;
	unsigned long long t = 0;
	int field;

	if (!read_proc_text(pid, "stat", buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static bool runs_as_root(pid_t pid)
{
	char buf[4096], *uid;
	unsigned int r, e, s, f;

	if (!read_proc_text(pid, "status", buf, sizeof(buf)))
		return false;
	uid = strstr(buf, "\nUid:");
	return uid && sscanf(uid + 5, "%u %u %u %u", &r, &e, &s, &f) == 4 && !r && !e && !s && !f;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Where this dockerd's files are seen from here: "" when it shares the
 * agent's mount namespace, /proc/PID/root when it shares PID 1's; false
 * (not believed) otherwise.
 */
static bool node_fsroot(pid_t pid, char *fsroot, size_t size)
{
	char ns[64];

	snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)pid);
	if (same_file(ns, "/proc/self/ns/mnt")) {
		fsroot[0] = '\0';
		return true;
	}
	if (same_file(ns, "/proc/1/ns/mnt")) {
		snprintf(fsroot, size, "/proc/%d/root", (int)pid);
		return true;
	}
	return false;
}

/* The data root of dockerd `pid`, as a path to open from here. */
static bool dockerd_root(pid_t pid, char *out, size_t outlen)
{
	char fsroot[64], root[PATH_MAX], err[256];
	char *cmdline = malloc(CMDLINE_MAX);
	ssize_t n;
	bool ok = false;

	if (!cmdline || !runs_as_root(pid) || !node_fsroot(pid, fsroot, sizeof(fsroot)))
		goto out;
	n = read_proc(pid, "cmdline", cmdline, CMDLINE_MAX);
	if (n <= 0 ||
	    nsg_dockerd_data_root(cmdline, (size_t)n, fsroot, root, sizeof(root), err, sizeof(err)))
		goto out;
	ok = snprintf(out, outlen, "%s%s", fsroot, root) < (int)outlen;
out:
	free(cmdline);
	return ok;
}

static bool known_alive(const struct nsg_docker_roots *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!is_dockerd(r->pid[i]) || start_time(r->pid[i]) != r->start[i])
			return false;
	return true;
}

static void rebuild_list(struct nsg_docker_roots *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		r->list[i] = r->path[i];
	if (!r->n)
		r->list[i++] = NSG_DOCKER_DEFAULT_ROOT;
	r->list[i] = NULL;
}

static void scan(struct nsg_docker_roots *r)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	pid_t pid;

	r->n = 0;
	while (d && r->n < NSG_DOCKERD_MAX && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)atoi(de->d_name);
		if (!is_dockerd(pid) ||
		    !dockerd_root(pid, r->path[r->n], sizeof(r->path[r->n])))
			continue;
		r->pid[r->n] = pid;
		r->start[r->n] = start_time(pid);
		r->n++;
	}
	if (d)
		closedir(d);
}

static bool lists_differ(const char *const *a, const char *const *b)
{
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b))
			return true;
	return *a || *b;
}

bool nsg_docker_roots_refresh(struct nsg_docker_roots *r, uint64_t now_ms, bool force)
{
	char before[NSG_DOCKERD_MAX + 1][PATH_MAX];
	const char *old[NSG_DOCKERD_MAX + 2];
	int i;

	if (r->n && known_alive(r) && !force)
		return false;
	if (!r->n && !force && now_ms - r->last_scan_ms < NSG_DOCKER_RESCAN_MS)
		return false;
	for (i = 0; r->list[i]; i++) {
		snprintf(before[i], sizeof(before[i]), "%s", r->list[i]);
		old[i] = before[i];
	}
	old[i] = NULL;
	r->last_scan_ms = now_ms;
	scan(r);
	rebuild_list(r);
	return lists_differ(old, r->list);
}
