#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Static checks of deploy/: Kubernetes manifests, Dockerfile, systemd unit, daemon.json.

No cluster, no Docker engine: what can be known from the files alone is
checked here (references between objects, least-privilege rules the API
server would enforce, the shape of the image build, the unit's keys).

usage: check_manifests.py [REPO_ROOT]     (default: this file's ../..)
Prints one line per check and closes with "N passed, N failed" (then
", N skipped" when a check could not run: a skip fails under CI, as in
tests/lib/summary.sh).
"""
import configparser
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

import yaml

PRIV_ANNOTATION = "nsguard.io/privileged-reason"
API_VERSIONS = {
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "ConfigMap": "v1",
    "DaemonSet": "apps/v1",
}
CLUSTER_SCOPED = {"Namespace"}


def ci_mode():
    ci = os.environ.get("CI", "")
    return ci not in ("", "0") and ci.lower() != "false"


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def skip(self, what, why):
        """A check that cannot run here: counted, never silent."""
        self.skipped += 1
        print(f"skip - {what}: {why}")

    def check(self, ok, what, why=""):
        if ok:
            self.passed += 1
            print(f"ok - {what}")
        else:
            self.failed += 1
            print(f"FAIL - {what}" + (f": {why}" if why else ""))
        return ok

    def close(self):
        """Prints the closing counts line; the exit status (a skip fails CI)."""
        line = f"{self.passed} passed, {self.failed} failed"
        if self.skipped:
            line += f", {self.skipped} skipped"
            if ci_mode():
                print(f"{self.skipped} skipped, and CI is set: a skip fails CI")
        print(line)
        return 1 if self.failed or (self.skipped and ci_mode()) else 0


def load_manifests(c, kdir):
    """Every document of every YAML file, as (file, doc)."""
    docs = []
    files = sorted(f for f in os.listdir(kdir) if f.endswith((".yaml", ".yml")))
    c.check(files, f"{kdir} has YAML files")
    for f in files:
        path = os.path.join(kdir, f)
        try:
            with open(path) as fh:
                loaded = [d for d in yaml.safe_load_all(fh) if d is not None]
        except yaml.YAMLError as e:
            c.check(False, f"{f} parses", str(e).replace("\n", " "))
            continue
        c.check(loaded, f"{f} parses and is not empty")
        docs += [(f, d) for d in loaded]
    return docs


def check_identity(c, docs):
    for f, d in docs:
        kind = d.get("kind") if isinstance(d, dict) else None
        name = (d.get("metadata") or {}).get("name") if kind else None
        c.check(kind and d.get("apiVersion") and name,
                f"{f}: apiVersion, kind, metadata.name present")
        if kind in API_VERSIONS:
            c.check(d.get("apiVersion") == API_VERSIONS[kind],
                    f"{f}: {kind} has apiVersion {API_VERSIONS[kind]}",
                    f"got {d.get('apiVersion')}")
    namespaces = {d["metadata"]["name"] for _, d in docs if d.get("kind") == "Namespace"}
    for f, d in docs:
        if d.get("kind") in CLUSTER_SCOPED or not d.get("kind"):
            continue
        ns = (d.get("metadata") or {}).get("namespace")
        c.check(ns and (not namespaces or ns in namespaces),
                f"{f}: {d.get('kind')} in a declared namespace", f"namespace {ns!r}")


def by_kind(docs, kind):
    return [d for _, d in docs if d.get("kind") == kind]


def pod_containers(spec):
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def check_volumes(c, spec):
    declared = [v["name"] for v in spec.get("volumes") or []]
    mounted = [m["name"] for ct in pod_containers(spec) for m in ct.get("volumeMounts") or []]
    c.check(len(declared) == len(set(declared)), "DaemonSet: volume names unique")
    missing = sorted(set(mounted) - set(declared))
    c.check(not missing, "DaemonSet: every volumeMount refers to a declared volume",
            f"undeclared: {missing}")
    unused = sorted(set(declared) - set(mounted))
    c.check(not unused, "DaemonSet: every volume is mounted", f"unused: {unused}")
    for ct in pod_containers(spec):
        paths = [m["mountPath"] for m in ct.get("volumeMounts") or []]
        c.check(len(paths) == len(set(paths)), f"container {ct['name']}: mount paths unique")


def check_privilege(c, tmpl, spec):
    annotations = (tmpl.get("metadata") or {}).get("annotations") or {}
    for ct in pod_containers(spec):
        sc = ct.get("securityContext") or {}
        priv = sc.get("privileged") is True
        c.check(not priv or annotations.get(PRIV_ANNOTATION),
                f"container {ct['name']}: not privileged (or annotated {PRIV_ANNOTATION})")
        caps = (sc.get("capabilities") or {}).get("add") or []
        # The API server rejects this combination.
        c.check(not (sc.get("allowPrivilegeEscalation") is False and
                     ("SYS_ADMIN" in caps or priv)),
                f"container {ct['name']}: allowPrivilegeEscalation=false not combined "
                "with SYS_ADMIN/privileged")
        bidir = [m["name"] for m in ct.get("volumeMounts") or []
                 if m.get("mountPropagation") == "Bidirectional"]
        c.check(priv or not bidir,
                f"container {ct['name']}: no Bidirectional mount (privileged only)",
                f"{bidir}")
        drop = (sc.get("capabilities") or {}).get("drop") or []
        c.check(priv or "ALL" in drop, f"container {ct['name']}: drops ALL capabilities")


def check_resources(c, spec):
    for ct in pod_containers(spec):
        limits = (ct.get("resources") or {}).get("limits") or {}
        c.check("memory" in limits and "cpu" in limits,
                f"container {ct['name']}: resources.limits has memory and cpu",
                f"limits {limits}")


def port_ok(ct, port):
    ports = ct.get("ports") or []
    return any(port in (p.get("name"), p.get("containerPort")) for p in ports)


def check_probes(c, spec):
    for ct in pod_containers(spec):
        for probe in ("livenessProbe", "readinessProbe"):
            p = ct.get(probe)
            if not p:
                continue
            port = (p.get("httpGet") or p.get("tcpSocket") or {}).get("port")
            c.check(port is None or port_ok(ct, port),
                    f"container {ct['name']}: {probe} port {port} is a declared port")
    main = (spec.get("containers") or [{}])[0]
    c.check(main.get("livenessProbe"), "DaemonSet: main container has a liveness probe")


def check_scheduling(c, ds, spec):
    c.check(spec.get("hostPID") is True, "DaemonSet: hostPID true")
    c.check(spec.get("priorityClassName") == "system-node-critical",
            "DaemonSet: priorityClassName system-node-critical")
    c.check(any(t.get("operator") == "Exists" and not t.get("key") and not t.get("effect")
                for t in spec.get("tolerations") or []),
            "DaemonSet: tolerates every taint")
    c.check((ds["spec"].get("updateStrategy") or {}).get("type") == "RollingUpdate",
            "DaemonSet: updateStrategy RollingUpdate")
    sel = (ds["spec"].get("selector") or {}).get("matchLabels") or {}
    labels = (ds["spec"]["template"].get("metadata") or {}).get("labels") or {}
    c.check(sel and all(labels.get(k) == v for k, v in sel.items()),
            "DaemonSet: selector matches the template's labels")
    check_architectures(c, spec)


# The image is built for these (deploy/Dockerfile); nodes of each must run the
# agent, and a node of another OS must not get it.
NODE_PLATFORMS = (("linux", "amd64", True), ("linux", "arm64", True),
                  ("windows", "amd64", False))


def requirement_matches(req, values):
    """One NodeSelectorRequirement against a node's labels (or fields)."""
    key, op, want = req.get("key"), req.get("operator"), req.get("values") or []
    have = values.get(key)
    if op == "In":
        return have is not None and have in want
    if op == "NotIn":
        return have is None or have not in want
    if op == "Exists":
        return have is not None
    if op == "DoesNotExist":
        return have is None
    if op in ("Gt", "Lt") and have is not None and len(want) == 1:
        try:
            h, w = int(have), int(want[0])
        except ValueError:
            return False
        return h > w if op == "Gt" else h < w
    return False


def node_matches(spec, labels, name):
    """Whether the scheduler may place the pod on a node with these labels:
    nodeSelector, then the required node affinity (terms ORed, each term's
    requirements ANDed, an empty term matches nothing)."""
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        return False
    required = (((spec.get("affinity") or {}).get("nodeAffinity") or {})
                .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if required is None:
        return True
    fields = {"metadata.name": name}
    for term in required.get("nodeSelectorTerms") or []:
        exprs, fexprs = term.get("matchExpressions") or [], term.get("matchFields") or []
        if (exprs or fexprs) and all(requirement_matches(r, labels) for r in exprs) and \
                all(requirement_matches(r, fields) for r in fexprs):
            return True
    return False


def check_architectures(c, spec):
    for os_, arch, want in NODE_PLATFORMS:
        name = f"node-{os_}-{arch}"
        labels = {"kubernetes.io/os": os_, "kubernetes.io/arch": arch,
                  "beta.kubernetes.io/os": os_, "beta.kubernetes.io/arch": arch,
                  "kubernetes.io/hostname": name}
        got = node_matches(spec, labels, name)
        what = (f"DaemonSet schedules on {os_}/{arch} nodes" if want else
                f"DaemonSet stays off {os_}/{arch} nodes")
        c.check(got == want, what,
                f"nodeSelector {spec.get('nodeSelector')}, affinity {spec.get('affinity')}")


def arg_value(args, flag):
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


def check_references(c, docs, spec):
    sas = {d["metadata"]["name"] for d in by_kind(docs, "ServiceAccount")}
    c.check(spec.get("serviceAccountName") in sas,
            "DaemonSet: serviceAccountName is a declared ServiceAccount",
            f"{spec.get('serviceAccountName')!r} not in {sorted(sas)}")
    cms = {d["metadata"]["name"]: d for d in by_kind(docs, "ConfigMap")}
    for v in spec.get("volumes") or []:
        if "configMap" in v:
            c.check(v["configMap"].get("name") in cms,
                    f"volume {v['name']}: ConfigMap {v['configMap'].get('name')} declared")
    main = (spec.get("containers") or [{}])[0]
    policy = arg_value(main.get("args") or [], "--policy")
    c.check(policy, "DaemonSet: agent gets --policy")
    if not policy:
        return
    # The --policy file must be a key of a ConfigMap mounted at its directory.
    mounts = {m["mountPath"].rstrip("/"): m["name"] for m in main.get("volumeMounts") or []}
    vols = {v["name"]: v for v in spec.get("volumes") or []}
    vol = vols.get(mounts.get(os.path.dirname(policy)), {})
    cm = cms.get((vol.get("configMap") or {}).get("name"), {})
    data = cm.get("data") or {}
    key = os.path.basename(policy)
    c.check(key in data, f"ConfigMap holds {key} at --policy {policy}")
    if key in data:
        try:
            ok = isinstance(yaml.safe_load(data[key]), dict)
        except yaml.YAMLError:
            ok = False
        c.check(ok, f"ConfigMap {key} is a YAML mapping")


def check_capability_comments(c, kdir):
    """Each added capability line is preceded by a comment saying why."""
    path = os.path.join(kdir, "daemonset.yaml")
    lines = open(path).read().splitlines()
    in_add, bad, seen = False, [], 0
    for i, line in enumerate(lines):
        s = line.strip()
        if s == "add:":
            in_add, indent = True, len(line) - len(line.lstrip())
            continue
        if in_add and s and not s.startswith("#") and \
                len(line) - len(line.lstrip()) <= indent:
            in_add = False
        if in_add and s.startswith("- "):
            seen += 1
            prev = next((lines[j].strip() for j in range(i - 1, -1, -1)
                         if lines[j].strip()), "")
            if not prev.startswith("#"):
                bad.append(s[2:])
    c.check(seen and not bad, "daemonset.yaml: every added capability has a comment",
            f"uncommented: {bad}")


def check_kubernetes(c, kdir):
    docs = load_manifests(c, kdir)
    check_identity(c, docs)
    dss = by_kind(docs, "DaemonSet")
    if not c.check(len(dss) == 1, "exactly one DaemonSet"):
        return docs
    ds = dss[0]
    tmpl = ds["spec"]["template"]
    spec = tmpl["spec"]
    check_volumes(c, spec)
    check_privilege(c, tmpl, spec)
    check_resources(c, spec)
    check_probes(c, spec)
    check_scheduling(c, ds, spec)
    check_references(c, docs, spec)
    check_capability_comments(c, kdir)
    return docs


def dockerfile_instructions(path):
    """(INSTRUCTION, arguments) with continuations joined, comments dropped."""
    out, cur = [], ""
    for raw in open(path).read().splitlines():
        s = raw.strip()
        if not cur and (not s or s.startswith("#")):
            continue
        cur += s[:-1] + " " if s.endswith("\\") else s
        if s.endswith("\\"):
            continue
        word, _, rest = cur.partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def check_dockerfile(c, path):
    if not c.check(os.path.exists(path), f"{path} exists"):
        return
    ins = dockerfile_instructions(path)
    froms = [(i, a) for i, (w, a) in enumerate(ins) if w == "FROM"]
    c.check(len(froms) >= 2, "Dockerfile: multi-stage (>= 2 FROM)", f"{len(froms)} FROM")
    c.check(ins and ins[0][0] in ("FROM", "ARG"), "Dockerfile: starts with FROM (or ARG)")
    if not froms:
        return
    stages = [a.split()[-1] for _, a in froms[:-1] if re.search(r"\sAS\s", a, re.I)]
    last_at, last = froms[-1]
    image = last.split()[0]
    c.check(image == "scratch" or image.startswith("gcr.io/distroless/static"),
            "Dockerfile: final stage is scratch or distroless/static", image)
    final = ins[last_at + 1:]
    c.check(any(w == "ENTRYPOINT" for w, _ in final),
            "Dockerfile: final stage has an ENTRYPOINT")
    for w, a in final:
        m = re.search(r"--from=(\S+)", a) if w == "COPY" else None
        if m:
            c.check(m.group(1) in stages, f"Dockerfile: COPY --from={m.group(1)} is a stage")
    c.check(any(w == "RUN" and "make static" in a for w, a in ins[:last_at]),
            "Dockerfile: a build stage runs `make static`")
    c.check(not any(w == "RUN" for w, _ in final),
            "Dockerfile: no RUN in the scratch stage (it has no shell)")
    # BuildKit treats a predefined platform ARG given a default as a plain
    # ARG: every platform would get the default (amd64) binary.
    for w, a in ins:
        for key, eq, _ in (t.partition("=") for t in shlex.split(a)) if w == "ARG" else ():
            if key in PLATFORM_ARGS:
                c.check(not eq, f"Dockerfile: ARG {key} has no default (BuildKit would give "
                        "every platform that value)")


# BuildKit's automatic platform ARGs.
PLATFORM_ARGS = ("BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT",
                 "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT")
# What `make static` and `make static ARCH=arm64` read from the build
# context, and host outputs that must never be copied in.
CONTEXT_NEEDED = ("Makefile", "VERSION", "deploy/static.mk", "scripts/deps.sh",
                  "scripts/cross.mk", "scripts/cross-sysroot.sh", "scripts/foreign-debs.sh",
                  "vmlinux/x86/vmlinux.h", "vmlinux/arm64/vmlinux.h", "bpf/globals.bpf.c",
                  "include/nsguard.h", "user/main.c", "user/hook/oci_hook.c")
CONTEXT_UNWANTED = (".output/static/nsguard", ".output/static/arm64/nsguard",
                    ".output/sysroot/arm64/.debs", "nsguard", "nsguard-oci-hook")


def dockerignore_excludes(patterns, path):
    """Docker's rule: the last pattern matching the path or one of its parent
    directories decides; `!` re-includes."""
    parts = path.split("/")
    excluded = False
    for pat in patterns:
        neg = pat.startswith("!")
        p = pat[1:] if neg else pat
        p = os.path.normpath(p.strip("/"))
        if any(fnmatch.fnmatchcase("/".join(parts[:i]), p) for i in range(1, len(parts) + 1)):
            excluded = not neg
    return excluded


def check_dockerignore(c, path):
    if not c.check(os.path.exists(path), f"{path} exists"):
        return
    with open(path) as f:
        patterns = [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
    left_out = [p for p in CONTEXT_NEEDED if dockerignore_excludes(patterns, p)]
    c.check(not left_out, "Dockerfile.dockerignore keeps what `make static [ARCH=arm64]` reads",
            f"left out: {left_out}")
    let_in = [p for p in CONTEXT_UNWANTED if not dockerignore_excludes(patterns, p)]
    c.check(not let_in, "Dockerfile.dockerignore keeps the host's build outputs out",
            f"let in: {let_in}")


def check_systemd(c, path, k8s_docs):
    if not c.check(os.path.exists(path), f"{path} exists"):
        return
    cp = configparser.ConfigParser(strict=False, interpolation=None,
                                   comment_prefixes=("#", ";"))
    cp.optionxform = str
    try:
        cp.read(path)
    except configparser.Error as e:
        c.check(False, "systemd unit parses", str(e).replace("\n", " "))
        return
    c.check(True, "systemd unit parses")
    for sect in ("Unit", "Service", "Install"):
        c.check(cp.has_section(sect), f"systemd unit has [{sect}]")
    if not cp.has_section("Service"):
        return
    svc = cp["Service"]
    exe = shlex.split(svc.get("ExecStart", ""))
    c.check(exe and exe[0].startswith("/"), "systemd: ExecStart is an absolute path")
    c.check(svc.get("Restart") == "always", "systemd: Restart=always")
    c.check(svc.get("LimitMEMLOCK") == "infinity", "systemd: LimitMEMLOCK=infinity")
    # Same policy and feed paths as the DaemonSet: one layout on every host.
    for ds in by_kind(k8s_docs, "DaemonSet"):
        args = ds["spec"]["template"]["spec"]["containers"][0].get("args") or []
        for flag in ("--policy", "--output"):
            c.check(arg_value(exe, flag) == arg_value(args, flag),
                    f"systemd and DaemonSet agree on {flag}",
                    f"{arg_value(exe, flag)} vs {arg_value(args, flag)}")
    verify_with_systemd(c, path)


def verify_with_systemd(c, path):
    """systemd's own parser, where installed: unknown keys, bad values."""
    tool = shutil.which("systemd-analyze")
    if not tool:
        c.skip("systemd-analyze verify", "not installed")
        return
    r = subprocess.run([tool, "verify", "--man=no", path], capture_output=True, text=True,
                       env=dict(os.environ, SYSTEMD_LOG_LEVEL="info"))
    # The binary is not installed on a build machine; everything else counts.
    lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
    noise = [l for l in lines if "is not executable" not in l]
    # A failure must be that complaint: a tool that fails in silence proves nothing.
    c.check(not noise and (r.returncode == 0 or lines), "systemd-analyze verify: no complaints",
            "; ".join(noise[:3]) or f"exit {r.returncode} with no output")


def c_string(header, name):
    """The string a #define in a C header gives `name`, or None."""
    with open(header) as f:
        m = re.search(r'#define\s+' + name + r'\s+"([^"]*)"', f.read())
    return m.group(1) if m else None


def check_docker(c, root, unit):
    """daemon.json: Docker's default runtime is nsguard-runc, where `make
    install` puts it, and the wrapper's defaults meet the agent's unit."""
    path = os.path.join(root, "deploy", "docker", "daemon.json")
    if not c.check(os.path.exists(path), f"{path} exists"):
        return
    try:
        with open(path) as f:
            cfg = json.load(f)
    except ValueError as e:
        c.check(False, "daemon.json parses", str(e))
        return
    runtimes = cfg.get("runtimes") or {}
    default = cfg.get("default-runtime")
    c.check(default in runtimes, "daemon.json: default-runtime is one of its runtimes",
            f"{default!r} not in {sorted(runtimes)}")
    with open(os.path.join(root, "Makefile")) as f:
        installed = re.findall(r"\$\(PREFIX\)(/\S*nsguard-runc)", f.read())
    want = "/usr/local" + installed[0] if installed else None
    got = (runtimes.get(default) or {}).get("path")
    c.check(want is not None and got == want,
            "daemon.json: the runtime's path is where `make install` puts nsguard-runc",
            f"{got} vs {want}")
    spec = os.path.join(root, "user", "hook", "runtime_spec.h")
    hook = c_string(spec, "NSG_RUNC_DEFAULT_HOOK")
    with open(os.path.join(root, "Makefile")) as f:
        mk = f.read()
    c.check(hook is not None and hook.replace("/usr/local", "$(PREFIX)") in mk,
            "nsguard-runc's default hook is where `make install` puts nsguard-oci-hook", str(hook))
    policy = c_string(spec, "NSG_RUNC_DEFAULT_POLICY")
    sock = c_string(os.path.join(root, "user", "cli", "cli.h"), "NSG_DEFAULT_HOOK_SOCKET")
    cp = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    cp.optionxform = str
    cp.read(unit)
    exe = shlex.split(cp.get("Service", "ExecStart", fallback=""))
    c.check(policy is not None and arg_value(exe, "--policy") == policy,
            "nsguard-runc's default policy is the unit's --policy",
            f"{policy} vs {arg_value(exe, '--policy')}")
    rundir = cp.get("Service", "RuntimeDirectory", fallback="")
    c.check(sock is not None and os.path.dirname(sock) == "/run/" + rundir,
            "the hook's default socket is in the unit's RuntimeDirectory", f"{sock} vs /run/{rundir}")


def check_version(c, root, k8s_docs):
    """The image tag in deploy/ is the VERSION file's (the one version)."""
    path = os.path.join(root, "VERSION")
    if not c.check(os.path.exists(path), "VERSION exists"):
        return
    with open(path) as f:
        version = f.read().strip()
    for ds in by_kind(k8s_docs, "DaemonSet"):
        image = ds["spec"]["template"]["spec"]["containers"][0].get("image", "")
        c.check(image.rsplit(":", 1)[-1] == version, "DaemonSet image tag is VERSION",
                f"{image} vs {version}")
    with open(os.path.join(root, "deploy", "Dockerfile")) as f:
        tags = re.findall(r"-t nsguard:(\S+)", f.read())
    c.check(tags and all(t == version for t in tags), "Dockerfile's build example tags VERSION",
            f"{tags} vs {version}")


def logrotate_stanza(path):
    """The file a logrotate config names and its directives (one stanza)."""
    with open(path) as f:
        lines = [ln.split("#", 1)[0].strip() for ln in f]
    lines = [ln for ln in lines if ln]
    head = next((ln for ln in lines if ln.endswith("{")), "")
    body = lines[lines.index(head) + 1:] if head else []
    return head[:-1].strip(), [ln.split()[0] for ln in body if ln != "}"]


def check_logrotate(c, root, k8s_docs):
    """deploy/logrotate/nsguard rotates the feed the agent writes, safely."""
    path = os.path.join(root, "deploy", "logrotate", "nsguard")
    if not c.check(os.path.exists(path), "deploy/logrotate/nsguard exists"):
        return
    target, directives = logrotate_stanza(path)
    for ds in by_kind(k8s_docs, "DaemonSet"):
        args = ds["spec"]["template"]["spec"]["containers"][0].get("args") or []
        c.check(target == arg_value(args, "--output"), "logrotate rotates the DaemonSet's --output",
                f"{target} vs {arg_value(args, '--output')}")
    c.check("create" in directives and "copytruncate" not in directives,
            "logrotate: create, not copytruncate (which loses lines)")
    c.check("compress" not in directives or "delaycompress" in directives,
            "logrotate: delaycompress (the file just rotated may still grow for a second)")
    lr = shutil.which("logrotate")
    if not c.check(lr is not None, "logrotate is installed (scripts/deps.sh --test)"):
        return
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([lr, "-d", "-s", os.path.join(tmp, "state"), path],
                           capture_output=True, text=True)
    errors = [ln for ln in (r.stdout + r.stderr).splitlines() if ln.startswith("error")]
    c.check(r.returncode == 0 and not errors, "logrotate -d accepts deploy/logrotate/nsguard",
            "; ".join(errors) or f"exit {r.returncode}")


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    c = Checker()
    docs = check_kubernetes(c, os.path.join(root, "deploy", "kubernetes"))
    check_dockerfile(c, os.path.join(root, "deploy", "Dockerfile"))
    check_dockerignore(c, os.path.join(root, "deploy", "Dockerfile.dockerignore"))
    check_systemd(c, os.path.join(root, "deploy", "systemd", "nsguard.service"), docs)
    check_docker(c, root, os.path.join(root, "deploy", "systemd", "nsguard.service"))
    check_version(c, root, docs)
    check_logrotate(c, root, docs)
    return c.close()


if __name__ == "__main__":
    sys.exit(main())
