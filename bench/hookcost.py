#!/usr/bin/python3
"""hookcost.py CONFIG PID — run count and mean run time of every BPF program
PID holds open (needs kernel.bpf_stats_enabled=1 while the workload ran)."""
import json
import os
import subprocess
import sys

cfg, pid = sys.argv[1], sys.argv[2]
ids = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        if os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:bpf-prog":
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                ids.add(next(l.split()[1] for l in f if l.startswith("prog_id")))
    except (OSError, StopIteration):
        pass
progs = []
for i in sorted(ids, key=int):
    out = subprocess.run(["bpftool", "-j", "prog", "show", "id", i],
                         capture_output=True, text=True).stdout
    j = json.loads(out or "{}")
    cnt, t = j.get("run_cnt", 0), j.get("run_time_ns", 0)
    progs.append({"name": j.get("name", ""), "run_cnt": cnt,
                  "ns_per_run": round(t / cnt) if cnt else None})
print(json.dumps({"config": cfg, "progs": progs}))
