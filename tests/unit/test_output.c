// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Feed sinks, on real files and sockets in a scratch directory: rotation
 * keeps every line whole and in order within the size and count limits,
 * an existing file is appended to, lines leave in batches and only whole
 * (a line the writer could not finish is dropped, a write the file refused
 * half-way is cut back and the lines it lost told in one feed_gap, an
 * earlier writer's unfinished line cut at open, a file renamed, deleted
 * or truncated under the sink followed), socket clients each get every
 * later line, and a client that stops reading costs the writer nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <cmocka.h>
#include <jansson.h>
#include "feed/output.h"

struct scratch {
	char dir[64];
	char path[128];  /* dir/feed.jsonl */
	char sock[128];  /* dir/feed.sock */
};

static int setup(void **state)
{
	struct scratch *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->dir, "/tmp/nsg-test-output-XXXXXX");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->path, sizeof(t->path), "%s/feed.jsonl", t->dir);
	snprintf(t->sock, sizeof(t->sock), "%s/feed.sock", t->dir);
	*state = t;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct scratch *t = *state;
	int rc = nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return rc;
}

/* Writes {"event":"test","seq":N,"pad":"xxx"} as the schema would: pad varies line lengths. */
static void emit(struct nsg_sink *s, int seq, size_t pad)
{
	struct nsg_jsonw *w = nsg_sink_line(s);
	char buf[4096];

	memset(buf, 'x', pad);
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "event", "test");
	nsg_jsonw_kv_int(w, "seq", seq);
	nsg_jsonw_key(w, "pad");
	nsg_jsonw_stringn(w, buf, pad);
	nsg_jsonw_object_end(w);
	nsg_sink_commit(s);
}

/* Length of that line, newline included. */
static size_t line_len(int seq, size_t pad)
{
	return (size_t)snprintf(NULL, 0, "{\"event\":\"test\",\"seq\":%d,\"pad\":\"\"}\n", seq) + pad;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len + 4096 > cap) {
			cap = cap * 2 + 4096;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		size_t k = fread(buf + *len, 1, cap - *len, f);

		*len += k;
		if (k == 0)
			break;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/*
 * Checks that buf holds whole feed lines seq *next, *next + 1, ... and
 * advances *next. Returns the number of lines.
 */
static int expect_lines(const char *buf, size_t len, int *next)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t jerr;
		json_t *o;

		if (!nl)
			fail_msg("partial line at the end: '%.*s'", (int)(end - p), p);
		o = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		if (!o)
			fail_msg("not JSON (%s): '%.*s'", jerr.text, (int)(nl - p), p);
		assert_int_equal(json_integer_value(json_object_get(o, "seq")), *next);
		assert_string_equal(json_string_value(json_object_get(o, "event")), "test");
		json_decref(o);
		(*next)++;
		n++;
		p = nl + 1;
	}
	return n;
}

/*
 * Checks that *p starts with one feed_gap line of that cause, lost count
 * (-1: null) and bytes (0: absent), and moves *p past it.
 */
static void expect_gap(const char **p, const char *cause, long long lost, unsigned long long bytes)
{
	const char *nl = strchr(*p, '\n');
	json_error_t jerr;
	json_t *o;

	assert_non_null(nl);
	o = json_loadb(*p, (size_t)(nl - *p), 0, &jerr);
	if (!o)
		fail_msg("not JSON (%s): '%.*s'", jerr.text, (int)(nl - *p), *p);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "feed_gap");
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "violation");
	assert_string_equal(json_string_value(json_object_get(o, "cause")), cause);
	if (lost < 0)
		assert_true(json_is_null(json_object_get(o, "lost")));
	else
		assert_int_equal(json_integer_value(json_object_get(o, "lost")), lost);
	if (bytes)
		assert_int_equal(json_integer_value(json_object_get(o, "bytes")), bytes);
	else
		assert_null(json_object_get(o, "bytes"));
	json_decref(o);
	*p = nl + 1;
}

static void rotated_name(char *out, size_t n, const char *path, unsigned int i)
{
	if (i)
		snprintf(out, n, "%s.%u", path, i);
	else
		snprintf(out, n, "%s", path);
}

static void expect_mode_0600(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* ---- files ---- */

static void test_rotation(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .max_bytes = 1000, .keep = 3 };
	struct nsg_sink s;
	char err[256], name[160];
	unsigned long long rot = 0, size = 0;
	int first_kept = -1, next;
	const int lines = 300;

	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	for (int i = 0; i < lines; i++) {
		size_t pad = (size_t)(i * 7) % 40, len = line_len(i, pad);

		/* What the sink should do: rotate before a line would not fit. */
		if (size > 0 && size + len > o.max_bytes) {
			rot++;
			size = 0;
		}
		size += len;
		emit(&s, i, pad);
	}
	nsg_sink_flush(&s);
	assert_int_equal(s.rotations, rot);
	assert_true(rot > o.keep + 2);
	assert_int_equal(s.lines_written, lines);
	assert_int_equal(s.write_errors, 0);

	/* keep limit: path.1 .. path.3, nothing beyond. */
	rotated_name(name, sizeof(name), t->path, o.keep + 1);
	assert_false(exists(name));

	/* Oldest first, every line whole, seqs consecutive through to the last. */
	for (int i = (int)o.keep; i >= 0; i--) {
		size_t len;
		char *buf;

		rotated_name(name, sizeof(name), t->path, (unsigned int)i);
		buf = slurp(name, &len);
		assert_non_null(buf);
		expect_mode_0600(name);
		assert_true(len > 0);
		assert_true(len <= o.max_bytes);
		if (first_kept < 0) {
			first_kept = atoi(strstr(buf, "\"seq\":") + 6);
			next = first_kept;
		}
		expect_lines(buf, len, &next);
		/* Rotated no earlier than needed: the next line would not have fit. */
		if (i > 0)
			assert_true(len + line_len(next, (size_t)(next * 7) % 40) > o.max_bytes);
		free(buf);
	}
	assert_int_equal(next, lines);
	assert_true(first_kept > 0);
	nsg_sink_close(&s);
}

/* A line larger than max_bytes is written whole, alone in its file. */
static void test_rotation_oversized_line(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .max_bytes = 100, .keep = 5 };
	struct nsg_sink s;
	char err[256], name[160];
	int next = 0;
	size_t len;
	char *buf;

	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	emit(&s, 0, 10);
	emit(&s, 1, 300);
	emit(&s, 2, 10);
	nsg_sink_close(&s);
	assert_int_equal(s.rotations, 2);
	for (unsigned int i = 3; i-- > 0;) {
		rotated_name(name, sizeof(name), t->path, i);
		buf = slurp(name, &len);
		assert_non_null(buf);
		assert_int_equal(expect_lines(buf, len, &next), 1);
		free(buf);
	}
}

/* keep 0 means the default, 5. */
static void test_rotation_default_keep(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .max_bytes = 64 };
	struct nsg_sink s;
	char err[256], name[160];

	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	for (int i = 0; i < 20; i++)
		emit(&s, i, 30);
	nsg_sink_close(&s);
	assert_int_equal(s.rotations, 19);
	rotated_name(name, sizeof(name), t->path, NSG_SINK_KEEP_DEFAULT);
	assert_true(exists(name));
	rotated_name(name, sizeof(name), t->path, NSG_SINK_KEEP_DEFAULT + 1);
	assert_false(exists(name));
}

static void test_append_existing(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256];
	size_t len;
	char *buf;
	int next = 0;

	write_text(t->path, "{\"event\":\"test\",\"seq\":0}\n");
	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	emit(&s, 1, 3);
	emit(&s, 2, 3);
	nsg_sink_close(&s);
	assert_int_equal(s.lines_written, 2);
	assert_int_equal(s.write_errors, 0);
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, len, &next), 3);
	free(buf);
}

/* What is already in the file counts towards the first rotation. */
static void test_append_existing_counts_size(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .max_bytes = 100, .keep = 2 };
	const char *old = "{\"event\":\"test\",\"seq\":0,\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
	struct nsg_sink s;
	char err[256], name[160];
	size_t len;
	char *buf;

	assert_true(strlen(old) > 80 && strlen(old) < 100);
	write_text(t->path, old);
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	emit(&s, 1, 3);
	nsg_sink_close(&s);
	assert_int_equal(s.rotations, 1);
	rotated_name(name, sizeof(name), t->path, 1);
	buf = slurp(name, &len);
	assert_string_equal(buf, old);
	free(buf);
	buf = slurp(t->path, &len);
	assert_int_equal(len, line_len(1, 3));
	free(buf);
}

/* A rotation that cannot rename keeps every line in the current file, counted. */
static void test_rotation_rename_fails(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .max_bytes = 200, .keep = 1 };
	struct nsg_sink s;
	char err[256], name[160];
	size_t len;
	char *buf;
	int next = 0;

	/* path.1 a non-empty directory: rename(path, path.1) fails. */
	rotated_name(name, sizeof(name), t->path, 1);
	assert_int_equal(mkdir(name, 0700), 0);
	strcat(name, "/x");
	write_text(name, "x");
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	for (int i = 0; i < 20; i++)
		emit(&s, i, 20);
	nsg_sink_close(&s);
	assert_int_equal(s.rotations, 0);
	assert_true(s.write_errors >= 1);
	/* One attempt per max_bytes written, not one per line. */
	assert_true(s.write_errors <= 20 * line_len(10, 20) / o.max_bytes + 1);
	assert_true(s.write_errors < 10);
	assert_int_equal(s.lines_written, 20);
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, len, &next), 20);
	free(buf);
}

static void test_bad_options(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .max_bytes = 100 };
	struct nsg_sink s;
	char err[256];

	/* Rotation needs a file... */
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--output"));
	/* ...a regular one. */
	o.path = "/dev/null";
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "regular file"));
	nsg_sink_close(&s);
	o = (struct nsg_sink_opts){ .path = t->path, .keep = NSG_SINK_KEEP_MAX + 1 };
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--output-keep"));
	o = (struct nsg_sink_opts){ .no_stdout = true };
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no output"));
	/* A failed open leaves a sink that closes as a no-op. */
	nsg_sink_close(&s);
	assert_false(exists(t->path));
}

/* ---- batches ---- */

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

/* Lines wait in the sink until a flush, or until a batch is full; only whole lines leave. */
static void test_lines_leave_in_batches(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	size_t len, per = line_len(0, 100);
	int next = 0, i;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	for (i = 0; i < 10; i++)
		emit(&s, i, 100);
	assert_int_equal(file_size(t->path), 0);
	nsg_sink_flush(&s);
	assert_int_equal(file_size(t->path), (off_t)(10 * per));
	/* A full batch goes out by itself, and it ends on a line boundary. */
	for (; (size_t)file_size(t->path) == 10 * per; i++) {
		emit(&s, i, 100);
		assert_true((size_t)(i - 9) * per < 2 * NSG_SINK_BATCH);
	}
	assert_true((size_t)file_size(t->path) >= 10 * per + NSG_SINK_BATCH);
	buf = slurp(t->path, &len);
	expect_lines(buf, len, &next);
	free(buf);
	nsg_sink_close(&s);
	buf = slurp(t->path, &len);
	next = 0;
	assert_int_equal(expect_lines(buf, len, &next), i);
	assert_int_equal(s.lines_written, i);
	free(buf);
}

/* A line the writer could not finish is dropped whole and counted. */
static void test_incomplete_line_dropped(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	struct nsg_jsonw *w;
	char err[256], *buf;
	size_t len;
	int next = 0;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	emit(&s, 0, 5);
	w = nsg_sink_line(&s);
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "event", "test");
	nsg_jsonw_stringn(w, "x", SIZE_MAX / 2); /* cannot grow that far */
	nsg_sink_commit(&s);
	emit(&s, 1, 5);
	nsg_sink_close(&s);
	assert_int_equal(s.write_errors, 1);
	assert_int_equal(s.lines_written, 2);
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, len, &next), 2);
	free(buf);
}

/* The file takes only `room` more bytes while the sink flushes (RLIMIT_FSIZE: a full disk). */
static void flush_with_room(struct nsg_sink *s, const char *path, off_t room)
{
	struct rlimit old, lim;

	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = (rlim_t)(file_size(path) + room);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	nsg_sink_flush(s);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
}

/*
 * The file refuses part of a batch (here RLIMIT_FSIZE; a full disk is
 * the same): what it took of the last line is cut off again, the file
 * ends with a whole line, and the failure is counted. Once the file takes
 * lines again, one feed_gap line before them counts exactly the lost.
 */
static void test_torn_write_cut_back(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	const char *p;
	size_t len, per = line_len(0, 50);
	int next = 0;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	for (int i = 0; i < 20; i++)
		emit(&s, i, 50);
	flush_with_room(&s, t->path, (off_t)(5 * per + per / 2)); /* five and a half lines */
	assert_int_equal(s.write_errors, 1);
	assert_int_equal(s.lines_lost, 15);
	assert_int_equal(file_size(t->path), (off_t)(5 * per));
	/* Still full: the next batch is lost too, and counted into the same gap. */
	emit(&s, 20, 50);
	flush_with_room(&s, t->path, 10);
	assert_int_equal(s.lines_lost, 16);
	assert_int_equal(file_size(t->path), (off_t)(5 * per));
	/* Writing goes on from a line boundary, after the gap is told. */
	emit(&s, 21, 50);
	nsg_sink_close(&s);
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, 5 * per, &next), 5);
	p = buf + 5 * per;
	expect_gap(&p, "write_failed", 16, 0);
	assert_non_null(strstr(p - 40, "File too large"));
	next = 21;
	assert_int_equal(expect_lines(p, len - (size_t)(p - buf), &next), 1);
	free(buf);
}

/* A gap is told when the file works again, even if no new line comes. */
static void test_gap_told_without_new_lines(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	const char *p;
	size_t len;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	emit(&s, 0, 10);
	emit(&s, 1, 10);
	flush_with_room(&s, t->path, 0);
	assert_int_equal(s.lines_lost, 2);
	assert_int_equal(file_size(t->path), 0);
	nsg_sink_flush(&s);
	buf = slurp(t->path, &len);
	p = buf;
	expect_gap(&p, "write_failed", 2, 0);
	assert_int_equal(*p, '\0');
	free(buf);
	nsg_sink_close(&s);
}

/*
 * An agent killed in the middle of a write left half a line: the next
 * agent cuts it before appending, and its first line says so.
 */
static void test_unfinished_line_cut_at_open(void **state)
{
	struct scratch *t = *state;
	const char *torn = "{\"event\":\"test\",\"se";
	struct nsg_sink s;
	char err[256], *buf;
	const char *p;
	size_t len, whole;
	int next = 0;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	emit(&s, 0, 5);
	emit(&s, 1, 5);
	nsg_sink_close(&s);
	whole = (size_t)file_size(t->path);
	{
		FILE *f = fopen(t->path, "a");

		assert_non_null(f);
		fputs(torn, f);
		fclose(f);
	}
	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	assert_int_equal(file_size(t->path), (off_t)whole);
	emit(&s, 2, 5);
	nsg_sink_close(&s);
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, whole, &next), 2);
	p = buf + whole;
	expect_gap(&p, "torn_line_at_start", 1, strlen(torn));
	assert_int_equal(expect_lines(p, len - (size_t)(p - buf), &next), 1);
	free(buf);
}

/* logrotate's `create`: the file renamed away; the sink notices and opens the path again. */
static void test_reopen_after_rename_and_delete(void **state)
{
	struct scratch *t = *state;
	char rotated[160], err[256], *buf;
	struct nsg_sink s;
	size_t len;
	int next = 0;

	snprintf(rotated, sizeof(rotated), "%s.1", t->path);
	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	emit(&s, 0, 5);
	nsg_sink_flush(&s);
	nsg_sink_watch_path(&s); /* nothing happened: no reopen */
	assert_int_equal(s.reopens, 0);
	assert_int_equal(rename(t->path, rotated), 0);
	emit(&s, 1, 5); /* waiting in the batch: belongs to the renamed file */
	nsg_sink_watch_path(&s);
	assert_int_equal(s.reopens, 1);
	expect_mode_0600(t->path);
	emit(&s, 2, 5);
	nsg_sink_flush(&s);
	assert_int_equal(unlink(t->path), 0);
	nsg_sink_watch_path(&s);
	assert_int_equal(s.reopens, 2);
	emit(&s, 3, 5);
	/* SIGUSR1's way: asked, not noticed. */
	assert_int_equal(nsg_sink_reopen(&s), 0);
	assert_int_equal(s.reopens, 3);
	emit(&s, 4, 5);
	nsg_sink_close(&s);
	buf = slurp(rotated, &len);
	assert_int_equal(expect_lines(buf, len, &next), 2);
	free(buf);
	next = 3;
	buf = slurp(t->path, &len);
	assert_int_equal(expect_lines(buf, len, &next), 2);
	free(buf);
	assert_int_equal(s.write_errors, 0);
}

/* logrotate's `copytruncate`: the file cut under the sink is noticed and told, never torn. */
static void test_truncation_told(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	const char *p;
	size_t len;
	off_t had;
	int next = 3;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++)
		emit(&s, i, 5);
	nsg_sink_flush(&s);
	had = file_size(t->path);
	assert_int_equal(truncate(t->path, 0), 0);
	emit(&s, 3, 5);
	nsg_sink_close(&s);
	buf = slurp(t->path, &len);
	p = buf;
	expect_gap(&p, "truncated", -1, (unsigned long long)had);
	assert_int_equal(expect_lines(p, len - (size_t)(p - buf), &next), 1);
	free(buf);
}

/* Only a feed_gap line waits and the file refuses it: it waits on, nothing counts as lost. */
static void test_refused_gap_line_not_a_loss(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	const char *p;
	size_t len;

	write_text(t->path, "{\"event\":\"te");
	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_JSON, err, sizeof(err)), 0);
	assert_int_equal(file_size(t->path), 0);
	flush_with_room(&s, t->path, 0);
	assert_int_equal(s.lines_lost, 0);
	assert_int_equal(file_size(t->path), 0);
	nsg_sink_close(&s);
	buf = slurp(t->path, &len);
	p = buf;
	expect_gap(&p, "torn_line_at_start", 1, strlen("{\"event\":\"te"));
	assert_int_equal(*p, '\0'); /* and no write_failed gap of nothing */
	free(buf);
}

/* --format text: each committed line is rendered; the scan table goes as it is. */
static void test_text_format_and_raw(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char err[256], *buf;
	size_t len;

	assert_int_equal(nsg_sink_open(&s, t->path, NSG_FMT_TEXT, err, sizeof(err)), 0);
	emit(&s, 7, 2);
	nsg_sink_emit_json(&s, "{\"time\":\"T\",\"event\":\"e\",\"pid\":3,\"x\":null}", 41);
	nsg_sink_emit_raw(&s, "TABLE\n", 6);
	nsg_sink_close(&s);
	assert_int_equal(s.lines_written, 2);
	buf = slurp(t->path, &len);
	assert_string_equal(buf, "- test            -         -       seq=7 pad=\"xx\"\n"
				 "T e               -         -       pid=3\n"
				 "TABLE\n");
	free(buf);
}

/* ---- socket ---- */

static int connect_client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	return fd;
}

/* Reads exactly `lines` lines (times out after 5 s); caller frees. */
static char *read_lines(int fd, int lines, size_t *len)
{
	size_t cap = 1 << 16;
	char *buf = malloc(cap);
	int seen = 0;

	assert_non_null(buf);
	*len = 0;
	while (seen < lines) {
		/* One byte at a time: never read past the last wanted line. */
		ssize_t k = recv(fd, buf + *len, 1, 0);

		if (k <= 0)
			fail_msg("recv: %s after %d of %d lines", k ? strerror(errno) : "EOF", seen,
				 lines);
		seen += buf[*len] == '\n';
		if (++*len == cap)
			assert_non_null(buf = realloc(buf, cap *= 2));
	}
	return buf;
}

static void expect_nothing_more(int fd)
{
	char c;

	assert_int_equal(recv(fd, &c, 1, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void expect_eof(int fd)
{
	char buf[4096];
	ssize_t k;

	while ((k = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	assert_int_equal(k, 0);
}

static void open_socket_sink(struct nsg_sink *s, struct scratch *t)
{
	struct nsg_sink_opts o = { .socket_path = t->sock, .no_stdout = true };
	char err[256];

	if (nsg_sink_open_opts(s, &o, err, sizeof(err)))
		fail_msg("open: %s", err);
}

static void test_socket_two_clients(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	struct stat st;
	char *a, *b;
	size_t alen, blen;
	int ca, cb, next = 0;

	open_socket_sink(&s, t);
	assert_int_equal(s.fd, -1);
	assert_true(s.listen_fd >= 0);
	assert_int_equal(lstat(t->sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	ca = connect_client(t->sock);
	cb = connect_client(t->sock);
	for (int i = 0; i < 5; i++)
		emit(&s, i, (size_t)i * 50);
	nsg_sink_flush(&s);
	assert_int_equal(s.clients, 2);
	assert_int_equal(s.lines_written, 5);
	a = read_lines(ca, 5, &alen);
	b = read_lines(cb, 5, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_int_equal(expect_lines(a, alen, &next), 5);
	expect_nothing_more(ca);
	free(a);
	free(b);

	/* Close: clients see EOF, the socket file goes. */
	nsg_sink_close(&s);
	assert_false(exists(t->sock));
	expect_eof(ca);
	expect_eof(cb);
	close(ca);
	close(cb);
}

static void test_socket_late_client(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char *buf;
	size_t len;
	int ca, cb, next;

	open_socket_sink(&s, t);
	ca = connect_client(t->sock);
	for (int i = 0; i < 3; i++)
		emit(&s, i, 5);
	nsg_sink_service(&s);
	cb = connect_client(t->sock);
	for (int i = 3; i < 5; i++)
		emit(&s, i, 5);
	nsg_sink_flush(&s);

	buf = read_lines(ca, 5, &len);
	next = 0;
	assert_int_equal(expect_lines(buf, len, &next), 5);
	free(buf);
	buf = read_lines(cb, 2, &len);
	next = 3;
	assert_int_equal(expect_lines(buf, len, &next), 2);
	free(buf);
	expect_nothing_more(cb);
	nsg_sink_close(&s);
	close(ca);
	close(cb);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends whatever fd has now to *buf. */
static void drain_into(int fd, char **buf, size_t *len, size_t *cap)
{
	for (;;) {
		ssize_t k;

		if (*cap - *len < 4096)
			assert_non_null(*buf = realloc(*buf, *cap = *cap * 2 + 4096));
		k = recv(fd, *buf + *len, *cap - *len, MSG_DONTWAIT);
		if (k <= 0)
			break;
		*len += (size_t)k;
	}
}

static int count_lines(const char *buf, size_t len)
{
	int n = 0;

	for (size_t i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

/* Waits (up to the 5 s receive timeout) for more of fd's data. */
static void recv_into(int fd, char **buf, size_t *len, size_t *cap)
{
	ssize_t k;

	if (*cap - *len < 4096)
		assert_non_null(*buf = realloc(*buf, *cap = *cap * 2 + 4096));
	k = recv(fd, *buf + *len, *cap - *len, 0);
	if (k <= 0)
		fail_msg("recv: %s", k ? strerror(errno) : "EOF");
	*len += (size_t)k;
}

static void test_socket_stalled_client_dropped(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	char *got = NULL, *stalled;
	size_t len = 0, cap = 0, slen;
	int stuck, reader, next = 0, i;
	double start;

	open_socket_sink(&s, t);
	stuck = connect_client(t->sock);
	reader = connect_client(t->sock);
	start = now_s();
	for (i = 0; i < 1000000 && !s.clients_dropped; i++) {
		emit(&s, i, 200);
		drain_into(reader, &got, &len, &cap);
	}
	/* The writer never waited on the client that stopped reading. */
	assert_true(now_s() - start < 10.0);
	assert_int_equal(s.clients_dropped, 1);
	assert_int_equal(s.clients, 1);
	assert_int_equal(s.write_errors, 0);
	/* Bounded: its socket buffer plus NSG_SINK_CLIENT_BUF, not the whole feed. */
	assert_true(i < 20000);

	/* The reader kept up and missed nothing, before or after. */
	for (int j = 0; j < 10; j++, i++)
		emit(&s, i, 200);
	nsg_sink_flush(&s);
	while (count_lines(got, len) < i)
		recv_into(reader, &got, &len, &cap);
	assert_int_equal(expect_lines(got, len, &next), i);
	free(got);

	/* The stalled client gets what it was sent, then EOF: it was let go. */
	stalled = NULL;
	slen = cap = 0;
	for (ssize_t k = 1; k > 0;) {
		if (cap - slen < 65536)
			assert_non_null(stalled = realloc(stalled, cap = cap * 2 + 65536));
		k = recv(stuck, stalled + slen, cap - slen, 0);
		assert_true(k >= 0);
		slen += (size_t)k;
	}
	/* Its whole lines are the start of the feed, in order. */
	next = 0;
	slen = (size_t)((char *)memrchr(stalled, '\n', slen) - stalled) + 1;
	assert_true(expect_lines(stalled, slen, &next) > 0);
	free(stalled);
	nsg_sink_close(&s);
	close(stuck);
	close(reader);
}

static void test_socket_client_limit(void **state)
{
	struct scratch *t = *state;
	int fd[NSG_SINK_MAX_CLIENTS + 2];
	struct nsg_sink s;
	size_t len;
	char *buf;
	const int n = NSG_SINK_MAX_CLIENTS + 2;

	open_socket_sink(&s, t);
	for (int i = 0; i < n; i++) {
		fd[i] = connect_client(t->sock);
		nsg_sink_service(&s);
	}
	assert_int_equal(s.clients, NSG_SINK_MAX_CLIENTS);
	assert_int_equal(s.clients_rejected, 2);
	emit(&s, 0, 1);
	nsg_sink_flush(&s);
	for (int i = 0; i < n; i++) {
		if (i < NSG_SINK_MAX_CLIENTS) {
			buf = read_lines(fd[i], 1, &len);
			free(buf);
		} else {
			expect_eof(fd[i]);
		}
	}
	nsg_sink_close(&s);
	for (int i = 0; i < n; i++)
		close(fd[i]);
}

/* Clients that leave are forgotten, not counted as dropped; no SIGPIPE. */
static void test_socket_client_hangup(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink s;
	size_t len;
	char *buf;
	int a, b, c;

	open_socket_sink(&s, t);
	a = connect_client(t->sock);
	b = connect_client(t->sock);
	nsg_sink_service(&s);
	assert_int_equal(s.clients, 2);
	close(a);
	nsg_sink_service(&s);
	assert_int_equal(s.clients, 1);

	/* Gone between two lines: the send fails with EPIPE, not a signal. */
	c = connect_client(t->sock);
	emit(&s, 0, 1);
	nsg_sink_flush(&s);
	close(c);
	emit(&s, 1, 1);
	nsg_sink_flush(&s);
	assert_int_equal(s.clients, 1);
	assert_int_equal(s.clients_dropped, 0);
	buf = read_lines(b, 2, &len);
	free(buf);
	nsg_sink_close(&s);
	close(b);
}

static void test_socket_refuses_regular_file(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .socket_path = t->sock, .no_stdout = true };
	struct nsg_sink s;
	char err[256];
	size_t len;
	char *buf;

	write_text(t->sock, "precious\n");
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a socket"));
	nsg_sink_close(&s);
	buf = slurp(t->sock, &len);
	assert_string_equal(buf, "precious\n");
	free(buf);
}

static int bind_at(const char *path, bool do_listen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void test_socket_stale_replaced_live_refused(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .socket_path = t->sock, .no_stdout = true };
	struct nsg_sink s;
	char err[256];
	size_t len;
	char *buf;
	int fd, c;

	/* Another process listens there: refused, left alone. */
	fd = bind_at(t->sock, true);
	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in use"));
	assert_true(exists(t->sock));
	/* That process died without unlinking: the stale socket is replaced. */
	close(fd);
	assert_true(exists(t->sock));
	open_socket_sink(&s, t);
	expect_mode_0600(t->sock);
	c = connect_client(t->sock);
	emit(&s, 0, 1);
	nsg_sink_flush(&s);
	buf = read_lines(c, 1, &len);
	free(buf);
	nsg_sink_close(&s);
	assert_false(exists(t->sock));
	close(c);
}

/* File and socket at once: the same lines in both. */
static void test_file_and_socket(void **state)
{
	struct scratch *t = *state;
	struct nsg_sink_opts o = { .path = t->path, .socket_path = t->sock, .format = NSG_FMT_TEXT };
	struct nsg_sink s;
	char err[256], *a, *b;
	size_t alen, blen;
	int c;

	assert_int_equal(nsg_sink_open_opts(&s, &o, err, sizeof(err)), 0);
	c = connect_client(t->sock);
	for (int i = 0; i < 3; i++)
		emit(&s, i, 2);
	nsg_sink_close(&s);
	a = slurp(t->path, &alen);
	b = read_lines(c, 3, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_non_null(strstr(a, "seq=2"));
	expect_mode_0600(t->path);
	free(a);
	free(b);
	close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_oversized_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_default_keep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_existing_counts_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_rename_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_leave_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_line_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_write_cut_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_told_without_new_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfinished_line_cut_at_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_after_rename_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncation_told, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_gap_line_not_a_loss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_format_and_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_two_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_late_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_stalled_client_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_client_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_client_hangup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_refuses_regular_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_stale_replaced_live_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_and_socket, setup, teardown),
	};

	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
