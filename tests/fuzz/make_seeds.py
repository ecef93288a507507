#!/usr/bin/env python3
"""Writes the seed corpora under tests/fuzz/corpus/ (committed; rerun after
changing the input formats). Sources: the README's policy, the embedded
default, the policy unit tests' error cases, the metadata fixtures in
tests/unit/fixtures/metadata/ (rewritten to the fuzz target's tree), real
cgroup names of every runtime, and a few kernel events."""
import hashlib
import json
import os
import re
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
FIX = os.path.join(ROOT, "tests/unit/fixtures/metadata")
SEP = b"\xff"


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def readme_policy():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    sect = text[text.index("## Policy"):]
    m = re.search(r"```yaml\n(.*?)```", sect, re.S)
    return m.group(1)


# --- policy -------------------------------------------------------------------

def policy_seeds():
    write("policy", "readme.yaml", readme_policy())
    c = open(os.path.join(ROOT, "user/policy/policy.c"), encoding="utf-8").read()
    m = re.search(r'nsg_default_policy_yaml\[\] =\n(.*?);\n', c, re.S)
    default = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    write("policy", "default.yaml", default.encode().decode("unicode_escape"))
    write("policy", "empty.yaml", "")
    seeds = {
        "unit-full.yaml": "mode: enforce\nenforcer: signal\nnamespaces:\n  ipc: block\n"
        "  pid: alert\n  net: alert\nallow:\n  - name: node exporters\n"
        "    kubernetes_namespace: monitoring\n    pod: \"node-exporter-*\"\n"
        "    namespaces: [pid]\n"
        "  - container_id: 4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a\n"
        "  - cgroup: \"/system.slice/docker-*.scope\"\n    namespaces: [ipc, pid]\n"
        "  - executable: /usr/bin/crictl\n    namespaces: [ipc]\n"
        "hook:\n  on_agent_unreachable: closed\n",
        "flow.yaml": "{mode: audit, enforcer: none, namespaces: {ipc: alert, pid: allow}, "
        "allow: [{image: 'docker.io/*', namespaces: [ipc, pid, net]}, "
        "{container_name: \"a\\u00e9[!x]?\"}], hook: {on_agent_unreachable: open}}\n",
        "anchors.yaml": "x: &ns monitoring\nallow:\n  - kubernetes_namespace: *ns\n",
        "anchors2.yaml": "allow:\n  - &r {pod: \"web-*\", namespaces: [ipc]}\n  - *r\n",
        "multidoc.yaml": "---\nmode: audit\n...\n---\nmode: enforce\n",
        "tags.yaml": "mode: !!str audit\nallow: !!seq\n  - pod: !custom x\n",
        "block-scalars.yaml": "allow:\n  - pod: |\n      multi\n      line\n"
        "  - image: >-\n      folded\n      text\n",
        "escapes.yaml": "allow:\n  - pod: \"a\\nb\\x00c\\\\[\"\n  - cgroup: '\\[x]'\n",
        "err-syntax.yaml": "mode: audit\nnamespaces: [ipc\n",
        "err-unknown.yaml": "mode: audit\nmood: enforce\n",
        "err-choice.yaml": "mode: sometimes\n",
        "err-ns-list.yaml": "namespaces: [ipc]\n",
        "err-block-net.yaml": "namespaces:\n  net: block\n",
        "err-ns-type.yaml": "namespaces:\n  ipcs: alert\n",
        "err-glob.yaml": "allow:\n  - pod: \"web-[a\"\n",
        "err-exe-glob.yaml": "allow:\n  - executable: \"/usr/bin/*\"\n",
        "err-exe-combined.yaml": "allow:\n  - executable: /bin/sh\n    pod: x\n",
        "err-no-field.yaml": "allow:\n  - name: nothing\n",
        "err-rule-ns.yaml": "allow:\n  - pod: x\n    namespaces: [ipc, bogus]\n",
        "err-rule-type.yaml": "allow:\n  - pod: [x]\n",
        "err-allow-map.yaml": "allow: {pod: x}\n",
        "err-hook.yaml": "hook:\n  on_agent_unreachable: maybe\n",
        "err-root-list.yaml": "- just\n- a list\n",
        "err-empty-ns.yaml": "allow:\n  - pod: x\n    namespaces: []\n",
        "err-key-map.yaml": "? [a, b]\n: c\n",
        "exe-long.yaml": "allow:\n  - executable: /" + "a" * 260 + "\n",
    }
    for name, text in seeds.items():
        write("policy", name, text)


# --- metadata -----------------------------------------------------------------

FID = "283b7bd5b17af45da9f23908514b7e075afc40f029ef4663b28c0422123ae943"


def fix(path):
    with open(os.path.join(FIX, path), "rb") as f:
        return f.read()


def rewrite(data, own_id):
    data = data.replace(own_id.encode(), FID.encode())
    for old, new in (
        (b"/run/containerd/io.containerd.runtime.v2.task", b"@ROOT@/io.containerd.runtime.v2.task"),
        (b"/run/containers/storage", b"@ROOT@/storage"),
        (b"/var/lib/containers/storage", b"@ROOT@/storage"),
        (b"/srv/bundles/" + FID.encode(), b"@ROOT@/bundle"),
    ):
        data = data.replace(old, new)
    return data


def meta(name, flags, files):
    """files: {part index: bytes}"""
    parts = [files.get(i, b"") for i in range(8)]
    while parts and not parts[-1]:
        parts.pop()
    write("metadata", name, bytes([flags]) + SEP.join(parts))


def metadata_seeds():
    d = "docker/containers/"
    meta("docker-nginx", 0, {0: rewrite(fix(d + "f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e1/config.v2.json"), "f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e1")})
    meta("docker-k8s", 0, {0: rewrite(fix(d + "8f8f3f3625020485ac7283d9838791218e1f42ab304c69c3bbfe3b0c0960d793/config.v2.json"), "8f8f3f3625020485ac7283d9838791218e1f42ab304c69c3bbfe3b0c0960d793")})
    meta("docker-impostor", 0, {0: fix(d + "a4f1e2037a22ef0b2d52c64433f95c93f26775c1350fe6d32f34ebb26ec01449/config.v2.json")})
    t = "containerd-task/"
    meta("task-k8s", 0, {1: rewrite(fix(t + "k8s.io/" + FID + "/config.json"), FID)})
    sb = "efe16884ab3e3a174db64548f17f2e12531ebe781938b91f0275d1b56bbc08fc"
    meta("task-sandbox", 0, {1: rewrite(fix(t + "k8s.io/" + sb + "/config.json"), sb)})
    mb = "fbdf533e6dc091b81572be6e102349704c07cd28018b18dc5f0a8b6179f69491"
    meta("task-moby", 1, {1: rewrite(fix(t + "moby/" + mb + "/config.json"), mb)})
    s = "storage/overlay-containers/"
    cj = fix(s + "containers.json")
    for sid in ("cb13681a4ba28f2ec70c93e26aa2b8c200acb6ccc866fb1ef1448ccc19c6a5d0",
                "efbfa86b22df5e604d2b37fd7782402b097174cdb94ef1b301af3892ba60ca34",
                "38dc52b3daedd0d3ef4c160891380f32da3933bfeb0df8314b414a39c49018fa"):
        meta("storage-" + sid[:8], 0, {2: rewrite(fix(s + sid + "/userdata/config.json"), sid),
                                       3: rewrite(cj, sid)})
    for rid in ("507af4158bd999460f039f6dd4b6b792eedb80cd7d8946a2233ec145b1fd136c",
                "38432e87bc5ce99d341d2c64c33b59a49201488ae3aa1f7d9c8d93636cd2a306",
                "55c58dc0d13c4173a9d4f5d5a1c55a8787732eb9c85da386e71ea7cfc76a6c41",
                "b844cc7d652cd3a6a8d8efb31f52d7df27337d39e81bce5347070ab5f7bf78d0"):
        st = rewrite(fix("runc/" + rid + "/state.json"), rid)
        files = {4: st}
        if rid.startswith("507a"):
            # Bare runc: the bundle's config.json carries the annotations.
            files[7] = rewrite(fix("crun/1ee11930235bac7ac8453b3f80a49232cdafcc706d9762a1416efaa9e8deaa31/config.json"), "x")
        if rid.startswith("3843"):
            # CRI-O through runc: the bundle is a storage userdata dir.
            files[3] = rewrite(cj, rid)
        meta("runc-" + rid[:8], 0, files)
    meta("runc-containerd", 2, {4: rewrite(fix("containerd-runc/k8s.io/" + FID + "/state.json"), FID),
                                1: rewrite(fix(t + "k8s.io/" + FID + "/config.json"), FID)})
    meta("runc-docker", 4, {4: b'{"id":"' + FID.encode() + b'","config":{"labels":["bundle=@ROOT@/io.containerd.runtime.v2.task/moby/' + FID.encode() + b'"]}}'})
    cr = "crun/1ee11930235bac7ac8453b3f80a49232cdafcc706d9762a1416efaa9e8deaa31/"
    crid = "1ee11930235bac7ac8453b3f80a49232cdafcc706d9762a1416efaa9e8deaa31"
    meta("crun", 0, {5: rewrite(fix(cr + "status"), crid), 6: rewrite(fix(cr + "config.json"), crid)})
    meta("crun-bundle", 0, {5: rewrite(fix(cr + "status"), crid), 7: rewrite(fix(cr + "config.json"), crid)})
    # Hand-made: CRI-O labels/metadata as JSON strings, long and multibyte values.
    ann = {
        "io.kubernetes.cri-o.ContainerType": "sandbox",
        "io.kubernetes.cri-o.Metadata": json.dumps({"name": "p", "uid": "u", "namespace": "n"}),
        "io.kubernetes.cri-o.Labels": json.dumps({"io.kubernetes.pod.name": "\u00e9" * 200}),
        "io.kubernetes.pod.namespace": "\u4e2d" * 100,
        "io.kubernetes.cri-o.ImageName": "x" * 600,
    }
    meta("crio-strings", 0, {2: json.dumps({"annotations": ann}).encode()})
    meta("all", 3, {0: b'{"ID":"' + FID.encode() + b'","Name":"/n","Config":{"Image":"i","Labels":{"io.kubernetes.docker.type":"podsandbox"}}}',
                    1: b'{"annotations":{"io.kubernetes.cri.container-type":"container","io.kubernetes.cri.sandbox-name":"s"}}',
                    2: b'{"annotations":{"io.container.manager":"libpod"}}',
                    3: b'[{"id":"' + FID.encode() + b'","names":["podname"],"metadata":"{\\"image-name\\":\\"img\\"}"}]',
                    4: b'{"config":{"labels":["a=b","bundle=@ROOT@/bundle"]}}',
                    5: b'{"bundle":"@ROOT@/bundle"}',
                    6: b'{"annotations":{}}',
                    7: b'{"annotations":{"io.kubernetes.cri.image-name":"b"}}'})


# --- oci_state ----------------------------------------------------------------

def oci_seeds():
    cid = "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
    cri = {"ociVersion": "1.0.2", "id": cid, "status": "created", "pid": 4242,
           "bundle": "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" + cid,
           "annotations": {"io.kubernetes.cri.container-type": "container",
                           "io.kubernetes.cri.container-name": "node-exporter",
                           "io.kubernetes.cri.sandbox-name": "node-exporter-7d9f",
                           "io.kubernetes.cri.sandbox-namespace": "monitoring",
                           "io.kubernetes.cri.image-name": "quay.io/prometheus/node-exporter:v1"}}
    crio = dict(cri, annotations={"io.kubernetes.cri-o.ContainerType": "container",
                                  "io.kubernetes.container.name": "istio-proxy",
                                  "io.kubernetes.pod.name": "web-1",
                                  "io.kubernetes.pod.namespace": "shop",
                                  "io.kubernetes.cri-o.ImageName": "registry.example.com/debug/sh"})
    bare = {"ociVersion": "1.0.2", "id": "mybox", "status": "creating", "pid": 77,
            "bundle": "/srv/bundles/mybox"}
    bundle_cfg = fix("crun/1ee11930235bac7ac8453b3f80a49232cdafcc706d9762a1416efaa9e8deaa31/config.json")
    write("oci_state", "containerd", json.dumps(cri).encode() + SEP +
          b"/kubepods/besteffort/pod0f1e2d3c-4b5a-4968-8776-655443322110/" + cid.encode())
    write("oci_state", "crio", json.dumps(crio).encode() + SEP +
          b"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_4968_8776_655443322110.slice/crio-" + cid.encode() + b".scope")
    write("oci_state", "bare-bundle", json.dumps(bare).encode() + SEP + b"/system.slice/docker-" +
          cid.encode() + b".scope" + SEP + bundle_cfg)
    write("oci_state", "bare-no-id-cgroup", json.dumps(bare).encode() + SEP + b"/machine/mybox" + SEP +
          b'{"annotations":{"io.kubernetes.cri.container-type":"x","org.opencontainers.image.ref.name":"busybox"}}')
    write("oci_state", "gone", json.dumps(bare).encode())
    write("oci_state", "no-pid", b'{"id":"x","annotations":{"io.kubernetes.pod.name":""}}' + SEP + b"/x")
    write("oci_state", "relative-cgroup", json.dumps(cri).encode() + SEP + b"relative")


# --- cgroup -------------------------------------------------------------------

def cgroup_seeds():
    cid = "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
    names = [
        cid, "docker-" + cid + ".scope", "docker-" + cid, "cri-containerd-" + cid + ".scope",
        "crio-" + cid + ".scope", "crio-" + cid, "libpod-" + cid + ".scope", "libpod-" + cid,
        "crio-conmon-" + cid + ".scope", "libpod-conmon-" + cid + ".scope", cid + ".scope",
        cid.upper(), cid[:63], cid + "0", "docker-" + cid[:63] + "g.scope",
        "system.slice", "user.slice", "init.scope", "docker", "kubepods", "burstable",
    ]
    paths = [
        "/docker/" + cid,
        "/kubepods/besteffort/pod0f1e2d3c-4b5a-4968-8776-655443322110/" + cid,
        "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod0f1e2d3c_4b5a_4968_8776_655443322110.slice/cri-containerd-" + cid + ".scope",
        "/machine.slice/libpod-" + cid + ".scope/container",
        "/system.slice/docker-" + cid + ".scope/docker/" + cid[::-1],
        "/user.slice/user-1000.slice/user@1000.service/app.slice/podman.scope",
        "/", "", "//docker//" + cid + "//",
    ]
    for i, n in enumerate(names):
        write("cgroup", "name-%02d" % i, b"\x00" + n.encode())
    for i, p in enumerate(paths):
        write("cgroup", "path-%02d" % i, b"\x00" + p.encode())
    # Built names: prefix index, suffix index, body bytes mapping onto hex.
    hexmap = bytes(range(16))
    write("cgroup", "built-docker-scope", b"\x01\x01\x01" + hexmap * 4)
    write("cgroup", "built-crio-conmon", b"\x01\x05\x01" + hexmap * 4)
    write("cgroup", "built-bare", b"\x01\x00\x00" + hexmap * 4)


# --- event --------------------------------------------------------------------

EV_FMT = "<QQQQQ" + "I" * 10 + "8I" + "16s" + "65s"  # up to the union


def event(typ, verdict, comm, exe=b"", cid=None, host=0, reported=0, allowed=0, union=b"",
          tail=None, ccg=None):
    is_c = 1 if cid else 0
    inums = [0xEFFFFFFF, 0xEFFFFFFC, 4026531840, 0xEFFFFFFE, 4026531841, 0xEFFFFFFB,
             0xEFFFFFFA, 0xEFFFFFFD]
    if ccg is None:
        ccg = 7777 if cid else 0
    head = struct.pack(EV_FMT, 123456789012345, 7777, 1000, 3, ccg, typ, verdict, 4242, 4243, 1,
                       0, host, reported, allowed, is_c, *inums, comm, (cid or "").encode())
    head += b"\x00" * ((-len(head)) % 8)  # the union is 8-byte aligned
    size_union = 56  # both union members are 56 bytes
    body = head + union.ljust(size_union, b"\x00") + exe.ljust(256, b"\x00")
    if tail is not None:
        body += tail
    return body


def event_seeds():
    cid = "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
    setns = struct.pack("<iIIII i 8I", 3, 0x08000000, 1, 1, 1, 0, 0xEFFFFFFF, *[0] * 7)
    create = struct.pack("<QIIII 8I", 0x28000000, 2, 0, 0, 3, 4026532000, 4026532001,
                         *[0] * 6)
    write("event", "exec-ipc", event(1, 2, b"sh", b"/bin/sh", cid, host=1, reported=3))
    write("event", "exec-host", event(1, 0, b"ls", b"/usr/bin/ls", None, host=0xff))
    write("event", "setns-nsfs", event(2, 1, b"nsenter", b"", cid, host=0xff, reported=1,
                                       union=setns, tail=b"\x03/usr/bin/nsenter"))
    write("event", "setns-pidfd", event(2, 3, b"x\xff\xfe", b"", cid, allowed=2,
                                        union=struct.pack("<iIIII i 8I", 5, 0, 2, 0xff, 0x3, -1,
                                                          *range(8)), tail=b"\x01/tmp/\xc3("))
    write("event", "nscreate-unshare", event(3, 0, b"unshare", b"", None, union=create))
    write("event", "hostile-comm", event(1, 9, b"\"\\\n\x01\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80",
                                         b"/tmp/\x1b[31mred\n", cid))
    write("event", "full-comm", event(1, 0, b"abcdefghijklmnop", b"\xe2\x82" * 128, cid))
    # a task that moved out of its container's cgroup (an ID with the top bit set)
    write("event", "moved-task", event(2, 2, b"evade", b"", cid, union=setns, ccg=(1 << 63) | 5))
    # tamper: op, cmd, kind, id, name (the map's own name: any 16 bytes)
    write("event", "tamper-map", event(4, 1, b"tamper", b"", cid,
                                       union=struct.pack("<IIII16s", 1, 14, 1, 31, b"policy_cfg")))
    write("event", "tamper-map-hostile-name",
          event(4, 2, b"tamper", b"", cid,
                union=struct.pack("<IIII16s", 1, 0, 1, 7, b"\xff\"\n\xc3(abcdefghijkl")))
    write("event", "tamper-signal", event(4, 2, b"kill", b"", cid,
                                          union=struct.pack("<IIII16s", 2, 9, 4, 1234, b"")))


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    policy_seeds()
    metadata_seeds()
    oci_seeds()
    cgroup_seeds()
    event_seeds()
    for t in sorted(os.listdir(CORPUS)):
        print("%s: %d seeds" % (t, len(os.listdir(os.path.join(CORPUS, t)))))


if __name__ == "__main__":
    sys.exit(main())
