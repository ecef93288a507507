# bench/bench.mk — `make bench` (the top-level Makefile has `-include bench/bench.mk`).
# Overhead, event throughput and footprint of nsguard against no agent,
# bpftrace and auditd; writes bench/results.md, bench/results.json and
# bench/overhead.png. BENCH_QUICK=1 for a short run (CI). Method and knobs:
# docs/BENCHMARKS.md and the header of bench/run.sh. Not part of `make test`.
.PHONY: bench

bench: all
	$(Q)scripts/deps.sh --bench
	$(Q)bench/run.sh
