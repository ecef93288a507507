// SPDX-License-Identifier: GPL-2.0
/*
 * tailstat -m MODE -s SUBSTR [-s SUBSTR...] [-k KEY...] [-n EXPECT] [-i IDLE_MS]
 *          [-t LIMIT_MS] [-o JSON_OUT] FILE
 *
 * Follows FILE as an event sink writes it (inotify, like `tail -F` or a log
 * shipper) and, for every complete line containing every SUBSTR, measures the
 * delivery latency: the clock when the line became readable here minus the
 * event's kernel timestamp found in the line. MODE says where that is:
 *
 *   nsguard  "time":"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ" (RFC 3339, UTC)   vs CLOCK_REALTIME
 *   mono     the line starts with nanoseconds of CLOCK_MONOTONIC
 *            (bpftrace's nsecs, bpf_ktime_get_ns())                     vs CLOCK_MONOTONIC
 *   audit    msg=audit(SECONDS.MILLIS:SERIAL) (auditd; 1 ms resolution)  vs CLOCK_REALTIME
 *
 * With -k (repeatable, up to 64 keys), each KEY is followed on its own as
 * well: the first matching line that also contains KEY gives that key's
 * latency (the storm's other containers: one key each, their container ID or
 * comm), and the follower stops once every key was seen.
 *
 * Stops after EXPECT matching lines, once every KEY was seen, after IDLE_MS
 * without new data once something matched (default 3000; 0: never), after
 * LIMIT_MS in all (a bounded wait; default none), or on SIGINT/SIGTERM.
 * Prints one JSON object: count, latency percentiles in microseconds, the
 * first/last event timestamps and arrival times (ns, in the MODE's clock),
 * and with -k "keys": [{"key", "found", "ts_ns", "arrival_ns",
 * "latency_us"}] in the order given.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

enum mode { M_NSGUARD, M_MONO, M_AUDIT };

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static long long clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Kernel timestamp of a line in ns, or -1 when it has none. */
static long long line_ts(enum mode m, const char *line)
{
	const char *p;

	if (m == M_MONO) {
		char *end;
		long long v = strtoll(line, &end, 10);

		return end == line ? -1 : v;
	}
	if (m == M_AUDIT) {
		long long s, ms;

		p = strstr(line, "msg=audit(");
		if (!p || sscanf(p + 10, "%lld.%lld", &s, &ms) != 2)
			return -1;
		return s * 1000000000LL + ms * 1000000LL;
	}
	p = strstr(line, "\"time\":\"");
	if (!p)
		return -1;
	{
		struct tm tm = { 0 };
		char frac[16] = "";
		long long ns = 0;
		int i;

		if (sscanf(p + 8, "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac) < 6)
			return -1;
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		for (i = 0; i < 9; i++)
			ns = ns * 10 + (frac[i] >= '0' && frac[i] <= '9' ? frac[i] - '0' : 0);
		for (; i < 9; i++)
			ns *= 10;
		return (long long)timegm(&tm) * 1000000000LL + ns;
	}
}

#define MAX_KEYS 64

/* A key followed on its own: its first matching line. */
struct key {
	const char *key;
	long long ts, arrival; /* 0: not seen yet */
};

/* Records the line against the first key it contains that was not seen yet. */
static int note_keys(struct key *k, int nkey, const char *line, long long ts, long long now)
{
	for (int i = 0; i < nkey; i++)
		if (!k[i].arrival && strstr(line, k[i].key)) {
			k[i].ts = ts;
			k[i].arrival = now;
			return 1;
		}
	return 0;
}

static int keys_all_seen(const struct key *k, int nkey)
{
	for (int i = 0; i < nkey; i++)
		if (!k[i].arrival)
			return 0;
	return 1;
}

static void print_keys(FILE *out, const struct key *k, int nkey)
{
	fprintf(out, ",\"keys\":[");
	for (int i = 0; i < nkey; i++) {
		fprintf(out, "%s{\"key\":\"", i ? "," : "");
		/* Keys are IDs and comms: escape only what JSON must. */
		for (const char *c = k[i].key; *c; c++)
			if (*c == '"' || *c == '\\')
				fprintf(out, "\\%c", *c);
			else if ((unsigned char)*c >= 0x20)
				fputc(*c, out);
		if (k[i].arrival)
			fprintf(out, "\",\"found\":true,\"ts_ns\":%lld,\"arrival_ns\":%lld,\"latency_us\":%.1f}",
				k[i].ts, k[i].arrival, (double)(k[i].arrival - k[i].ts) / 1000.0);
		else
			fprintf(out, "\",\"found\":false}");
	}
	fprintf(out, "]");
}

static int matches(const char *line, const char *const *sub, int nsub)
{
	for (int i = 0; i < nsub; i++)
		if (!strstr(line, sub[i]))
			return 0;
	return 1;
}

/* A bounded wait: LIMIT_MS (0: none) since STARTED (CLOCK_MONOTONIC) passed. */
static int past_limit(long long started, long limit_ms)
{
	return limit_ms && clock_ns(CLOCK_MONOTONIC) - started >= limit_ms * 1000000LL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static double pct_us(const long long *v, size_t n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

int main(int argc, char **argv)
{
	enum mode m = M_NSGUARD;
	const char *sub[8], *out_path = NULL;
	struct key keys[MAX_KEYS] = { { 0 } };
	int nsub = 0, nkey = 0;
	long expect = 0, idle_ms = 3000, limit_ms = 0;
	long long started = clock_ns(CLOCK_MONOTONIC);
	long long *lat = NULL, first_ts = 0, last_ts = 0, first_arr = 0, last_arr = 0;
	size_t n = 0, cap = 0, len = 0, bufsz = 1 << 20;
	char *buf = malloc(bufsz);
	int opt, fd = -1, in;
	clockid_t clk = CLOCK_REALTIME;
	FILE *out = stdout;

	while ((opt = getopt(argc, argv, "m:s:k:n:i:t:o:")) != -1) {
		switch (opt) {
		case 'm':
			m = !strcmp(optarg, "mono") ? M_MONO : !strcmp(optarg, "audit") ? M_AUDIT : M_NSGUARD;
			break;
		case 's':
			if (nsub == 8)
				goto usage;
			sub[nsub++] = optarg;
			break;
		case 'k':
			if (nkey == MAX_KEYS)
				goto usage;
			keys[nkey++].key = optarg;
			break;
		case 'n': expect = atol(optarg); break;
		case 't': limit_ms = atol(optarg); break;
		case 'i': idle_ms = atol(optarg); break;
		case 'o': out_path = optarg; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || !nsub || !buf) {
usage:
		fprintf(stderr, "usage: tailstat -m nsguard|mono|audit -s SUBSTR [-s SUBSTR...] [-k KEY...] "
				"[-n EXPECT] [-i IDLE_MS] [-t LIMIT_MS] [-o OUT] FILE\n");
		return 2;
	}
	if (m == M_MONO)
		clk = CLOCK_MONOTONIC;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	in = inotify_init1(IN_CLOEXEC);
	while (!stop && !past_limit(started, limit_ms) &&
	       (fd = open(argv[optind], O_RDONLY | O_CLOEXEC)) < 0)
		usleep(1000);
	if (fd < 0 || in < 0 || inotify_add_watch(in, argv[optind], IN_MODIFY) < 0) {
		perror(argv[optind]);
		return 1;
	}
	for (;;) {
		ssize_t k = read(fd, buf + len, bufsz - len);

		if (k > 0) {
			long long now = clock_ns(clk);
			char *p = buf, *nl;

			len += (size_t)k;
			while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
				long long ts;

				*nl = '\0';
				if (matches(p, sub, nsub) && (ts = line_ts(m, p)) >= 0) {
					if (n == cap) {
						cap = cap ? cap * 2 : 65536;
						lat = realloc(lat, cap * sizeof(*lat));
						if (!lat)
							return 1;
					}
					lat[n++] = now - ts;
					if (n == 1) {
						first_ts = ts;
						first_arr = now;
					}
					last_ts = ts;
					last_arr = now;
					note_keys(keys, nkey, p, ts, now);
				}
				p = nl + 1;
			}
			len -= (size_t)(p - buf);
			memmove(buf, p, len);
			if (len == bufsz)
				len = 0; /* a line longer than the buffer: skip it */
			if (expect && (long)n >= expect)
				break;
			if (nkey && keys_all_seen(keys, nkey))
				break;
			if (past_limit(started, limit_ms))
				break;
			continue;
		}
		if (k < 0 && errno != EINTR)
			break;
		if (stop || past_limit(started, limit_ms))
			break;
		{
			struct pollfd pfd = { .fd = in, .events = POLLIN };
			int wait = n && idle_ms ? (int)idle_ms : 1000;
			int r;
			char ev[4096];

			/* Wake up in time for the limit. */
			if (limit_ms && wait > 100)
				wait = 100;
			r = poll(&pfd, 1, wait);
			if (r > 0)
				(void)!read(in, ev, sizeof(ev));
			else if (r == 0 && n && idle_ms && wait == idle_ms)
				break;
		}
	}
	qsort(lat, n, sizeof(*lat), cmp_ll);
	if (out_path && !(out = fopen(out_path, "w"))) {
		perror(out_path);
		return 1;
	}
	fprintf(out,
		"{\"count\":%zu,\"p50_us\":%.1f,\"p90_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,"
		"\"first_ts_ns\":%lld,\"last_ts_ns\":%lld,\"first_arrival_ns\":%lld,"
		"\"last_arrival_ns\":%lld",
		n, pct_us(lat, n, 0.50), pct_us(lat, n, 0.90), pct_us(lat, n, 0.99),
		n ? (double)lat[n - 1] / 1000.0 : 0.0, first_ts, last_ts, first_arr, last_arr);
	if (nkey)
		print_keys(out, keys, nkey);
	fprintf(out, "}\n");
	return 0;
}
