#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Which binary deploy/Dockerfile puts in the image, for each platform, without Docker.

No Docker engine and no base image are needed: the Dockerfile's stages are
read as a builder reads them, for BuildKit (its automatic platform ARGs:
BUILDPLATFORM, TARGETARCH, ...) and for the legacy builder (none of those;
only --build-arg), and the build stage's RUNs from the first that runs
`make` on are run with sh in a scratch directory, with stand-ins for `make`
(what `make static [ARCH=...]` leaves where: .output/static for the build
machine's own architecture, .output/static/ARCH for a cross build, as
scripts/cross.mk and deploy/static.mk do), for `strip` (the host's strip
reads only the host's machine, the cross one only its own) and a build
context holding stale host outputs. The file the final stage copies to the
ENTRYPOINT must then be an ELF of the platform's machine, made by this
build. Those RUNs may name paths in WORKDIR only (they run here).

usage: image_arch.py [REPO_ROOT]      (default: this file's ../..)
Prints one line per check and closes with "N passed, N failed" (then
", N skipped"), as check_manifests.py does.
"""
import json
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the tree (the stand-ins import this too)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_manifests import Checker, dockerfile_instructions  # noqa: E402

# Docker's architecture names -> ELF e_machine and the Makefile's ARCH.
MACHINES = {"amd64": 62, "arm64": 183}
MAKE_ARCH = {"amd64": "x86", "arm64": "arm64"}
MACHINE_NAME = {62: "x86-64", 183: "ARM aarch64"}
PLATFORM_ARGS = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
                 "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT")

# (what, builder, build machine, target, --build-arg, expected: arch or None = the build fails)
SCENARIOS = [
    ("BuildKit, linux/amd64 on an amd64 builder", "buildkit", "amd64", "amd64", {}, "amd64"),
    ("BuildKit, linux/arm64 on an amd64 builder", "buildkit", "amd64", "arm64", {}, "arm64"),
    ("BuildKit, linux/arm64 on an arm64 builder", "buildkit", "arm64", "arm64", {}, "arm64"),
    # The Makefile cross-builds x86 -> arm64 only; the stand-in can do this
    # one, so what is checked is that the Dockerfile asks for the right thing.
    ("BuildKit, linux/amd64 on an arm64 builder", "buildkit", "arm64", "amd64", {}, "amd64"),
    ("legacy builder, no --build-arg", "legacy", "amd64", None, {}, "amd64"),
    ("legacy builder, --build-arg TARGETARCH=arm64", "legacy", "amd64", None,
     {"TARGETARCH": "arm64"}, "arm64"),
    ("BuildKit, linux/riscv64 (no such build)", "buildkit", "amd64", "riscv64", {}, None),
]


def elf_stub(arch, note):
    """An ELF header of `arch`'s machine, then a note saying where it came from."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    hdr = struct.pack("<16sHHIQQQIHHHHHH", ident, 2, MACHINES[arch], 1, 0x400000,
                      0, 0, 0, 64, 56, 0, 64, 0, 0)
    return hdr + b"nsguard-stub " + note.encode() + b"\n"


def elf_machine(path):
    with open(path, "rb") as f:
        hdr = f.read(20)
    if len(hdr) < 20 or hdr[:4] != b"\x7fELF":
        return None
    return struct.unpack("<H", hdr[18:20])[0]


FAKE_MAKE = r'''
import os, sys
sys.path.insert(0, os.environ["FAKE_LIB"])
from image_arch import elf_stub
host = os.environ["FAKE_HOST_ARCH"]
with open(os.environ["FAKE_MAKE_LOG"], "a") as log:
    log.write("make " + " ".join(sys.argv[1:]) + "\n")
goals = [a for a in sys.argv[1:] if "=" not in a and not a.startswith("-")]
args = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a and not a.startswith("-"))
arch = args.get("ARCH", {"amd64": "x86", "arm64": "arm64"}[host])
if arch not in ("x86", "arm64"):
    sys.exit(f"ARCH={arch}: nsguard builds for x86 arm64")
if goals != ["static"]:
    sys.exit(f"stand-in make: only `make static [ARCH=...]` is emulated, not {goals}")
docker = {"x86": "amd64", "arm64": "arm64"}[arch]
out = ".output/static" if docker == host else ".output/static/" + arch
os.makedirs(out, exist_ok=True)
for b in ("nsguard", "nsguard-oci-hook"):
    with open(os.path.join(out, b), "wb") as f:
        f.write(elf_stub(docker, f"built ARCH={arch} on {host}"))
    os.chmod(os.path.join(out, b), 0o755)
'''

FAKE_STRIP = r'''
import os, sys
sys.path.insert(0, os.environ["FAKE_LIB"])
from image_arch import elf_machine, MACHINES
reads = MACHINES[os.environ.get("FAKE_STRIP_ARCH") or os.environ["FAKE_HOST_ARCH"]]
for f in (a for a in sys.argv[1:] if not a.startswith("-")):
    if elf_machine(f) != reads:
        sys.exit(f"strip: Unable to recognise the format of the input file `{f}'")
'''


def install_tools(bindir):
    os.makedirs(bindir)
    here = os.path.dirname(os.path.abspath(__file__))
    tools = {"make": ("", FAKE_MAKE), "strip": ("", FAKE_STRIP),
             "aarch64-linux-gnu-strip": ("arm64", FAKE_STRIP),
             "x86_64-linux-gnu-strip": ("amd64", FAKE_STRIP)}
    for name, (strip_arch, body) in tools.items():
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(f"#!{sys.executable} -B\nimport os\n")
            if strip_arch:
                f.write(f"os.environ['FAKE_STRIP_ARCH'] = {strip_arch!r}\n")
            f.write(body)
        os.chmod(path, 0o755)
    return here


VAR = re.compile(r"\$\{(\w+)(?:(:?[-+])([^}]*))?\}|\$(\w+)")


def expand(word, env):
    """Dockerfile variable substitution: $V, ${V}, ${V:-w}, ${V-w}, ${V:+w}, ${V+w}."""
    def sub(m):
        name = m.group(1) or m.group(4)
        op, alt = m.group(2), m.group(3)
        val = env.get(name)
        if op in (":-", "-"):
            unset = val is None or (op == ":-" and val == "")
            return expand(alt, env) if unset else val
        if op in (":+", "+"):
            isset = val is not None and (op == "+" or val != "")
            return expand(alt, env) if isset else ""
        return val or ""
    return VAR.sub(sub, word)


def arg_pairs(rest):
    """ARG a=1 b -> [("a", "1"), ("b", None)]."""
    out = []
    for tok in shlex.split(rest):
        k, eq, v = tok.partition("=")
        out.append((k, v if eq else None))
    return out


def parse(path):
    """Global ARGs and stages: [{"flags", "image", "name", "ins"}]."""
    glob, stages = [], []
    for word, rest in dockerfile_instructions(path):
        if word == "FROM":
            toks = rest.split()
            flags = [t for t in toks if t.startswith("--")]
            plain = [t for t in toks if not t.startswith("--")]
            name = plain[2].lower() if len(plain) >= 3 and plain[1].upper() == "AS" else None
            stages.append({"flags": flags, "image": plain[0] if plain else "", "name": name,
                           "ins": []})
        elif stages:
            stages[-1]["ins"].append((word, rest))
        elif word == "ARG":
            glob += arg_pairs(rest)
    return glob, stages


def global_args(glob, builder, build, target, build_args):
    g = {}
    if builder == "buildkit":
        g = {"BUILDPLATFORM": f"linux/{build}", "BUILDOS": "linux", "BUILDARCH": build,
             "BUILDVARIANT": "", "TARGETPLATFORM": f"linux/{target}", "TARGETOS": "linux",
             "TARGETARCH": target, "TARGETVARIANT": ""}
    for k, v in glob:
        if k in build_args:
            g[k] = build_args[k]
        elif v is not None:
            g[k] = expand(v, g)
    return g


ABS_PATH = re.compile(r"""(?:^|[\s=:'"(;&|<>])(/[^\s'";&|)]*)""")
ALLOWED_ABS = ("/dev/null", "/dev/stderr", "/dev/stdout")


def run_stage(stage, g, builder, build_args, ctx, root, bindir, lib, log):
    """Runs the stage's RUNs from the first `make` on; returns (platform, error)."""
    plat = None
    for f in stage["flags"]:
        if f.startswith("--platform="):
            plat = expand(f.split("=", 1)[1], g)
            if not re.fullmatch(r"linux/(amd64|arm64)", plat):
                return None, f"FROM {f} expands to {plat!r}"
    if plat is None:
        plat = "linux/amd64" if builder == "legacy" else g["TARGETPLATFORM"]
    host = plat.split("/")[1]
    env, wd, started = {}, "/", False
    for word, rest in stage["ins"]:
        if word == "ARG":
            for k, v in arg_pairs(rest):
                if k in build_args:
                    env[k] = build_args[k]
                elif v is not None:
                    env[k] = expand(v, env)
                elif k in g:
                    env[k] = g[k]
        elif word == "ENV":
            m = re.match(r"(\w+)\s+(.*)$", rest)
            pairs = [(m.group(1), m.group(2))] if m and "=" not in rest.split()[0] \
                else arg_pairs(rest)
            for k, v in pairs:
                env[k] = expand(v or "", env)
        elif word == "WORKDIR":
            wd = os.path.normpath(os.path.join(wd, expand(rest, env)))
            os.makedirs(root + wd, exist_ok=True)
        elif word == "COPY" and not rest.startswith("--from"):
            srcs = shlex.split(rest)[:-1]
            if srcs == ["."]:
                shutil.copytree(ctx, root + wd, dirs_exist_ok=True, symlinks=True)
        elif word == "RUN":
            started = started or re.search(r"\bmake\b", rest) is not None
            if not started:
                continue
            bad = [p for p in ABS_PATH.findall(rest) if p not in ALLOWED_ABS]
            if bad:
                return plat, f"a RUN after `make` names {bad}: only WORKDIR paths can be checked"
            argv = json.loads(rest) if rest.startswith("[") else ["sh", "-c", rest]
            r = subprocess.run(argv, cwd=root + wd, capture_output=True, text=True,
                               env=dict(env, PATH=bindir + ":" + os.environ.get("PATH", ""),
                                        FAKE_HOST_ARCH=host, FAKE_LIB=lib, FAKE_MAKE_LOG=log))
            if r.returncode:
                tail = " ".join((r.stdout + r.stderr).strip().splitlines()[-2:])
                return plat, f"RUN exited {r.returncode}: {tail}"
    return plat, None


def make_context(ctx):
    """A build context with the host's stale outputs in it (the legacy builder
    ignores deploy/Dockerfile.dockerignore)."""
    for rel, arch in ((".output/static/nsguard", "amd64"), (".output/static/arm64/nsguard", "arm64"),
                      (".output/static/x86/nsguard", "amd64"), ("nsguard", "amd64")):
        p = os.path.join(ctx, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(elf_stub(arch, "stale, from the build context"))
    os.makedirs(os.path.join(ctx, "scripts"))
    with open(os.path.join(ctx, "scripts", "deps.sh"), "w") as f:
        f.write("#!/bin/sh\nexit 0\n")
    os.chmod(os.path.join(ctx, "scripts", "deps.sh"), 0o755)


def final_copy(stages):
    """(stage name, source path) of what the final stage copies to its ENTRYPOINT."""
    final = stages[-1]["ins"]
    entry = next((r for w, r in final if w == "ENTRYPOINT"), "")
    try:
        exe = json.loads(entry)[0]
    except (ValueError, IndexError):
        exe = entry.split()[0] if entry else None
    for w, r in final:
        m = re.match(r"--from=(\S+)\s+(\S+)\s+(\S+)$", r) if w == "COPY" else None
        if m and exe and os.path.normpath(m.group(3)) == os.path.normpath(exe):
            return m.group(1).lower(), m.group(2), exe
    return None, None, exe


def check_scenario(c, stages, glob, what, builder, build, target, build_args, want):
    stage_name, src, exe = final_copy(stages)
    stage = next((s for s in stages[:-1] if s["name"] == stage_name), None)
    label = f"{what}: {exe} is " + (f"{MACHINE_NAME[MACHINES[want]]}, built here" if want
                                    else "not made (the build fails)")
    if stage is None:
        c.check(False, label, f"the final stage copies {exe} from no build stage ({stage_name})")
        return
    g = global_args(glob, builder, build, target, build_args)
    with tempfile.TemporaryDirectory() as tmp:
        ctx, root, bindir, log = (os.path.join(tmp, d) for d in ("ctx", "root", "bin", "make.log"))
        os.makedirs(ctx)
        os.makedirs(root)
        make_context(ctx)
        lib = install_tools(bindir)
        plat, err = run_stage(stage, g, builder, build_args, ctx, root, bindir, lib, log)
        made = open(log).read().strip().replace("\n", "; ") if os.path.exists(log) else "no make"
        if builder == "buildkit" and plat is not None and want:
            c.check(plat == f"linux/{build}",
                    f"{what}: the build stage runs on the builder's platform (cross-compiles, "
                    "no emulation)", f"it runs on {plat}")
        if want is None:
            out = os.path.join(root, os.path.normpath("/" + src).lstrip("/"))
            c.check(err is not None and not os.path.exists(out), label,
                    f"the build went on ({made}) and made {out}")
            return
        if err:
            c.check(False, label, f"{err} ({made})")
            return
        path = os.path.join(root, os.path.normpath("/" + src).lstrip("/"))
        if not os.path.exists(path):
            c.check(False, label, f"{src} missing after the build ({made})")
            return
        machine = elf_machine(path)
        with open(path, "rb") as f:
            note = f.read().split(b"nsguard-stub ", 1)[-1].decode(errors="replace").strip()
        desc = ""
        if shutil.which("file"):
            desc = subprocess.run(["file", "-b", path], capture_output=True,
                                  text=True).stdout.strip()
        ok = machine == MACHINES[want] and note.startswith("built")
        c.check(ok, label, f"got {MACHINE_NAME.get(machine, machine)} ({note}; {desc}) after {made}")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    c = Checker()
    path = os.path.join(root, "deploy", "Dockerfile")
    if c.check(os.path.exists(path), f"{path} exists"):
        glob, stages = parse(path)
        if c.check(len(stages) >= 2, "Dockerfile: a build stage and a final stage"):
            for sc in SCENARIOS:
                check_scenario(c, stages, glob, *sc)
    return c.close()


if __name__ == "__main__":
    sys.exit(main())
