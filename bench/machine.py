#!/usr/bin/python3
"""machine.py OUT NSGUARD — what the benchmark ran on, as JSON."""
import json
import os
import platform
import subprocess
import sys


def sh(*args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def first(path, prefix, sep):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(prefix):
                    return line.split(sep, 1)[1].strip().strip('"')
    except OSError:
        pass
    return ""


out, nsguard = sys.argv[1], sys.argv[2]
with open("/proc/cmdline") as f:
    cmdline = f.read().split()
info = {
    "kernel": platform.release(),
    "cpu": first("/proc/cpuinfo", "model name", ":"),
    "cpus": os.cpu_count(),
    "mem_gib": round(int(first("/proc/meminfo", "MemTotal", ":").split()[0]) / 1048576, 1),
    "os": first("/etc/os-release", "PRETTY_NAME=", "="),
    "hypervisor": "yes" if "hypervisor" in first("/proc/cpuinfo", "flags", ":").split() else "no",
    "mitigations": " ".join(w for w in cmdline if w.startswith(("mitigations=", "pti="))),
    "nsguard_commit": sh("git", "-C", os.path.dirname(os.path.abspath(nsguard)), "rev-parse", "--short", "HEAD"),
    "bpftrace": sh("bpftrace", "--version"),
    "auditd": sh("dpkg-query", "-W", "-f=${Version}", "auditd"),
    "runc": (sh("runc", "--version").splitlines() or [""])[0],
}
with open(out, "w") as f:
    json.dump(info, f, indent=1)
