#!/usr/bin/python3
"""storm_summary.py DIR FEED KEY=VALUE... — one JSON line per storm
(bench/storm.sh, storm_summarise).

DIR holds what storm_drive recorded: meta (CPU ns and clocks), flood.out
(the flooder's "calls=N ok=K failed=F" and pinrun's line), others.tsv (one
line per other container) and follow.json (the follower's result). FEED is
the configuration's sink. KEY=VALUE: name, config, kind (nsguard, bpftrace,
auditd), shape, workers, planned_calls, and optionally tier, mode, drops
(bpftrace's "Lost N events", read by the caller) and quote (1: the issue's
own measurement).

The flood's outcomes, per sink:
  nsguard   delivered: its full setns events in the feed; coalesced: the
            repeats its `coalesced` summaries tell; rate_limited: what its
            `rate_limited` summaries refused; dropped: the kernel's counter
            for the container (agent_stats.flow.containers, the final one).
            The kernel's own four counters are recorded beside them.
  bpftrace  delivered: its setns lines of the flood's cgroup; dropped: Lost.
  auditd    delivered: SYSCALL records of setns by the flood's workers (their
            ppid is the flood's host PID); dropped: the kernel's audit
            `lost` counter over the storm (machine-wide).
exact: delivered + coalesced + rate_limited + dropped == the calls the
flooder made (and, for nsguard, the feed agrees with the kernel's counters).
complete: the flooder made the calls planned (planned 0: it ran until the
other containers were done, and made some); another enforcing agent on the
machine, or a crash, cuts a flood short, and such a row is not comparable.
"""
import json
import math
import os
import sys

DIR, FEED = sys.argv[1], sys.argv[2]
arg = dict(a.split("=", 1) for a in sys.argv[3:])
kind = arg["kind"]


def kv_file(path):
    try:
        with open(path) as f:
            return dict(l.strip().split("=", 1) for l in f if "=" in l)
    except OSError:
        return {}


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


meta = kv_file(os.path.join(DIR, "meta"))

# The flooder's own count and pinrun's clocks around it.
calls = ok = failed = None
pin = {}
try:
    for line in open(os.path.join(DIR, "flood.out")):
        w = dict(x.split("=", 1) for x in line.split() if "=" in x)
        if line.startswith("calls="):
            calls, ok, failed = num(w["calls"]), num(w["ok"]), num(w["failed"])
        elif line.startswith("pinrun "):
            pin = {k: num(v) for k, v in w.items()}
except OSError:
    pass
gen_rate = round(calls / (pin["wall_ns"] / 1e9)) if calls and pin.get("wall_ns") else None

# --- the flood's outcomes -------------------------------------------------------

fid = meta.get("flood_id", "")
delivered = coalesced = rate_limited = dropped = None
kernel = None
violations_dropped_all = None


def nsguard_counts():
    global delivered, coalesced, rate_limited, dropped, kernel, violations_dropped_all
    delivered = coalesced = rate_limited = 0
    stats = None
    with open(FEED, errors="replace") as f:
        for line in f:
            if fid not in line and '"agent_stats"' not in line:
                continue
            try:
                e = json.loads(line)
            except ValueError:
                continue
            ev = e.get("event")
            if ev == "agent_stats":
                stats = e
            elif e.get("container_id") != fid:
                continue
            elif ev == "setns" and e.get("severity") == "violation":
                delivered += 1
            elif ev == "coalesced" and e.get("of") == "setns":
                coalesced += e.get("repeats", 0)
            elif ev == "rate_limited":
                rate_limited += (e.get("refused", {}).get("violation", {}) or {}).get("setns", 0)
    if stats is None:
        return
    flow = stats.get("flow", {})
    violations_dropped_all = flow.get("violation", {}).get("dropped")
    mine = next((c for c in flow.get("containers", []) if c.get("container_id") == fid), None)
    if mine is not None:
        kernel = (mine.get("violation", {}) or {}).get("setns", {})
        dropped = kernel.get("dropped", 0)


def bpftrace_counts():
    global delivered, dropped
    cg = meta.get("flood_cgroup_id")
    delivered = 0
    with open(FEED, errors="replace") as f:
        for line in f:
            if " setns " in line and f" cgroup={cg} " in line:
                delivered += 1
    dropped = num(arg.get("drops"))


def auditd_counts():
    global delivered, dropped
    ppid = f" ppid={meta.get('flood_pid')} "
    delivered = 0
    if not meta.get("flood_pid"):
        delivered = None
        return
    with open(FEED, errors="replace") as f:
        for line in f:
            # Audit rules are machine-wide: the flood's records are those
            # of its workers, whose parent is the flood (by host PID).
            if "type=SYSCALL" in line and " syscall=308 " in line and ppid in line:
                delivered += 1
    dropped = num(meta.get("audit_lost"))


try:
    {"nsguard": nsguard_counts, "bpftrace": bpftrace_counts, "auditd": auditd_counts,
     "none": lambda: None}[kind]()
except OSError:
    pass

parts = [delivered, coalesced or 0, rate_limited or 0, dropped]
accounted = sum(parts) if None not in parts else None
exact = None
if calls is not None and accounted is not None:
    exact = accounted == calls
    if kind == "nsguard":
        # The feed tells exactly what the kernel counted.
        exact = exact and kernel is not None and (
            kernel.get("queued") == delivered and kernel.get("coalesced") == coalesced
            and kernel.get("rate_limited") == rate_limited)

# --- the other containers ---------------------------------------------------------

try:
    follow = json.load(open(os.path.join(DIR, "follow.json")))
except (OSError, ValueError):
    follow = {}
keys = follow.get("keys", [])
others = []
try:
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(DIR, "others.tsv")) if l.strip()]
except OSError:
    rows = []
for k, cid, t0, t1, rc in rows:
    i = int(k) - 1
    key = keys[i] if i < len(keys) else {}
    t0, t1 = int(t0), int(t1)
    others.append({
        "container_id": cid,
        "exit": int(rc),
        "start_ns": t0,
        "end_ns": t1,
        # Started and finished while the flood ran (pinrun's clocks).
        "during_flood": bool(pin) and pin.get("start_ns", 0) <= t0 and t1 <= pin.get("end_ns", 0),
        "reported": bool(key.get("found")),
        "latency_us": key.get("latency_us"),
    })


def complete(calls, planned, status):
    """The flood made its calls (planned 0: until the others were done)."""
    if calls is None or status != 0:
        return False
    return calls > 0 if planned == 0 else calls == planned


def pct(v, p):
    """Nearest rank: with 5 samples, p50 is the 3rd and p99 the largest."""
    if not v:
        return None
    v = sorted(v)
    return v[max(0, math.ceil(p * len(v)) - 1)]


lat = [o["latency_us"] for o in others if o["reported"]]

# --- CPU --------------------------------------------------------------------------

def cpu(a, b, ta, tb):
    """CPU seconds of the configuration's processes and % of one CPU."""
    ca, cb, ta, tb = num(meta.get(a)), num(meta.get(b)), num(meta.get(ta)), num(meta.get(tb))
    if None in (ca, cb, ta, tb) or tb <= ta:
        return None, None
    s = (cb - ca) / 1e9
    return round(s, 3), round(100 * s / ((tb - ta) / 1e9), 1)


cpu_s, cpu_pct = cpu("cpu0", "cpu1", "t0", "t1")
catchup_s, _ = cpu("cpu1", "cpu2", "t1", "t2")
if kind == "none":
    cpu_s = cpu_pct = catchup_s = None
t0, t1 = num(meta.get("t0")), num(meta.get("t1"))

print(json.dumps({
    "name": arg["name"],
    "config": arg["config"],
    "tier": arg.get("tier"),
    "mode": arg.get("mode"),
    "quote": arg.get("quote") == "1",
    "shape": arg["shape"],
    "workers": num(arg.get("workers")),
    "planned_calls": num(arg.get("planned_calls")),
    "calls": calls,
    "calls_ok": ok,
    "calls_failed": failed,
    "complete": complete(calls, num(arg.get("planned_calls")), pin.get("status")),
    "flood_exit": pin.get("status"),
    "flood_wall_s": round(pin["wall_ns"] / 1e9, 3) if pin.get("wall_ns") else None,
    "flood_start_ns": pin.get("start_ns"),
    "flood_end_ns": pin.get("end_ns"),
    "generator_calls_per_s": gen_rate,
    "delivered": delivered,
    "coalesced": coalesced,
    "rate_limited": rate_limited,
    "dropped": dropped,
    "accounted": accounted,
    "exact": exact,
    "kernel": kernel,
    "violations_dropped_all": violations_dropped_all,
    "agent_cpu_s": cpu_s,
    "agent_cpu_pct": cpu_pct,
    "window_s": round((t1 - t0) / 1e9, 3) if t0 and t1 else None,
    "agent_cpu_s_after": catchup_s,
    "others": {
        "n": len(others),
        "reported": sum(o["reported"] for o in others),
        "during_flood": sum(o["during_flood"] for o in others),
        "latency_us": {"p50": pct(lat, 0.50), "p99": pct(lat, 0.99), "max": max(lat) if lat else None},
        "each": others,
    },
}))
