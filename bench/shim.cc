// SPDX-License-Identifier: MIT
// The google-benchmark shim: benchmarks written in C register through lq_bench.h, and this
// file's main runs them all. Each body runs a whole batch of iterations itself; the shim times
// the batch with the TSC and reports cycles per item next to google-benchmark's wall clock.
#include "lq_bench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

struct lq_bench_state {
	benchmark::State *gb;
	uint64_t paused_cycles; // TSC cycles spent between lq_bench_pause and lq_bench_resume
	uint64_t pause_start;
};

namespace
{

struct definition {
	std::string name;
	lq_bench_fn *fn;
	std::vector<std::pair<int64_t, int64_t>> ranges;
	int64_t multiplier; // 0: google-benchmark's default (8)
};

// Filled by constructors before main: a function-local static is initialised on first use,
// whatever the order in which the translation units' constructors run.
std::vector<definition> &definitions()
{
	static std::vector<definition> defs;
	return defs;
}

void run(benchmark::State &state, lq_bench_fn *fn)
{
	lq_bench_state st{&state, 0, 0};
	uint64_t items = 0, cycles = 0;

	// One batch of all the iterations google-benchmark asks for: the body loops, not us.
	while (state.KeepRunningBatch(state.max_iterations)) {
		st.paused_cycles = 0;
		uint64_t t0 = lq_bench_tsc_begin();
		items += fn(&st, (uint64_t)state.max_iterations);
		uint64_t t1 = lq_bench_tsc_end();
		cycles += t1 - t0 - st.paused_cycles;
	}
	if (state.error_occurred())
		return;
	state.SetItemsProcessed((int64_t)items);
	state.counters["cycles/item"] = items ? (double)cycles / (double)items : 0.0;
}

} // namespace

extern "C" void lq_bench_register(const char *name, lq_bench_fn *fn,
				  const struct lq_bench_range *ranges, size_t nranges)
{
	definition d{name, fn, {}, 0};
	for (size_t i = 0; i < nranges && i < LQ_BENCH_RANGES_MAX; i++) {
		d.ranges.emplace_back(ranges[i].lo, ranges[i].hi);
		if (ranges[i].multiplier > 0)
			d.multiplier = ranges[i].multiplier;
	}
	definitions().push_back(std::move(d));
}

extern "C" int64_t lq_bench_arg(const struct lq_bench_state *st, size_t i)
{
	return st->gb->range((int)i);
}

extern "C" void lq_bench_pause(struct lq_bench_state *st)
{
	st->pause_start = lq_bench_tsc_begin();
	st->gb->PauseTiming();
}

extern "C" void lq_bench_resume(struct lq_bench_state *st)
{
	st->gb->ResumeTiming();
	st->paused_cycles += lq_bench_tsc_end() - st->pause_start;
}

extern "C" void lq_bench_counter(struct lq_bench_state *st, const char *name, double value)
{
	st->gb->counters[name] = value;
}

extern "C" void lq_bench_skip(struct lq_bench_state *st, const char *why)
{
	st->gb->SkipWithError(why);
}

int main(int argc, char **argv)
{
	double hz = lq_bench_tsc_hz();
	char buf[64];

	std::snprintf(buf, sizeof(buf), "%.4f", hz / 1e9);
	std::printf("liqd-bench: TSC %s GHz (calibrated against CLOCK_MONOTONIC), timer overhead "
		    "%llu cycles\n",
		    buf, (unsigned long long)lq_bench_tsc_overhead_cycles());
	std::fflush(stdout);
	benchmark::AddCustomContext("tsc_ghz", buf);

	for (const definition &d : definitions()) {
		benchmark::internal::Benchmark *b =
		    benchmark::RegisterBenchmark(d.name.c_str(), run, d.fn);
		if (d.multiplier > 0)
			b->RangeMultiplier((int)d.multiplier);
		if (!d.ranges.empty())
			b->Ranges(d.ranges);
	}
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
