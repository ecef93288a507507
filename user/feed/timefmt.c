// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <time.h>
#include "feed/timefmt.h"

#define NS_PER_S 1000000000LL

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int64_t nsg_boot_to_realtime_offset(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static char *put_digits(char *o, unsigned long v, int width)
{
	for (int i = width - 1; i >= 0; i--, v /= 10)
		o[i] = (char)('0' + v % 10);
	return o + width;
}

/*
 * Every event's "time": arithmetic instead of gmtime_r + strftime +
 * snprintf, which cost more than the rest of an event's line together.
 */
void nsg_format_rfc3339(int64_t realtime_ns, char *buf, size_t len)
{
	int64_t secs = realtime_ns / NS_PER_S, nsec = realtime_ns % NS_PER_S, days, y;
	unsigned mon, day, sod;
	char *o = buf;

	if (nsec < 0) { /* before 1970: floor, so the fraction stays positive */
		nsec += NS_PER_S;
		secs--;
	}
	days = secs / 86400;
	if (secs % 86400 < 0)
		days--;
	sod = (unsigned)(secs - days * 86400);
	civil_from_days(days, &y, &mon, &day);
	if (y < 0 || y > 9999 || len < NSG_RFC3339_LEN) {
		snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02u.%09lldZ", (long long)y, mon, day,
			 sod / 3600, sod / 60 % 60, sod % 60, (long long)nsec);
		return;
	}
	o = put_digits(o, (unsigned long)y, 4);
	*o++ = '-';
	o = put_digits(o, mon, 2);
	*o++ = '-';
	o = put_digits(o, day, 2);
	*o++ = 'T';
	o = put_digits(o, sod / 3600, 2);
	*o++ = ':';
	o = put_digits(o, sod / 60 % 60, 2);
	*o++ = ':';
	o = put_digits(o, sod % 60, 2);
	*o++ = '.';
	o = put_digits(o, (unsigned long)nsec, 9);
	*o++ = 'Z';
	*o = '\0';
}

void nsg_format_now(char *buf, size_t len)
{
	nsg_format_rfc3339(clock_ns(CLOCK_REALTIME), buf, len);
}
