#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The DaemonSet's pod, as `docker run` arguments: derived from
deploy/kubernetes/daemonset.yaml (and its ConfigMap), never written by hand,
so that what runs here is what the manifest asks for.

usage: daemonset_args.py REPO_ROOT WORKDIR [HOST_PATH=LOCAL_PATH ...]

Prints one argument per line (NUL-free): docker run's options, then
"--", then the image's arguments. The ConfigMap's files are written under
WORKDIR/configmap/<volume>/ and bind-mounted read-only where the pod mounts
them. HOST_PATH=LOCAL_PATH remaps a hostPath volume (the test's own copies of
/var/log/nsguard and /run/nsguard, so the host's are left alone); every other
hostPath is mounted as the manifest says. Anything in the pod spec this
translation does not know is an error, not a silent difference.
"""
import os
import platform
import socket
import sys

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy"))
from check_manifests import node_matches  # noqa: E402  the scheduler's rule, written once

# Pod and container fields that change nothing docker could express here:
# scheduling, probes (the test scrapes /metrics itself), ports (no network).
IGNORED_POD = {"serviceAccountName", "automountServiceAccountToken", "enableServiceLinks",
               "priorityClassName", "tolerations", "nodeSelector", "affinity",
               "terminationGracePeriodSeconds", "containers", "volumes", "hostPID", "hostIPC",
               "hostNetwork"}
IGNORED_CONTAINER = {"name", "image", "imagePullPolicy", "ports", "livenessProbe",
                     "readinessProbe", "args", "command", "env", "resources",
                     "securityContext", "volumeMounts"}


def fail(msg):
    print(f"daemonset_args.py: {msg}", file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def cpus(v):
    v = str(v)
    return str(int(v[:-1]) / 1000) if v.endswith("m") else v


def memory(v):
    v = str(v)
    for suffix, unit in (("Ki", "k"), ("Mi", "m"), ("Gi", "g")):
        if v.endswith(suffix):
            return v[:-2] + unit
    return v


def security_args(sc, annotations, cname):
    out = []
    if sc.get("privileged"):
        out.append("--privileged")
    caps = sc.get("capabilities") or {}
    for c in caps.get("drop") or []:
        out += ["--cap-drop", c]
    for c in caps.get("add") or []:
        out += ["--cap-add", c]
    if sc.get("readOnlyRootFilesystem"):
        out.append("--read-only")
    if "runAsUser" in sc:
        out += ["--user", str(sc["runAsUser"])]
    if sc.get("allowPrivilegeEscalation") is False:
        out += ["--security-opt", "no-new-privileges"]
    seccomp = (sc.get("seccompProfile") or {}).get("type", "RuntimeDefault")
    if seccomp == "Unconfined":
        out += ["--security-opt", "seccomp=unconfined"]
    elif seccomp != "RuntimeDefault":
        fail(f"seccompProfile {seccomp}: not translated")
    # RuntimeDefault is Docker's default profile. SELinux: not on these hosts.
    aa = annotations.get(f"container.apparmor.security.beta.kubernetes.io/{cname}")
    if aa == "unconfined":
        out += ["--security-opt", "apparmor=unconfined"]
    return out


def volume_args(pod, ctr, configmaps, workdir, remap):
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    out = []
    for m in ctr.get("volumeMounts") or []:
        v = vols.get(m["name"]) or fail(f"volumeMount {m['name']}: no such volume")
        opts = ["ro"] if m.get("readOnly") else []
        prop = m.get("mountPropagation")
        if prop == "HostToContainer":
            opts.append("rslave")
        elif prop == "Bidirectional":
            opts.append("rshared")
        if "hostPath" in v:
            src = remap.get(v["hostPath"]["path"], v["hostPath"]["path"])
            if not os.path.exists(src):
                if v["hostPath"].get("type") == "DirectoryOrCreate":
                    os.makedirs(src, exist_ok=True)
                elif v["hostPath"].get("type") in ("Directory",):
                    fail(f"hostPath {src} (type Directory) does not exist on this host")
                else:
                    continue  # kubelet mounts an empty dir; nothing of the runtime's is there
        elif "configMap" in v:
            data = configmaps.get(v["configMap"]["name"]) or fail(
                f"configMap {v['configMap']['name']}: not in the manifests")
            src = os.path.join(workdir, "configmap", m["name"])
            os.makedirs(src, exist_ok=True)
            for key, text in data.items():
                with open(os.path.join(src, key), "w") as f:
                    f.write(text)
        elif "emptyDir" in v:
            out += ["--tmpfs", m["mountPath"]]
            continue
        else:
            fail(f"volume {m['name']}: kind not translated")
        out += ["-v", f"{src}:{m['mountPath']}" + (":" + ",".join(opts) if opts else "")]
    return out


# This node's well-known labels, as kubelet sets them.
NODE_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}


def check_schedulable_here(pod):
    """nodeSelector and affinity are not docker flags, but the pod must be
    one the scheduler would place on this node; other affinity kinds are not
    translated."""
    affinity = pod.get("affinity") or {}
    other = set(affinity) - {"nodeAffinity"}
    other |= {f"nodeAffinity.{k}" for k in affinity.get("nodeAffinity") or {}
              if k != "requiredDuringSchedulingIgnoredDuringExecution"}
    if other:
        fail(f"affinity not translated: {sorted(other)}")
    name = socket.gethostname()
    labels = {"kubernetes.io/os": "linux", "kubernetes.io/hostname": name,
              "kubernetes.io/arch": NODE_ARCH.get(platform.machine(), platform.machine())}
    if not node_matches(pod, labels, name):
        fail(f"the pod would not be scheduled on this node ({labels})")


def main():
    if len(sys.argv) < 3:
        fail("usage: daemonset_args.py REPO_ROOT WORKDIR [HOST=LOCAL ...]")
    root, workdir = sys.argv[1], sys.argv[2]
    remap = dict(a.split("=", 1) for a in sys.argv[3:])
    kdir = os.path.join(root, "deploy", "kubernetes")
    docs = [d for f in sorted(os.listdir(kdir)) if f.endswith(".yaml")
            for d in load(os.path.join(kdir, f))]
    ds = [d for d in docs if d.get("kind") == "DaemonSet"]
    if len(ds) != 1:
        fail(f"{len(ds)} DaemonSets, want 1")
    configmaps = {d["metadata"]["name"]: d.get("data") or {} for d in docs
                  if d.get("kind") == "ConfigMap"}
    tmpl = ds[0]["spec"]["template"]
    pod = tmpl["spec"]
    unknown = set(pod) - IGNORED_POD
    if unknown:
        fail(f"pod fields not translated: {sorted(unknown)}")
    if len(pod["containers"]) != 1:
        fail("one container expected")
    check_schedulable_here(pod)
    ctr = pod["containers"][0]
    unknown = set(ctr) - IGNORED_CONTAINER
    if unknown:
        fail(f"container fields not translated: {sorted(unknown)}")
    args = []
    args += ["--pid=host"] if pod.get("hostPID") else []
    args += ["--ipc=host"] if pod.get("hostIPC") else []
    args += ["--network", "host" if pod.get("hostNetwork") else "none"]
    args += security_args(ctr.get("securityContext") or {},
                          (tmpl.get("metadata") or {}).get("annotations") or {}, ctr["name"])
    limits = (ctr.get("resources") or {}).get("limits") or {}
    if "memory" in limits:
        args += ["--memory", memory(limits["memory"])]
    if "cpu" in limits:
        args += ["--cpus", cpus(limits["cpu"])]
    for e in ctr.get("env") or []:
        args += ["-e", f"{e['name']}={e.get('value', '')}"]
    if ctr.get("command"):
        args += ["--entrypoint", ctr["command"][0]]
    args += volume_args(pod, ctr, configmaps, workdir, remap)
    args.append("--")
    args += (ctr.get("command") or [])[1:] + (ctr.get("args") or [])
    for a in args:
        if "\n" in a:
            fail(f"argument with a newline: {a!r}")
        print(a)


if __name__ == "__main__":
    main()
