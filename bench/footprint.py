#!/usr/bin/python3
"""footprint.py CONFIG PID STARTUP_MS — what an agent holds while it runs:
memory (RSS, peak, the part that is BPF map mappings), and the BPF programs
and maps it has open (sizes from bpftool, memlock and verified instructions
from /proc/PID/fdinfo). One JSON line."""
import json
import os
import subprocess
import sys

cfg, pid, startup = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def status(key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def bpftool(kind, ident):
    out = subprocess.run(["bpftool", "-j", kind, "show", "id", ident],
                         capture_output=True, text=True).stdout
    return json.loads(out or "{}")


rss_by_mapping = {}
name = None
with open(f"/proc/{pid}/smaps") as f:
    for line in f:
        w = line.split()
        if not w[0].endswith(":"):  # a mapping's header line
            name = w[5] if len(w) > 5 else "[anon]"
        elif w[0] == "Rss:":
            rss_by_mapping[name] = rss_by_mapping.get(name, 0) + int(w[1])

progs, maps = {}, {}
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        link = os.readlink(f"/proc/{pid}/fd/{fd}")
        with open(f"/proc/{pid}/fdinfo/{fd}") as f:
            info = {k.strip(): v.strip() for k, v in
                    (l.split(":", 1) for l in f if ":" in l)}
    except OSError:
        continue
    if link == "anon_inode:bpf-prog":
        j = bpftool("prog", info["prog_id"])
        progs[info["prog_id"]] = {
            "name": j.get("name", ""), "type": j.get("type", ""),
            "xlated": j.get("bytes_xlated", 0), "jited": j.get("bytes_jited", 0),
            "memlock": int(info.get("memlock", 0)),
            "verified_insns": int(info.get("verified_insns", 0) or 0)}
    elif link == "anon_inode:bpf-map":
        j = bpftool("map", info["map_id"])
        maps[info["map_id"]] = {
            "name": j.get("name", ""), "type": j.get("type", ""),
            "max_entries": j.get("max_entries", 0), "memlock": int(info.get("memlock", 0))}

print(json.dumps({
    "config": cfg,
    "startup_ms": int(startup) if startup else None,
    "rss_kb": status("VmRSS"),
    "hwm_kb": status("VmHWM"),
    "rss_bpf_map_kb": rss_by_mapping.get("anon_inode:bpf-map", 0),
    "progs": list(progs.values()),
    "maps": list(maps.values()),
}))
