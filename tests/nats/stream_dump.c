/* SPDX-License-Identifier: MIT */
/*
 * Prints the data of every message of a JetStream stream, in stream order, to standard
 * output, and checks that their Liqd-Tag headers (the event or packet numbers liqd gives them)
 * run 1, 2, 3, ... without a gap or a repeat: exit 0, or 1 naming the first that does not.
 * A summary line goes to standard error.
 *
 * usage: stream_dump URL STREAM
 */
#include "lq/nats.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	struct lq_nats *n;
	struct lq_nats_stream_info info;
	char why[512] = "";

	if (argc != 3) {
		fprintf(stderr, "usage: stream_dump URL STREAM\n");
		return 2;
	}
	if (lq_nats_open(&n, argv[1], why, sizeof(why)) != 0) {
		fprintf(stderr, "stream_dump: %s\n", why);
		return 1;
	}
	struct lq_nats_stream s = {.name = argv[2], .subject = ""};
	if (lq_nats_stream_ensure(n, &s, false, &info, why, sizeof(why)) != 0) {
		fprintf(stderr, "stream_dump: %s\n", why);
		lq_nats_close(n);
		return 1;
	}
	int status = 0;
	uint64_t expect = 1, count = 0;
	for (uint64_t q = info.first_seq; q && q <= info.last_seq; q++) {
		size_t len = 0;
		uint64_t tag = 0;
		int rc = lq_nats_get(n, argv[2], q, buf, sizeof(buf), &len, &tag);
		if (rc == -ENOENT)
			continue; /* deleted */
		if (rc) {
			fprintf(stderr, "stream_dump: message %llu: %s\n", (unsigned long long)q,
				strerror(-rc));
			status = 1;
			break;
		}
		if (tag != expect && status == 0) {
			fprintf(stderr, "stream_dump: message %llu has tag %llu, expected %llu\n",
				(unsigned long long)q, (unsigned long long)tag,
				(unsigned long long)expect);
			status = 1;
		}
		expect = tag + 1;
		count++;
		fwrite(buf, 1, len, stdout);
	}
	fprintf(stderr, "stream_dump: %s: %llu messages (%llu..%llu)\n", argv[2],
		(unsigned long long)count, (unsigned long long)info.first_seq,
		(unsigned long long)info.last_seq);
	lq_nats_close(n);
	return status;
}
