#!/usr/bin/python3
"""report.py RAW_DIR OUT_DIR — turns bench/run.sh's raw data into
results.json, results.md and overhead.dat (the chart's data, for overhead.gp).

Ratios: within each round every configuration is divided by that round's
baseline (configurations are interleaved, so a round shares the machine's
state); the ratio reported is the median over rounds, with the smallest and
largest round as its spread.
"""
import json
import os
import statistics
import sys

RAW, OUT = sys.argv[1], sys.argv[2]

CONFIG_LABEL = {
    "baseline": "no agent",
    "audit": "nsguard audit",
    "enforce": "nsguard enforce",
    "bpftrace": "bpftrace",
    "auditd": "auditd",
    "vm-audit": "nsguard audit (VM, lsm tier)",
    "vm-enforce": "nsguard enforce (VM, lsm tier)",
    "arm64-audit": "nsguard audit (arm64 VM, TCG)",
    "arm64-enforce": "nsguard enforce (arm64 VM, TCG)",
}
WORKLOAD_LABEL = {
    "getppid": "getppid",
    "fork": "fork+exit",
    "exec": "fork+exec /bin/true",
    "setns": "setns (own IPC ns)",
    "unshare": "unshare(CLONE_NEWIPC)",
    "runc": "runc run (private ns)",
}
WORKLOAD_ORDER = list(WORKLOAD_LABEL)
# The targets, as (scope, context, workload, max ratio).
RATIO_TARGETS = [
    ("host", "host", "getppid", 1.03, "signal tier: unrelated syscall ≤ 3 %"),
    ("host", "host", "exec", 1.02, "signal tier: fork+exec ≤ 2 %"),
    ("vm", "host", "getppid", 1.01, "lsm tier: unrelated syscall ≤ 1 %"),
    ("vm", "host", "exec", 1.01, "lsm tier: fork+exec ≤ 1 %"),
    ("vm", "host", "setns", 1.05, "lsm tier: benign setns ≤ 5 %"),
]


def path(name):
    return os.path.join(RAW, name)


def read_tsv(name):
    if not os.path.exists(path(name)):
        return []
    with open(path(name)) as f:
        return [line.rstrip("\n").split("\t") for line in f if line.strip()]


def read_jsonl(name):
    if not os.path.exists(path(name)):
        return []
    with open(path(name)) as f:
        return [json.loads(line) for line in f if line.strip()]


def read_text(name, default=""):
    try:
        with open(path(name)) as f:
            return f.read().strip()
    except OSError:
        return default


configs = read_text("configs.txt").split()
notes = [n for n in read_text("notes.txt").splitlines() if n]
machine = json.loads(read_text("machine.json", "{}"))
params = dict(l.split("=", 1) for l in read_text("params.txt").splitlines() if "=" in l)

# --- micro ---------------------------------------------------------------------

# (scope, context, workload) -> config -> round -> CPU ns/op (and wall ns/op)
cells, walls = {}, {}
for scope, cfg, rnd, ctx, wl, wall, cpu in read_tsv("micro.tsv"):
    cells.setdefault((scope, ctx, wl), {}).setdefault(cfg, {})[rnd] = float(cpu)
    walls.setdefault((scope, ctx, wl), {}).setdefault(cfg, {})[rnd] = float(wall)


def row_key(k):
    scope, ctx, wl = k
    return (scope != "host", ctx != "host", WORKLOAD_ORDER.index(wl) if wl in WORKLOAD_ORDER else 99)


micro = []
for key in sorted(cells, key=row_key):
    scope, ctx, wl = key
    by_cfg = cells[key]
    base = by_cfg.get("baseline", {})
    row = {"scope": scope, "context": ctx, "workload": wl, "configs": {}}
    for cfg, rounds in by_cfg.items():
        vals = list(rounds.values())
        wv = list(walls[key][cfg].values())
        wb = walls[key].get("baseline", {})
        entry = {
            "cpu_ns_per_op_median": round(statistics.median(vals), 1),
            "cpu_ns_per_op_min": round(min(vals), 1),
            "cpu_ns_per_op_max": round(max(vals), 1),
            "wall_ns_per_op_median": round(statistics.median(wv), 1),
            "rounds": len(vals),
        }
        wratios = [walls[key][cfg][r] / wb[r] for r in walls[key][cfg] if r in wb and wb[r] > 0]
        if wratios:
            entry["wall_ratio"] = round(statistics.median(wratios), 3)
        ratios = [rounds[r] / base[r] for r in rounds if r in base and base[r] > 0]
        if base and min(base.values()) > 0:
            # Additive-noise view: each configuration's fastest round.
            entry["ratio_best"] = round(min(vals) / min(base.values()), 3)
        if ratios:
            entry["ratio"] = round(statistics.median(ratios), 3)
            entry["ratio_min"] = round(min(ratios), 3)
            entry["ratio_max"] = round(max(ratios), 3)
        row["configs"][cfg] = entry
    if len(base) > 1:
        b = list(base.values())
        row["baseline_noise_pct"] = round(100 * (max(b) - min(b)) / statistics.median(b), 1)
    micro.append(row)


def find_row(scope, ctx, wl):
    return next((r for r in micro if (r["scope"], r["context"], r["workload"]) == (scope, ctx, wl)), None)


# --- startup, footprint, storm, hook cost -------------------------------------

# start -> the attach probe's first event delivered; and start -> the
# configuration's own "ready" line (nsguard's agent_start, bpftrace's BEGIN
# output, auditd's rules loaded). VM rows have only the agent_start time.
startup, ready_line = {}, {}
for row in read_tsv("startup.tsv"):
    scope, cfg, tag, ms = row[:4]
    if scope == "vm":
        ready_line.setdefault((scope, cfg), []).append(int(ms))
        continue
    startup.setdefault((scope, cfg), []).append(int(ms))
    if len(row) > 5 and row[5]:
        ready_line.setdefault((scope, cfg), []).append(int(row[5]))


def summary(v):
    return {"median_ms": statistics.median(v), "min_ms": min(v), "max_ms": max(v), "samples": len(v)}


startup_summary = {f"{scope}/{cfg}": summary(v) for (scope, cfg), v in startup.items()}
ready_summary = {f"{scope}/{cfg}": summary(v) for (scope, cfg), v in ready_line.items()}
hwm = {}
for scope, cfg, tag, _, kb in read_tsv("hwm.tsv"):
    hwm.setdefault(cfg, []).append(int(kb))

# CPU the configuration's own processes used while the workloads ran, in % of one CPU.
hz = int(params.get("clk_tck", "100") or 100)
agent_cpu = {}
for scope, cfg, rnd, ctx, t1, t0, ms in read_tsv("agentcpu.tsv"):
    if int(ms) > 0:
        agent_cpu.setdefault((ctx, cfg), []).append(100 * (int(t1) - int(t0)) / hz / (int(ms) / 1000))
agent_cpu_summary = {f"{ctx}/{cfg}": round(statistics.median(v), 1) for (ctx, cfg), v in agent_cpu.items()}

footprint = read_jsonl("footprint.jsonl")
storms = read_jsonl("storm.jsonl")
# Storm rows from before the flow gate (one setns stream, no other containers)
# have no "others": they are not comparable and are left out.
storms = [x for x in storms if "others" in x]
for x in storms:
    x.setdefault("complete", x.get("calls") is not None and x["calls"] == x.get("planned_calls"))
    # Planned 0: the flood lasted until the other containers were done.
    x["planned_label"] = f"{x['planned_calls']:,}" if x.get("planned_calls") else "until the others were done"
hookcost = read_jsonl("hookcost.jsonl")
# kvm or tcg, as tests/vm/accel.sh chose for the VM part (absent: no VM part ran).
vm_accel = read_text("vm_accel", "").strip() or None
VM_ACCEL_LABEL = {"kvm": "KVM", "tcg": "software emulation (TCG): ratios only"}
vm_agent = {}
for cfg in ("audit", "enforce"):
    try:
        vm_agent[cfg] = json.loads(read_text(f"agent_start-{cfg}.json", "{}"))
    except ValueError:
        vm_agent[cfg] = {}


def fp(cfg):
    return next((f for f in footprint if f["config"] == cfg), None)


def prog_totals(f):
    return {
        "programs": len(f["progs"]),
        "xlated_bytes": sum(p["xlated"] for p in f["progs"]),
        "jited_bytes": sum(p["jited"] for p in f["progs"]),
        "prog_memlock_bytes": sum(p["memlock"] for p in f["progs"]),
        "verified_insns": sum(p["verified_insns"] for p in f["progs"]),
        "maps": len(f["maps"]),
        "map_memlock_bytes": sum(m["memlock"] for m in f["maps"]),
    }


footprint_summary = {}
for cfg in ("audit", "enforce", "bpftrace", "auditd"):
    f = fp(cfg)
    if not f:
        continue
    s = {"rss_kb_at_start": f["rss_kb"], "rss_bpf_map_kb": f["rss_bpf_map_kb"]}
    s.update(prog_totals(f))
    st = startup_summary.get(f"host/{cfg}")
    if st:
        s["start_to_first_event_ms"] = st
    st = ready_summary.get(f"host/{cfg}")
    if st:
        s["start_to_ready_line_ms"] = st
    if cfg in hwm:
        s["peak_rss_kb_micro"] = max(hwm[cfg])
    after = [f["hwm_kb"] for x in storms if x["config"] == cfg and not x["name"].startswith("vm-")
             for f in [fp("storm-" + x["name"])] if f]
    if after:
        s["peak_rss_kb_after_storm"] = max(after)
    footprint_summary[cfg] = s

# The arm64 column (bench/arm64.sh): the static aarch64 agent in Debian's
# arm64 kernel under qemu-system-aarch64. Sizes and instruction counts are the
# same every start (the first is shown); times are emulated.
footprint_arm64 = read_jsonl("footprint-arm64.jsonl")
arm64_startup = {}
for cfg in ("audit", "enforce"):
    starts = [f for f in footprint_arm64 if f["config"] == f"arm64-{cfg}"]
    if not starts:
        continue
    s = {"rss_kb_at_start": statistics.median(f["rss_kb"] for f in starts),
         "start_to_ready_line_ms": summary([f["spawn_to_agent_start_ms"] for f in starts]),
         "kernel": starts[0]["kernel"], "tier": starts[0]["tier"]}
    s.update(prog_totals(starts[0]))
    footprint_summary[f"arm64-{cfg}"] = s
    arm64_startup[cfg] = {k: statistics.median(f["startup"][k] for f in starts)
                          for k in ("probed_ms", "loaded_ms", "attached_ms")}

# --- targets -------------------------------------------------------------------


def verdict(value, limit, noise=None):
    """noise: the baseline's half range between rounds, as a fraction."""
    if value is None:
        return "not measured"
    if value <= limit:
        if noise is not None and noise > limit - 1:
            return f"met, but the baseline's noise (±{100 * noise:.0f} %) is wider than the margin"
        return "met"
    if noise is not None and value - limit <= noise:
        return f"missed, within the baseline's noise (±{100 * noise:.0f} %)"
    return "missed"


targets = []
for scope, ctx, wl, limit, label in RATIO_TARGETS:
    row = find_row(scope, ctx, wl)
    for cfg in ("audit", "enforce"):
        e = row["configs"].get(cfg) if row else None
        v = e.get("ratio") if e else None
        noise = row.get("baseline_noise_pct", 0) / 200 if row else None
        targets.append({"target": f"{label} ({CONFIG_LABEL[cfg]})", "limit": limit, "value": v,
                        "range": [e.get("ratio_min"), e.get("ratio_max")] if e else None,
                        "status": verdict(v, limit, noise)})


def storm_label(x):
    if x.get("quote"):
        return f"issue 11's measurement ({x['planned_calls']:,} calls)"
    where = "VM, lsm tier" if x["name"].startswith("vm-") else f"host, {x.get('tier') or 'signal'} tier"
    return f"nsguard {x.get('mode') or x['config']} ({where}), shape {x['shape']}"


def storm_verdict(x, value, limit):
    """verdict(), unless the storm did not run as planned."""
    if not x.get("complete"):
        return f"not comparable: the flood made {x.get('calls') or 0:,} calls (planned: {x['planned_label']})"
    st = verdict(value, limit)
    o = x["others"]
    if o["during_flood"] < o["n"]:
        st += f" ({o['during_flood']} of {o['n']} others started and ended during the flood)"
    return st


# The storm targets, for every nsguard storm (default ring size).
for x in storms:
    if x["config"] not in ("audit", "enforce"):
        continue
    o, lab = x["others"], storm_label(x)
    lost = o["n"] - o["reported"] if o["n"] else None
    targets.append({"target": f"storm, {lab}: other containers' violations lost", "limit": 0,
                    "value": lost, "display": f"{lost} of {o['n']}" if lost is not None else None,
                    "status": storm_verdict(x, lost, 0)})
    p99 = o["latency_us"]["p99"]
    p99_ms = p99 / 1000 if p99 is not None else None
    targets.append({"target": f"storm, {lab}: their p99 latency ≤ 50 ms", "limit": 50, "value": p99_ms,
                    "display": f"{p99_ms:.1f} ms" if p99_ms is not None else None,
                    "status": storm_verdict(x, p99_ms, 50)})
    off = abs(x["accounted"] - x["calls"]) if x.get("accounted") is not None and x.get("calls") is not None else None
    targets.append({"target": f"storm, {lab}: the flood's counts exact (delivered + coalesced + rate-limited + dropped == calls)",
                    "limit": 0, "value": off,
                    "display": (f"{x['accounted']:,} of {x['calls']:,}" if off is not None else None),
                    "status": storm_verdict(x, 0 if x.get("exact") else (off or 1), 0)})
    cpu = x.get("agent_cpu_pct")
    vm = x["name"].startswith("vm-")
    targets.append({"target": f"storm, {lab}: agent CPU ≤ 25 % of one core", "limit": 25, "value": cpu,
                    "display": f"{cpu} %" if cpu is not None else None,
                    "status": storm_verdict(x, cpu, 25) + (" (under software emulation)" if vm and vm_accel == "tcg" else "")})
a = footprint_summary.get("audit", {})
peak = max([a.get("rss_kb_at_start", 0), a.get("peak_rss_kb_micro", 0), a.get("peak_rss_kb_after_storm", 0)]) or None
targets.append({"target": "agent RSS ≤ 8 MiB (peak VmHWM)", "limit": 8192, "value": peak,
                "status": verdict(peak, 8192)})
attach = [[float(x) for x in row[:4]] for row in read_tsv("attach.tsv") if len(row) >= 4]
attach_summary = None
if attach:
    attach_summary = {k: statistics.median(r[i] for r in attach) for i, k in
                      enumerate(("probed_ms", "loaded_ms", "attached_ms", "agent_start_line_ms"))}
    attach_summary["samples"] = len(attach)
am = attach_summary["attached_ms"] if attach_summary else None
targets.append({"target": "hooks attached ≤ 200 ms after start (quiet system, agent's clock, median)",
                "limit": 200, "value": am, "status": verdict(am, 200)})
st = ready_summary.get("host/audit")
targets.append({"target": "hooks attached ≤ 200 ms after start (agent_start line while a ticker churns IPC namespaces, median)",
                "limit": 200, "value": st["median_ms"] if st else None,
                "status": verdict(st["median_ms"] if st else None, 200)})

# The serializer alone (bench/serializer.c): path -> events/s on one core.
serializer = {r[0]: {"events": int(r[1]), "cpu_s": float(r[2]), "events_per_s": int(float(r[3])),
                     "bytes_per_event": int(float(r[4]))}
              for r in read_tsv("serializer.tsv") if len(r) == 5}
sv = serializer.get("writer", {}).get("events_per_s")
targets.append({"target": "serializer ≥ 500,000 events/s on one core", "limit": 500000, "value": sv,
                "status": "not measured" if sv is None else ("met" if sv >= 500000 else "missed")})

results = {
    "machine": machine,
    "parameters": params,
    "duration_s": int(read_text("duration_s", "0") or 0),
    "configs": configs,
    "notes": notes,
    "micro": micro,
    "storm": storms,
    "agent_cpu_pct_during_workloads": agent_cpu_summary,
    "startup_vm": ready_summary.get("vm/audit"),
    "startup_quiet": attach_summary,
    "footprint": footprint_summary,
    "footprint_detail": footprint,
    "hook_cost": hookcost,
    "vm_agent_start": vm_agent,
    "serializer": serializer,
    "vm_accel": vm_accel,
    "targets": targets,
}
with open(os.path.join(OUT, "results.json"), "w") as f:
    json.dump(results, f, indent=1)
    f.write("\n")

# --- markdown --------------------------------------------------------------------


def fmt_ns(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def fmt_ratio(e):
    if not e or "ratio" not in e:
        return "–"
    cell = f"**{e['ratio']:.2f}** ({e['ratio_min']:.2f}–{e['ratio_max']:.2f})"
    # Time spent blocked (auditd's backlog wait) is wall time, not CPU time.
    w = e.get("wall_ratio")
    if w and abs(w / e["ratio"] - 1) > 0.25:
        cell += f" · wall **{w:.2f}**"
    return cell


def row_label(r):
    wl = WORKLOAD_LABEL.get(r["workload"], r["workload"])
    if r["workload"] == "runc":
        return wl
    return wl + (" — in a container" if r["context"] == "container" else "")


def kib(b):
    return f"{b / 1024:.0f} KiB" if b < 1048576 else f"{b / 1048576:.1f} MiB"


md = []
w = md.append
w("# nsguard benchmark results")
w("")
w(f"Generated by `make bench` ({'quick mode, ' if params.get('quick') == '1' else ''}"
  f"{params.get('rounds', '?')} host rounds, {params.get('vm_rounds', '?')} VM rounds, "
  f"{results['duration_s']} s). Method and discussion: [docs/BENCHMARKS.md](../docs/BENCHMARKS.md).")
w("")
w(f"Machine: {machine.get('cpu', '?')}, {machine.get('cpus', '?')} CPUs, {machine.get('mem_gib', '?')} GiB, "
  f"kernel {machine.get('kernel', '?')} ({machine.get('os', '')}); nsguard {machine.get('nsguard_commit', '?')}, "
  f"{machine.get('bpftrace', '')}, auditd {machine.get('auditd', '')}, {machine.get('runc', '')}.")
w("")
w("Cells: CPU time per operation (the workload process and its reaped children; each round the fastest of "
  "several timed runs) divided by the "
  "no-agent CPU time of the same round; **median** (smallest–largest round). 1.00 = no overhead. "
  "Where the wall-clock ratio differs by more than 25 %, it follows (· wall): the task was blocked, "
  "not computing. All wall-clock ratios are in results.json (`wall_ratio`).")

for scope, title in (("host", "Host — nsguard `signal` tier (tracepoints)"),
                     ("vm", "VM — Debian 6.1 kernel with BPF LSM, nsguard `lsm` tier "
                            f"({VM_ACCEL_LABEL.get(vm_accel, 'accelerator not recorded')})")):
    rows = [r for r in micro if r["scope"] == scope]
    if not rows:
        continue
    cols = [c for c in configs if any(c in r["configs"] for r in rows) and c != "baseline"]
    w("")
    w(f"## {title}")
    w("")
    w("| workload | no agent (ns/op, noise) | " + " | ".join(CONFIG_LABEL[c] for c in cols) + " |")
    w("|---|---|" + "---|" * len(cols))
    for r in rows:
        b = r["configs"].get("baseline")
        base = f"{fmt_ns(b['cpu_ns_per_op_median'])} ±{r.get('baseline_noise_pct', 0) / 2:.1f} %" if b else "–"
        w(f"| {row_label(r)} | {base} | " + " | ".join(fmt_ratio(r["configs"].get(c)) for c in cols) + " |")
    if scope == "host" and agent_cpu_summary:
        w("")
        w("CPU used meanwhile by the configuration's own processes (agent; bpftrace; auditd + kauditd), "
          "median % of one CPU:")
        w("")
        w("| while running | " + " | ".join(CONFIG_LABEL[c] for c in cols) + " |")
        w("|---|" + "---|" * len(cols))
        for ctx, label in (("host", "host-task workloads"), ("container", "container workloads"),
                           ("runc", "runc run")):
            w(f"| {label} | " + " | ".join(
                f"{agent_cpu_summary[f'{ctx}/{c}']:.1f} %" if f"{ctx}/{c}" in agent_cpu_summary else "–"
                for c in cols) + " |")

SHAPE_LABEL = {"a": "a: one process, one violation", "b": "b: {w} processes renaming themselves"}
SINK_LABEL = {"baseline": "no agent (the flood alone)", "audit": "nsguard audit", "enforce": "nsguard enforce", "bpftrace": "bpftrace (perf buffer, printf)",
              "auditd": "auditd (audit.log)"}


def storm_sink(x):
    if x.get("quote"):
        return "nsguard audit — issue 11's measurement"
    if x["name"].startswith("vm-"):
        return f"{SINK_LABEL.get(x['config'], x['config'])} (VM, lsm tier{', TCG' if vm_accel == 'tcg' else ''})"
    return SINK_LABEL.get(x["config"], x["config"])


def n_or(v, na="–"):
    return na if v is None else format(v, ",")


def lat_ms(v):
    if v is None:
        return "–"
    return f"{v / 1000:.1f} ms" if v >= 1000 else f"{v:.0f} µs"


if storms:
    p = params
    w("")
    w("## Storms: one container floods the feed while others start")
    w("")
    w("A runc container calls `setns()` into the host IPC namespace a fixed number of times, pinned to one CPU "
      "(`tests/helpers/flood.c`): shape **a**, one process repeating one violation; shape **b**, "
      f"{p.get('storm_workers', '?')} processes renaming themselves (`prctl(PR_SET_NAME)`) before every call. "
      "Meanwhile other containers start with host IPC (crun), one after another; for each of them the follower "
      "takes the time from its violation's kernel timestamp to its line in the sink (bpftrace: its exec line; "
      "auditd: an `execve` rule on its binary). Host rows: audit mode, default ring sizes and budgets. "
      "VM row: enforce on the `lsm` tier, every call denied and retried, every other container blocked"
      + (" — under software emulation, so read its counts, not its speed." if vm_accel == "tcg" else "."))
    w("")
    w("| sink | shape | calls | generator calls/s | delivered | coalesced | rate-limited | dropped | exact | "
      "agent CPU | others reported (started during the flood) | their p50 | p99 |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for x in storms:
        o = x["others"]
        nsg = x["config"] in ("audit", "enforce")
        calls = n_or(x.get("calls"))
        if not x.get("complete"):
            calls += f" (planned: {x['planned_label']})"
        elif not x.get("planned_calls"):
            calls += " (until the others were done)"
        exact = "–" if x.get("exact") is None else ("yes" if x["exact"] else
                                                      f"**no** ({n_or(x.get('accounted'))})")
        cpu = "–" if x.get("agent_cpu_pct") is None else f"{x['agent_cpu_pct']} % ({x['agent_cpu_s']:.2f} s)"
        rep = f"{o['reported']} of {o['n']} ({o['during_flood']})" if o["n"] else "–"
        w(f"| {storm_sink(x)} | {SHAPE_LABEL[x['shape']].format(w=x.get('workers'))} | {calls} | "
          f"{n_or(x.get('generator_calls_per_s'))} | {n_or(x.get('delivered'))} | "
          f"{n_or(x.get('coalesced')) if nsg else 'n/a'} | {n_or(x.get('rate_limited')) if nsg else 'n/a'} | "
          f"{n_or(x.get('dropped'))} | {exact} | {cpu} | {rep} | "
          f"{lat_ms(o['latency_us']['p50'])} | {lat_ms(o['latency_us']['p99'])} |")
    w("")
    w("delivered: the flood's own full events in the sink; coalesced: the repeats nsguard's `coalesced` "
      "summaries tell; rate-limited: what its `rate_limited` summaries say the container's budget refused; "
      "dropped: lost for want of ring space (nsguard: the kernel's counter for the container; bpftrace: "
      "`Lost N events`; auditd: the kernel's `lost`); exact: those four add up to the calls the flooder made "
      "(nsguard: and the feed agrees with the kernel's counters in the final `agent_stats`). Agent CPU: the "
      "configuration's processes (auditd: with kauditd) from the flood's first call to its last, % of one CPU.")
    q = next((x for x in storms if x.get("quote")), None)
    if q:
        o = q["others"]
        w("")
        w(f"Issue 11's measurement (one container, {q['planned_calls']:,} setns calls into the host IPC namespace, "
          f"audit mode, 5 other host-IPC containers starting): before the flow gate 1,403,569 violations were "
          f"dropped and **0 of 5** others reported; now {n_or(q.get('dropped'))} dropped, "
          f"{n_or(q.get('coalesced'))} coalesced, {n_or(q.get('rate_limited'))} rate-limited, and "
          f"**{o['reported']} of {o['n']}** reported (p99 {lat_ms(o['latency_us']['p99'])})"
          + (f" — with {q['planned_calls']:,} calls instead of 2,000,000 (quick mode)."
             if q["planned_calls"] < 2000000 else "."))

if serializer:
    w("")
    w("## Serializer")
    w("")
    w("The feed's serializer alone on one pinned core (`bench/serializer.c`): realistic `setns` and "
      "`host_ns_exec` lines (hostile `comm`, the cached `container` object) into the sink's batch "
      "buffer; best round, thread CPU time.")
    w("")
    w("| path | events/s | bytes/event |")
    w("|---|---|---|")
    for name, label in (("writer", "schema_*.c + jsonw.c (now)"),
                        ("jansson", "json_t tree + json_dumpb (before)")):
        if name in serializer:
            r = serializer[name]
            w(f"| {label} | {r['events_per_s']:,} | {r['bytes_per_event']} |")

if footprint_summary:
    w("")
    w("## Footprint")
    w("")
    cols = [c for c in ("audit", "enforce", "bpftrace", "auditd", "arm64-audit", "arm64-enforce")
            if c in footprint_summary]
    w("| | " + " | ".join(CONFIG_LABEL[c] for c in cols) + " |")
    w("|---|" + "---|" * len(cols))

    def cell(c, fn):
        try:
            return fn(footprint_summary[c])
        except (KeyError, TypeError, ZeroDivisionError):
            return "–"
    lines = [
        ("start → ready line (nsguard: agent_start; bpftrace: BEGIN; auditd: rules loaded), median (min–max)",
         lambda s: f"{s['start_to_ready_line_ms']['median_ms']:.0f} ms "
         f"({s['start_to_ready_line_ms']['min_ms']}–{s['start_to_ready_line_ms']['max_ms']})"),
        ("start → first event of the attach probe in the sink, median (min–max)",
         lambda s: f"{s['start_to_first_event_ms']['median_ms']:.0f} ms "
         f"({s['start_to_first_event_ms']['min_ms']}–{s['start_to_first_event_ms']['max_ms']})"),
        ("RSS after start", lambda s: f"{s['rss_kb_at_start'] / 1024:.1f} MiB"),
        ("… of which BPF map mappings (ring buffer)", lambda s: f"{s['rss_bpf_map_kb'] / 1024:.1f} MiB"),
        ("… the rest (heap, stacks, libraries)",
         lambda s: f"{(s['rss_kb_at_start'] - s['rss_bpf_map_kb']) / 1024:.1f} MiB"),
        ("peak RSS during micro-workloads", lambda s: f"{s['peak_rss_kb_micro'] / 1024:.1f} MiB"),
        ("peak RSS after the storm", lambda s: f"{s['peak_rss_kb_after_storm'] / 1024:.1f} MiB"),
        ("BPF programs", lambda s: str(s["programs"])),
        ("program size xlated / jited", lambda s: f"{kib(s['xlated_bytes'])} / {kib(s['jited_bytes'])}"),
        ("instructions verified at load", lambda s: f"{s['verified_insns']:,}"),
        ("BPF maps, memory (memlock)", lambda s: f"{s['maps']}, {kib(s['map_memlock_bytes'])}"),
    ]
    for label, fn in lines:
        w(f"| {label} | " + " | ".join(cell(c, fn) for c in cols) + " |")
    if attach_summary:
        q = attach_summary
        w("")
        w(f"nsguard start-up on a quiet system (median of {q['samples']}; the agent's own clock from "
          f"`main`, in `agent_start.startup`): probe done {q['probed_ms']:.0f} ms, BPF object loaded "
          f"and verified {q['loaded_ms']:.0f} ms, **hooks attached {q['attached_ms']:.0f} ms**; "
          f"spawn → `agent_start` line in the file {q['agent_start_line_ms']:.0f} ms. The rows above "
          "are taken while a ticker creates an IPC namespace every millisecond (the attach probe), "
          "which slows BPF loading down.")
    if arm64_startup:
        k = footprint_summary.get("arm64-audit") or footprint_summary["arm64-enforce"]
        w("")
        w(f"arm64 columns: the static aarch64 build (`make static ARCH=arm64`) in Debian's arm64 kernel "
          f"{k['kernel']} (tier `{k['tier']}`) under `qemu-system-aarch64 -M virt -cpu max`, **software "
          "emulation (TCG)**. Program sizes and verified instructions are what an arm64 node loads "
          "(the verifier and the JIT do not depend on the emulation), but they compare with the "
          "host's columns only loosely: another kernel, another JIT, and on `lsm` another set of "
          "programs (LSM hooks and trampolines, where this host runs tracepoints). The times are "
          "emulated, not an arm64 node's. Start-up by the agent's own clock, median: " +
          "; ".join(f"{cfg} probe {v['probed_ms']:.0f} ms, loaded and verified {v['loaded_ms']:.0f} ms, "
                    f"attached {v['attached_ms']:.0f} ms" for cfg, v in arm64_startup.items()) +
          " (`bench/arm64.sh`).")
    a = fp("audit")
    if a:
        w("")
        w("nsguard's programs and maps (audit mode, this kernel):")
        w("")
        w("| program | type | xlated | jited | verified insns |")
        w("|---|---|---|---|---|")
        for p in sorted(a["progs"], key=lambda p: p["name"]):
            w(f"| {p['name']} | {p['type']} | {p['xlated']} B | {p['jited']} B | {p['verified_insns']:,} |")
        w("")
        w("| map | type | max entries | memlock |")
        w("|---|---|---|---|")
        for m in sorted(a["maps"], key=lambda m: -m["memlock"]):
            w(f"| {m['name']} | {m['type']} | {m['max_entries']} | {kib(m['memlock'])} |")

if hookcost:
    w("")
    w("## Cost per hook invocation (`kernel.bpf_stats_enabled`, short mixed workload)")
    w("")
    w("| configuration | program | runs | ns per run |")
    w("|---|---|---|---|")
    for h in hookcost:
        for p in h["progs"]:
            if p["run_cnt"]:
                w(f"| {CONFIG_LABEL.get(h['config'], h['config'])} | {p['name']} | {p['run_cnt']:,} | {p['ns_per_run']} |")

w("")
w("## Targets")
w("")
w("| target | value | status |")
w("|---|---|---|")
for t in targets:
    v = t["value"]
    if t.get("display"):
        vs = t["display"]
    elif v is None:
        vs = "–"
    elif "RSS" in t["target"]:
        vs = f"{v / 1024:.1f} MiB"
    elif " ms " in t["target"]:
        vs = f"{v:.0f} ms"
    elif isinstance(v, float):
        vs = f"{v:.3f}" + (f" ({t['range'][0]:.2f}–{t['range'][1]:.2f})" if t.get("range") else "")
    else:
        vs = f"{v:,}"
    w(f"| {t['target']} | {vs} | {t['status']} |")

if vm_agent.get("audit"):
    w("")
    w(f"VM agent: tier `{vm_agent['audit'].get('tier')}`, detection `{vm_agent['audit'].get('detection')}`, "
      f"kernel {vm_agent['audit'].get('kernel')}, accelerator {vm_accel or 'not recorded'}.")
if notes:
    w("")
    w("## Notes")
    w("")
    for n in notes:
        w(f"- {n}")
with open(os.path.join(OUT, "results.md"), "w") as f:
    f.write("\n".join(md) + "\n")

# --- chart data: overhead % per workload and configuration --------------------------

CLIP_HI, CLIP_LO = 60.0, -30.0  # bars beyond are cut; a cut bar is labelled with its value


def clip(v):
    return max(CLIP_LO, min(CLIP_HI, v))


scopes = [sc for sc in ("host", "vm") if any(r["scope"] == sc for r in micro)]
with open(os.path.join(OUT, "overhead.dat"), "w") as f:
    f.write(f"# panels={len(scopes)}\n")
    f.write("# per configuration: overhead % (median of rounds), then the smallest and largest round\n")
    for scope in scopes:
        rows = [r for r in micro if r["scope"] == scope]
        cols = [c for c in configs if c != "baseline" and any(c in r["configs"] for r in rows)]
        f.write(f"# {scope}\n")
        f.write("workload " + " ".join(f'"{CONFIG_LABEL[c]}" low high' for c in cols) + "\n")
        labels = []
        for i, r in enumerate(rows):
            label = WORKLOAD_LABEL.get(r["workload"], r["workload"]).split(" (")[0]
            if r["context"] == "container":
                label += " (ctr)"
            vals = []
            for j, c in enumerate(cols):
                e = r["configs"].get(c)
                if not e or "ratio" not in e:
                    vals += ["NaN"] * 3
                    continue
                pct = 100 * (e["ratio"] - 1)
                vals += [f"{clip(pct):.2f}", f"{clip(100 * (e['ratio_min'] - 1)):.2f}",
                         f"{clip(100 * (e['ratio_max'] - 1)):.2f}"]
                if pct > CLIP_HI or pct < CLIP_LO:
                    # Clustered histogram geometry: gap 1, so bars are 1/(n+1) wide.
                    x = i + (j - (len(cols) - 1) / 2) / (len(cols) + 1)
                    labels.append(f"{x:.3f} {clip(pct):.1f} \"{pct:+.0f}%\"")
            f.write(f'"{label}" ' + " ".join(vals) + "\n")
        f.write("\n\n")
        f.write(f"# {scope} labels\n")
        f.write("\n".join(labels or ['NaN NaN ""']) + "\n\n\n")
print(f"report: {OUT}/results.md, {OUT}/results.json")
