/* SPDX-License-Identifier: MIT */
/*
 * End-to-end latency of the pipeline (ingest -> mark -> engine -> publish) under open-loop
 * load, and its closed-loop throughput.
 *
 * The source is a synthetic venue (stream.h): definitions and a population of accounts
 * (set-up, not measured), then market data (books, trades, index updates, clock steps, and
 * jumps that liquidate now and then). Open loop: market input i is due at t0 + i / rate; the
 * source sends it when it is due and stamps it with that due time (not with the time it was
 * finally sent), so that when the pipeline falls behind, the delay every late input suffers
 * is counted (coordinated omission corrected). The pipeline's latency probe records, per
 * input, the cycles from that stamp to the moment a stage is done with the input's last
 * message (mark, engine), and per output event (liquidation, takeover, ADL, ...) the cycles
 * from its input's stamp to publish: the decision latency. The first tenth of each run
 * warms up and is not measured.
 *
 *   e2e [--rates LIST] [--threads LIST] [--accounts N] [--seconds S] [--closed N]
 *       [--scaling LIST] [--json FILE] [--smoke]
 *
 * --scaling N1,N2,...: also the closed-loop throughput on one thread for each population.
 */
#include "lq_bench.h"
#include "stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LIST 8

static const uint32_t ppm[] = {500000, 900000, 990000, 999000, 999900};
static const char *const ppm_name[] = {"p50", "p90", "p99", "p99.9", "p99.99"};
#define NQ (sizeof(ppm) / sizeof(ppm[0]))

static const char *const stage_name[LQ_STAGES] = {"ingest", "mark", "engine", "publish"};

static int parse_list(const char *s, uint64_t *out, int max)
{
	int n = 0;
	char *end;

	while (*s && n < max) {
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (end == s || errno)
			return -1;
		out[n++] = v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: e2e [--rates LIST] [--threads LIST] [--accounts N] [--seconds S]\n"
		"           [--closed N] [--scaling LIST] [--quiet] [--json FILE]\n"
		"           [--smoke]\n"
		"  --rates     open-loop input rates per second (default 100000,1000000,5000000)\n"
		"  --threads   pipeline thread counts, 1..4 (default 1,2; pinned while there are\n"
		"              CPUs for every thread)\n"
		"  --accounts  population (default 100000)\n"
		"  --seconds   measured seconds per open-loop run (default 1)\n"
		"  --closed    market inputs of the closed-loop throughput run (default 2000000)\n"
		"  --scaling   populations for closed-loop throughput runs on one thread\n"
		"  --quiet     no price jumps in the open-loop runs (no liquidations)\n"
		"  --json      also write the results as JSON\n"
		"  --smoke     tiny quick run (a test, not a measurement)\n");
}

/* The CPUs this process may run on, read once: a pinned run pins the calling thread. */
static int cpus[256], ncpus;

static void setup_cores(struct stream_run *r, uint32_t threads)
{
	const int n = ncpus;

	r->threads = threads;
	for (uint32_t i = 0; i < LQ_PIPELINE_THREADS_MAX; i++)
		r->cores[i] = (int)threads <= n && i < threads ? cpus[i] : -1;
}

static double ns(uint64_t cycles, double hz)
{
	return (double)cycles * 1e9 / hz;
}

static void print_hist(const char *name, const struct lq_hist *h, double hz)
{
	printf("  %-8s %9llu", name, (unsigned long long)h->count);
	for (size_t q = 0; q < NQ; q++)
		printf(" %9llu", (unsigned long long)lq_hist_quantile(h, ppm[q]));
	printf(" %9llu  cycles\n", (unsigned long long)(h->count ? h->max : 0));
	printf("  %-8s %9s", "", "");
	for (size_t q = 0; q < NQ; q++)
		printf(" %9.0f", ns(lq_hist_quantile(h, ppm[q]), hz));
	printf(" %9.0f  ns\n", ns(h->count ? h->max : 0, hz));
}

static void json_hist(FILE *f, const char *name, const struct lq_hist *h, bool last)
{
	fprintf(f, "\"%s\":{\"count\":%llu", name, (unsigned long long)h->count);
	for (size_t q = 0; q < NQ; q++)
		fprintf(f, ",\"%s\":%llu", ppm_name[q],
			(unsigned long long)lq_hist_quantile(h, ppm[q]));
	fprintf(f, ",\"mean\":%llu,\"max\":%llu}%s", (unsigned long long)lq_hist_mean(h),
		(unsigned long long)(h->count ? h->max : 0), last ? "" : ",");
}

int main(int argc, char **argv)
{
	uint64_t rates[MAX_LIST] = {100000, 1000000, 5000000}, threads[MAX_LIST] = {1, 2};
	int nrates = 3, nthreads = 2, nscale = 0;
	bool quiet = false;
	uint64_t scale[MAX_LIST];
	uint64_t accounts = 100000, closed = 2000000;
	double seconds = 1.0;
	const char *json = NULL;
	FILE *jf = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const bool has = i + 1 < argc;
		if (!strcmp(a, "--rates") && has) {
			nrates = parse_list(argv[++i], rates, MAX_LIST);
		} else if (!strcmp(a, "--threads") && has) {
			nthreads = parse_list(argv[++i], threads, MAX_LIST);
			for (int t = 0; t < nthreads; t++)
				if (threads[t] < 1 || threads[t] > LQ_PIPELINE_THREADS_MAX)
					nthreads = -1;
		} else if (!strcmp(a, "--accounts") && has) {
			accounts = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--seconds") && has) {
			seconds = strtod(argv[++i], NULL);
		} else if (!strcmp(a, "--closed") && has) {
			closed = strtoull(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--scaling") && has) {
			nscale = parse_list(argv[++i], scale, MAX_LIST);
		} else if (!strcmp(a, "--json") && has) {
			json = argv[++i];
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--smoke")) {
			nrates = 2;
			rates[0] = 20000;
			rates[1] = 200000;
			nthreads = 2;
			threads[0] = 1;
			threads[1] = 2;
			accounts = 1000;
			seconds = 0.05;
			closed = 20000;
			nscale = 2;
			scale[0] = 1000;
			scale[1] = 10000;
		} else {
			usage();
			return 2;
		}
	}
	for (int k = 0; k < nscale; k++)
		if (scale[k] < 1 || scale[k] > 100000000)
			nscale = -1;
	if (nrates < 0 || nthreads <= 0 || nscale < 0 || accounts < 1 || accounts > 100000000 ||
	    !(seconds > 0 && seconds < 3600)) {
		usage();
		return 2;
	}
	if (json && !(jf = fopen(json, "w"))) {
		fprintf(stderr, "e2e: %s: %s\n", json, strerror(errno));
		return 1;
	}

	ncpus = lq_bench_cpus(cpus, 256);
	const double hz = lq_bench_tsc_hz();
	printf("e2e: TSC %.4f GHz (calibrated against CLOCK_MONOTONIC), %llu accounts, "
	       "3 instruments, median3 marks\n",
	       hz / 1e9, (unsigned long long)accounts);
	printf("latency from an input's due time (open loop: its intended send time) to: mark, "
	       "engine = the stage is done with the input; publish = each output event "
	       "(the decision)\n");
	if (jf)
		fprintf(jf, "{\"tsc_hz\":%.0f,\"accounts\":%llu,\"open_loop\":[", hz,
			(unsigned long long)accounts);

	struct stream_run *r = calloc(1, sizeof(*r));
	if (!r)
		return 1;
	bool first = true;
	for (int t = 0; t < nthreads; t++) {
		for (int k = 0; k < nrates; k++) {
			memset(r, 0, sizeof(*r));
			setup_cores(r, (uint32_t)threads[t]);
			r->accounts = (uint32_t)accounts;
			r->rate = rates[k];
			r->quiet = quiet;
			r->events = (uint64_t)((double)rates[k] * seconds);
			if (r->events < 1000)
				r->events = 1000;
			r->warmup = r->events / 10;
			r->idle_cycles = (uint64_t)(hz / 50); /* 20 ms */
			r->trigger = LQ_TRIGGER_INDEX;
			if (stream_run(r) != 0)
				return 1;
			/* the rate the source kept up: inputs over the time it took to send them */
			const double secs = (double)r->send_cycles / hz;
			const double achieved = (double)(r->events - 1) / secs;
			const bool saturated = achieved < 0.95 * (double)r->rate;
			printf("\nthreads %u%s, %llu inputs/s offered: %llu measured in %.3f s = "
			       "%.3f M/s%s; max lag behind schedule %.1f us; %llu liquidations "
			       "(%llu takeovers, %llu ADL fills), %llu output events\n",
			       r->threads, r->cores[0] < 0 ? " (not pinned)" : " (pinned)",
			       (unsigned long long)r->rate, (unsigned long long)r->events, secs,
			       achieved / 1e6, saturated ? " SATURATED" : "",
			       ns(r->max_lag_cycles, hz) / 1e3, (unsigned long long)r->liquidations,
			       (unsigned long long)r->takeovers, (unsigned long long)r->adl_fills,
			       (unsigned long long)r->output_events);
			printf("  %-8s %9s", "stage", "count");
			for (size_t q = 0; q < NQ; q++)
				printf(" %9s", ppm_name[q]);
			printf(" %9s\n", "max");
			for (uint32_t s = LQ_STAGE_MARK; s < LQ_STAGES; s++)
				print_hist(stage_name[s], &r->lat[s], hz);
			if (jf) {
				fprintf(
				    jf,
				    "%s{\"threads\":%u,\"pinned\":%s,\"rate\":%llu,\"events\":%llu,"
				    "\"achieved_rate\":%.0f,\"saturated\":%s,\"max_lag_cycles\":%"
				    "llu,"
				    "\"liquidations\":%llu,\"output_events\":%llu,",
				    first ? "" : ",", r->threads,
				    r->cores[0] < 0 ? "false" : "true", (unsigned long long)r->rate,
				    (unsigned long long)r->events, achieved,
				    saturated ? "true" : "false",
				    (unsigned long long)r->max_lag_cycles,
				    (unsigned long long)r->liquidations,
				    (unsigned long long)r->output_events);
				for (uint32_t s = LQ_STAGE_MARK; s < LQ_STAGES; s++)
					json_hist(jf, stage_name[s], &r->lat[s],
						  s == LQ_STAGES - 1);
				fputc('}', jf);
			}
			first = false;
		}
	}
	if (jf)
		fputs("],\"closed_loop\":[", jf);
	printf("\nclosed loop (as fast as the source can send), %llu market inputs:\n",
	       (unsigned long long)closed);
	for (int t = 0; t < nthreads && closed > 0; t++) {
		memset(r, 0, sizeof(*r));
		setup_cores(r, (uint32_t)threads[t]);
		r->accounts = (uint32_t)accounts;
		r->rate = 0;
		r->events = closed;
		r->warmup = closed / 10;
		r->idle_cycles = (uint64_t)(hz / 50);
		r->trigger = LQ_TRIGGER_INDEX;
		if (stream_run(r) != 0)
			return 1;
		const double secs = (double)r->market_cycles / hz;
		printf("  threads %u: %.3f M inputs/s (%.0f cycles per input), %llu liquidations\n",
		       r->threads, (double)r->events / secs / 1e6,
		       (double)r->market_cycles / (double)r->events,
		       (unsigned long long)r->liquidations);
		if (jf)
			fprintf(jf,
				"%s{\"threads\":%u,\"pinned\":%s,\"events\":%llu,\"rate\":%.0f}",
				t ? "," : "", r->threads, r->cores[0] < 0 ? "false" : "true",
				(unsigned long long)r->events, (double)r->events / secs);
	}
	/*
	 * replay throughput as the population grows: closed loop, one thread, a quiet market
	 * (no jumps: a cascade's cost grows with the population through ADL ranking, which
	 * the open-loop runs and liqd-bench's adl/rank measure)
	 */
	if (jf)
		fputs("],\"scaling\":[", jf);
	if (nscale > 0)
		printf("\nscaling (closed loop, 1 thread, %llu market inputs, no jumps):\n",
		       (unsigned long long)closed);
	for (int k = 0; k < nscale; k++) {
		memset(r, 0, sizeof(*r));
		setup_cores(r, 1);
		r->accounts = (uint32_t)scale[k];
		r->quiet = true;
		r->events = closed;
		r->warmup = closed / 10;
		r->idle_cycles = (uint64_t)(hz / 50);
		r->trigger = LQ_TRIGGER_INDEX;
		if (stream_run(r) != 0)
			return 1;
		const double secs = (double)r->market_cycles / hz;
		const double setup = 2.0 * (double)scale[k] / ((double)r->setup_cycles / hz);
		printf("  %9llu accounts: %.3f M inputs/s, set-up %.3f M inputs/s, engine %.0f "
		       "bytes/account, %llu liquidations\n",
		       (unsigned long long)scale[k], (double)r->events / secs / 1e6, setup / 1e6,
		       (double)r->engine_bytes / (double)scale[k],
		       (unsigned long long)r->liquidations);
		if (jf)
			fprintf(jf,
				"%s{\"accounts\":%llu,\"rate\":%.0f,\"setup_rate\":%.0f,"
				"\"bytes_per_account\":%.1f}",
				k ? "," : "", (unsigned long long)scale[k],
				(double)r->events / secs, setup,
				(double)r->engine_bytes / (double)scale[k]);
	}
	if (jf) {
		fputs("]}\n", jf);
		if (fclose(jf) != 0) {
			fprintf(stderr, "e2e: %s: write failed\n", json);
			return 1;
		}
	}
	free(r);
	return 0;
}
