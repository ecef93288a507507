#!/usr/bin/python3
"""storm_summary.py — one JSON line per storm (bench/run.sh, storm_one).

Arguments: NAME CONFIG CALLS WORKLOADS_OUT TAILSTAT_OUT DROPS T0_NS T1_NS
CPU_TICKS_0 CPU_TICKS_1 CLK_TCK FEED SUBSTR1 SUBSTR2
"late": lines that reached the sink only after the follower gave up (5 s
without new lines), i.e. when the sink stopped or more traffic pushed them.
"""
import json
import sys

(name, cfg, calls, wl, lat, drops, t0, t1, c0, c1, hz, feed, sub1, sub2) = sys.argv[1:]
w = open(wl).read().split()
ns_per_call = float(w[2]) if len(w) >= 3 else None
try:
    l = json.loads(open(lat).read() or "{}")
except (OSError, ValueError):
    l = {}
with open(feed, errors="replace") as f:
    delivered = sum(1 for line in f if sub1 in line and sub2 in line)
cpu_s = (int(c1) - int(c0)) / int(hz)
# Delivery span: first event's kernel time to the last line's arrival.
span = (l["last_arrival_ns"] - l["first_ts_ns"]) / 1e9 if l.get("count") else None
print(json.dumps({
    "name": name,
    "config": cfg,
    "calls": int(calls),
    "generator_ns_per_call": ns_per_call,
    "generator_calls_per_s": round(1e9 / ns_per_call) if ns_per_call else None,
    "delivered": delivered,
    "late": delivered - l.get("count", 0),
    "drops": None if drops in ("", "null") else int(drops),
    "delivered_per_s": round(l["count"] / span) if span else None,
    "delivery_span_s": round(span, 3) if span else None,
    "agent_cpu_s": round(cpu_s, 2),
    "agent_cpu_pct": round(100 * cpu_s / span, 1) if span else None,
    "window_s": round((int(t1) - int(t0)) / 1e9, 2),
    "latency_us": {k: l.get(k) for k in ("p50_us", "p90_us", "p99_us", "max_us")},
}))
