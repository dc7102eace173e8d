/* SPDX-License-Identifier: MIT */
/*
 * Capture replay rate through ingest, two paths side by side over the same file:
 *   pcap  lq_pcap's reader (the file mapped) + lq_feed_decode_packet;
 *   dpdk  lq_dpdk on DPDK's net_pcap PMD (--no-huge --no-pci) + lq_feed_decode_packet.
 * Runs alternate (pcap, dpdk, pcap, dpdk, ...) so that both see the same machine load; each
 * dpdk run is a child process of its own, since the EAL starts once per process (its start-up
 * is timed apart from the replay). Reports medians: packets/s, messages/s, cycles per message
 * and per packet (TSC), and checks that both paths decoded the same stream (a hash of the
 * decoded packets).
 *
 * Exit status: 0; 1 when the paths disagree or I/O fails; 2 on bad usage; 77 when the EAL
 * cannot start here (the reason is printed).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lq/dpdk.h"
#include "lq/feed.h"
#include "lq/pcap.h"
#include "lq_bench.h"

#define RUNS_MAX 64
#define SKIP	 77

struct result {
	int status; /* 0, or -errno from lq_dpdk_init */
	bool bad_path;
	char why[256];
	uint64_t packets;  /* UDP payloads handed to the decoder */
	uint64_t decoded;  /* of which decoded */
	uint64_t messages; /* messages in them */
	uint64_t hash;
	uint64_t cycles; /* TSC ticks of the replay */
	uint64_t ns;
	uint64_t init_ns; /* dpdk: EAL and port start-up */
	uint64_t bursts;
};

static struct lq_feed_packet pkt; /* large: static */
static bool decode_on = true;	  /* false: the receive path alone (--breakdown) */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Ingest of one payload: decode, count, fold the decoded header into the stream's hash. */
static inline void ingest(struct result *r, const uint8_t *p, size_t len)
{
	r->packets++;
	if (!decode_on)
		return;
	if (lq_feed_decode_packet(p, len, &pkt, NULL) != LQ_FEED_OK)
		return;
	r->decoded++;
	r->messages += pkt.count;
	uint64_t h = r->hash ^ (pkt.seq * 0x9e3779b97f4a7c15u) ^ pkt.count;
	if (pkt.count > 0)
		h ^= (uint64_t)pkt.msgs[pkt.count - 1].ts_ns;
	r->hash = h * 0x100000001b3u;
}

static int run_pcap(const char *path, struct result *r)
{
	struct lq_pcap_reader rd;
	struct lq_pcap_pkt pk;
	memset(r, 0, sizeof(*r));
	int rc = lq_pcap_open(&rd, path);
	if (rc != 0) {
		fprintf(stderr, "ingest_rate: %s: %s\n", path, strerror(-rc));
		return -1;
	}
	enum lq_pcap_status st;
	uint64_t t0 = mono_ns(), c0 = lq_bench_tsc_begin();
	while ((st = lq_pcap_next(&rd, &pk)) == LQ_PCAP_OK || st == LQ_PCAP_CUT)
		if (st == LQ_PCAP_OK)
			ingest(r, pk.payload, pk.payload_len);
	r->cycles = lq_bench_tsc_end() - c0;
	r->ns = mono_ns() - t0;
	lq_pcap_close(&rd);
	if (st != LQ_PCAP_END) {
		fprintf(stderr, "ingest_rate: %s: %s\n", path, lq_pcap_status_str(st));
		return -1;
	}
	return 0;
}

static void on_dpdk(void *ctx, const uint8_t *p, size_t len, uint64_t rx_ns)
{
	(void)rx_ns;
	ingest(ctx, p, len);
}

/* In a child: start the EAL on path, replay it until `want` payloads came through. */
static void run_dpdk_child(const char *path, const char *extra, uint16_t burst, uint32_t max,
			   uint64_t want, struct result *r)
{
	static char eal[LQ_DPDK_EAL_CHARS_MAX];
	memset(r, 0, sizeof(*r));
	r->status = lq_dpdk_pcap_eal_args(eal, sizeof(eal), path, NULL, extra);
	if (r->status != 0) {
		snprintf(r->why, sizeof(r->why),
			 "the capture's path cannot go into the EAL's arguments (blanks, commas, "
			 "or too long): %s",
			 path);
		r->bad_path = true;
		return;
	}
	struct lq_dpdk_params p;
	lq_dpdk_params_default(&p);
	p.eal_args = eal;
	p.burst = burst;
	struct lq_dpdk *d;
	uint64_t t_init = mono_ns();
	r->status = lq_dpdk_init(&d, &p, on_dpdk, r, r->why, sizeof(r->why));
	r->init_ns = mono_ns() - t_init;
	if (r->status != 0)
		return;
	uint64_t t0 = mono_ns(), c0 = lq_bench_tsc_begin();
	/* the end of the capture: every payload in (known from the pcap run), or long idle */
	while (r->packets < want && lq_dpdk_idle_polls(d) < 1000000)
		(void)lq_dpdk_rx_poll(d, max);
	r->cycles = lq_bench_tsc_end() - c0;
	r->ns = mono_ns() - t0;
	r->bursts = lq_dpdk_stats(d)->rx_bursts;
	lq_dpdk_close(d);
}

static int run_dpdk(const char *path, const char *extra, uint16_t burst, uint32_t max,
		    uint64_t want, struct result *r)
{
	int fds[2];
	if (pipe(fds) != 0) {
		perror("ingest_rate: pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		perror("ingest_rate: fork");
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		static struct result cr;
		run_dpdk_child(path, extra, burst, max, want, &cr);
		ssize_t n = write(fds[1], &cr, sizeof(cr));
		_exit(n == (ssize_t)sizeof(cr) ? 0 : 1);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], r, sizeof(*r));
	close(fds[0]);
	int ws;
	(void)waitpid(pid, &ws, 0);
	if (n != (ssize_t)sizeof(*r) || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
		fprintf(stderr, "ingest_rate: the dpdk run failed (child status 0x%x)\n", ws);
		return -1;
	}
	return 0;
}

/* A capture of n synthetic feed packets (1..30 trades each). */
static int write_synthetic(const char *path, uint32_t n)
{
	static struct lq_pcap_writer w;
	struct lq_pcap_addr a;
	lq_pcap_addr_defaults(&a);
	int rc = lq_pcap_writer_open(&w, path, &a);
	uint64_t seq = 1;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint8_t buf[LQ_FEED_PACKET_MAX];
		struct lq_feed_builder b;
		lq_feed_encode_begin(&b, buf, sizeof(buf), 1, seq, 0);
		struct lq_feed_msg m = {.type = LQ_FEED_TRADE, .ts_ns = 1000 + i};
		m.u.trade.price = 600000 + i % 1000;
		m.u.trade.qty = 1;
		for (uint32_t k = 0; k <= (i * 7) % 30; k++)
			(void)lq_feed_encode_msg(&b, &m);
		size_t len = lq_feed_encode_end(&b);
		seq += b.count;
		rc = lq_pcap_writer_write(&w, 1723161256000000000 + i, buf, len);
	}
	int rc2 = lq_pcap_writer_close(&w);
	return rc ? rc : rc2;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: ingest_rate [--runs N] [--burst N] [--max N] [--eal ARGS] [--breakdown]\n"
	    "                   CAPTURE.pcap\n"
	    "       ingest_rate [options] --synthetic N\n"
	    "\n"
	    "Replays a feed capture through ingest (decode every packet) along two paths, in\n"
	    "alternating runs: lq_pcap's reader (mmap) and lq_dpdk on DPDK's net_pcap PMD\n"
	    "(--no-huge --no-pci, one child process per run: the EAL starts once per process).\n"
	    "Prints the median packets/s, messages/s and TSC cycles per message and per packet\n"
	    "of each path (and the best run's cycles per packet: the least disturbed by other\n"
	    "load), and checks that both decoded the same stream.\n"
	    "\n"
	    "  --runs N       runs of each path (default 5, at most %d)\n"
	    "  --burst N      lq_dpdk rx burst (default %d)\n"
	    "  --max N        payloads per lq_dpdk_rx_poll (default 32; 1 = one per poll)\n"
	    "  --eal ARGS     extra EAL arguments (e.g. \"-l 1\")\n"
	    "  --synthetic N  replay N synthetic feed packets (written to a temporary file)\n"
	    "  --breakdown    also time each receive path alone, without decoding\n"
	    "\n"
	    "Exit status: 0; 1 if the paths disagree or I/O fails; 2 on bad usage; 77 if the\n"
	    "DPDK EAL cannot start here.\n",
	    RUNS_MAX, LQ_DPDK_BURST_DEF);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"runs", required_argument, NULL, 'r'},
					     {"burst", required_argument, NULL, 'b'},
					     {"max", required_argument, NULL, 'm'},
					     {"eal", required_argument, NULL, 'e'},
					     {"synthetic", required_argument, NULL, 's'},
					     {"breakdown", no_argument, NULL, 'B'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int runs = 5;
	long burst = LQ_DPDK_BURST_DEF, max = 32, synthetic = 0;
	const char *extra = NULL;
	bool breakdown = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		switch (c) {
		case 'r':
			runs = (int)strtol(optarg, &end, 10);
			break;
		case 'b':
			burst = strtol(optarg, &end, 10);
			break;
		case 'm':
			max = strtol(optarg, &end, 10);
			break;
		case 's':
			synthetic = strtol(optarg, &end, 10);
			break;
		case 'e':
			extra = optarg;
			break;
		case 'B':
			breakdown = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (end && *end) {
			fprintf(stderr, "ingest_rate: not a number: %s\n", optarg);
			return 2;
		}
	}
	if (runs < 1 || runs > RUNS_MAX || burst < 1 || burst > LQ_DPDK_BURST_MAX || max < 1 ||
	    synthetic < 0 || synthetic > 10000000 || (synthetic == 0) != (optind == argc - 1)) {
		usage(stderr);
		return 2;
	}
	char tmp[] = "/tmp/lq_ingest_rate_XXXXXX";
	const char *path = synthetic ? tmp : argv[optind];
	if (synthetic) {
		int fd = mkstemp(tmp);
		if (fd < 0) {
			perror("ingest_rate: mkstemp");
			return 1;
		}
		close(fd);
		int rc = write_synthetic(tmp, (uint32_t)synthetic);
		if (rc != 0) {
			fprintf(stderr, "ingest_rate: %s: %s\n", tmp, strerror(-rc));
			unlink(tmp);
			return 1;
		}
	}

	double hz = lq_bench_tsc_hz();
	/* paths: 0 pcap + decode, 1 dpdk + decode, then (--breakdown) 2 pcap, 3 dpdk alone */
	enum { PATHS = 4 };
	static const char *const names[PATHS] = {"pcap reader + decode", "dpdk net_pcap + decode",
						 "pcap reader alone", "dpdk net_pcap alone"};
	int npaths = breakdown ? 4 : 2;
	double pps[PATHS][RUNS_MAX], mps[PATHS][RUNS_MAX], cpm[PATHS][RUNS_MAX],
	    cpp[PATHS][RUNS_MAX];
	double init_ms[RUNS_MAX];
	struct result first = {0};
	int rc = 0;
	for (int i = 0; i < runs && rc == 0; i++) {
		for (int k = 0; k < npaths && rc == 0; k++) {
			struct result r;
			decode_on = k < 2;
			bool dpdk = k % 2 == 1;
			if (!dpdk ? run_pcap(path, &r) != 0
				  : run_dpdk(path, extra, (uint16_t)burst, (uint32_t)max,
					     first.packets, &r) != 0) {
				rc = 1;
				break;
			}
			if (r.bad_path) {
				fprintf(stderr, "ingest_rate: %s\n", r.why);
				rc = 2;
				break;
			}
			if (r.status != 0) {
				printf("skipped: %s\n", r.why);
				rc = SKIP;
				break;
			}
			if (i == 0 && k == 0)
				first = r;
			/* both paths saw the same stream (the same packets, without decoding) */
			if (r.packets != first.packets ||
			    (decode_on && (r.messages != first.messages ||
					   r.decoded != first.decoded || r.hash != first.hash))) {
				fprintf(stderr,
					"ingest_rate: %s differs: %" PRIu64 " packets, %" PRIu64
					" messages, hash %016" PRIx64 " (pcap: %" PRIu64
					", %" PRIu64 ", %016" PRIx64 ")\n",
					names[k], r.packets, r.messages, r.hash, first.packets,
					first.messages, first.hash);
				rc = 1;
			}
			double sec = (double)r.ns / 1e9;
			pps[k][i] = (double)r.packets / sec;
			mps[k][i] = (double)first.messages / sec;
			cpm[k][i] =
			    (double)r.cycles / (double)(first.messages ? first.messages : 1);
			cpp[k][i] = (double)r.cycles / (double)(r.packets ? r.packets : 1);
			if (k == 1)
				init_ms[i] = (double)r.init_ns / 1e6;
		}
	}
	if (rc == 0) {
		printf("capture %s: %" PRIu64 " UDP packets (%" PRIu64 " decoded), %" PRIu64
		       " messages, stream hash %016" PRIx64 "\n",
		       synthetic ? "(synthetic)" : path, first.packets, first.decoded,
		       first.messages, first.hash);
		printf("runs %d (medians), TSC %.3f GHz, lq_dpdk burst %ld, %ld per poll; EAL and "
		       "port start-up %.1f ms (not in the rates)\n",
		       runs, hz / 1e9, burst, max, median(init_ms, runs));
		printf("%-28s %14s %14s %10s %10s %10s\n", "path", "packets/s", "messages/s",
		       "cyc/msg", "cyc/pkt", "best");
		for (int k = 0; k < npaths; k++) {
			double best = cpp[k][0];
			for (int i = 1; i < runs; i++)
				best = cpp[k][i] < best ? cpp[k][i] : best;
			printf("%-28s %14.0f %14.0f %10.1f %10.1f %10.1f\n", names[k],
			       median(pps[k], runs), median(mps[k], runs), median(cpm[k], runs),
			       median(cpp[k], runs), best);
		}
	}
	if (synthetic)
		unlink(tmp);
	return rc;
}
