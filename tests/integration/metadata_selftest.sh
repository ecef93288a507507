#!/usr/bin/env bash
#
# metadata_selftest.sh — user/runtime/ (the runtimes' state) against state written by REAL
# runtimes on this machine: runc containers laid out as containerd's CRI
# and as CRI-O run them (their annotations, bundle dirs and runc roots), a
# crun container and a podman container (private storage). A small driver
# is compiled from the script into a temp dir; it prints what the lookup
# found as JSON. Needs root. Last line: "metadata: N passed, N failed".
#
# Only what user/runtime/ found is counted as a test. What the cases stand on
# (the driver builds, a runtime starts the container and writes its state
# where the case says, the harness cleans up) is a precondition: "pre"
# when it holds, counted, and not as a test; a failure when it does not.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# The project's library under ASan/UBSan, as `make asan` leaves it.
NSG_LIB=${NSG_LIB:-$ROOT/.output/asan/libnsguard.a}
# shellcheck source=tests/lib/containers.sh
. "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/lib/summary.sh
. "$ROOT/tests/lib/summary.sh"

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check_eq() { # check_eq NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
# precondition NAME CMD...: not a test when CMD succeeds, a failure when not.
precondition() {
	local name=$1
	shift
	if "$@"; then
		echo "pre  $name"
	else
		fail "precondition: $name"
		return 1
	fi
}
precondition_eq() { # NAME GOT WANT
	if [ "$2" = "$3" ]; then
		echo "pre  $1"
	else
		fail "precondition: $1" "got '$2', want '$3'"
		return 1
	fi
}
finish() {
	suite_summary metadata "$passed" "$failed" 0
}

if [ "$(id -u)" -ne 0 ]; then
	echo "metadata_selftest: needs root" >&2
	failed=1
	finish
	exit 1
fi

W=$(mktemp -d /tmp/nsguard-meta.XXXXXX)
DRIVER=$W/driver
# runc containers started here, as "ROOT ID" lines, for cleanup.
RUNC_STARTED=$W/runc-started

cleanup() {
	local root id
	if [ -f "$RUNC_STARTED" ]; then
		while read -r root id; do
			runc --root "$root" kill "$id" KILL >/dev/null 2>&1 || true
			runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
		done <"$RUNC_STARTED"
	fi
	ctr_teardown
	rm -rf "$W"
}
trap cleanup EXIT

# --- the driver ------------------------------------------------------------

cat >"$W/driver.c" <<'EOF'
/*
 * driver [--only] [--runc DIR]... [--crun DIR]... [--task DIR]...
 *        [--storage DIR]... [--docker DIR]... [--cache N] ID
 * Default roots unless --only; a source given on the command line uses only
 * the roots given. --cache N: N gets through one cache, then its stats.
 * Prints one JSON object; exit 2 when the lookup refuses the ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "feed/feed_schema.h"
#include "runtime/meta_cache.h"
#include "runtime/metadata.h"

enum { RUNC, CRUN, TASK, STORAGE, DOCKER, NSRC };
static const char *opt[NSRC] = { "--runc", "--crun", "--task", "--storage", "--docker" };
static const char *lists[NSRC][9];
static int nlist[NSRC];
static const char *const empty[] = { NULL };

/* The feed's `container` object for m, parsed back, plus what the driver adds. */
static void print(const struct nsg_container_meta *m, json_t *extra)
{
	struct nsg_jsonw w = { 0 };
	json_t *o;

	nsg_feed_container(&w, m);
	o = json_loadb(w.buf, w.len, 0, NULL);
	nsg_jsonw_free(&w);
	if (!o)
		abort();

	json_object_set_new(o, "found", json_boolean(m && m->found));
	json_object_set_new(o, "bundle", json_string(m ? m->bundle : ""));
	json_object_set_new(o, "sandbox", json_boolean(m && m->sandbox));
	if (extra)
		json_object_update(o, extra);
	json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS);
	putchar('\n');
	json_decref(o);
}

int main(int argc, char **argv)
{
	struct nsg_meta_config cfg;
	struct nsg_container_meta m;
	const char *id = NULL;
	int i, s, only = 0, cache = 0;

	nsg_meta_config_defaults(&cfg);
	for (i = 1; i < argc; i++) {
		for (s = 0; s < NSRC; s++)
			if (strcmp(argv[i], opt[s]) == 0 && i + 1 < argc && nlist[s] < 8)
				break;
		if (s < NSRC)
			lists[s][nlist[s]++] = argv[++i];
		else if (strcmp(argv[i], "--only") == 0)
			only = 1;
		else if (strcmp(argv[i], "--cache") == 0 && i + 1 < argc)
			cache = atoi(argv[++i]);
		else
			id = argv[i];
	}
	const char *const **field[NSRC] = { &cfg.runc_roots, &cfg.crun_roots,
		&cfg.containerd_task_roots, &cfg.storage_roots, &cfg.docker_roots };
	for (s = 0; s < NSRC; s++) {
		if (nlist[s])
			*field[s] = lists[s];
		else if (only)
			*field[s] = empty;
	}
	if (cache) {
		struct nsg_meta_cache *c = nsg_meta_cache_new(&cfg, 4);
		const struct nsg_container_meta *cm = NULL;
		struct nsg_meta_cache_stats st;
		json_t *x;

		for (i = 0; i < cache; i++)
			cm = nsg_meta_cache_get(c, id);
		nsg_meta_cache_stats(c, &st);
		x = json_pack("{s:I,s:I}", "lookups", (json_int_t)st.lookups, "hits",
			      (json_int_t)st.hits);
		print(cm, x);
		json_decref(x);
		nsg_meta_cache_free(c);
		return 0;
	}
	if (nsg_metadata_lookup(&cfg, id, &m) != 0)
		return 2;
	print(&m, NULL);
	return 0;
}
EOF

build_driver() {
	# shellcheck disable=SC2086
	${CC:-cc} -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -g -O1 \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-I"$ROOT/user" -I"$ROOT/include" "$W/driver.c" "$NSG_LIB" -ljansson -o "$DRIVER"
}
if ! precondition "compile driver" build_driver; then
	finish
	exit 1
fi

# q JSON FILTER — one field of the driver's output, "null" when absent.
q() { jq -r "$2" <<<"$1"; }

# expect CASE OUT runtime name pod_name pod_ns pod_uid image bundle
expect() {
	local c=$1 out=$2
	check_eq "$c: found" "$(q "$out" .found)" true
	check_eq "$c: runtime" "$(q "$out" .runtime)" "$3"
	check_eq "$c: name" "$(q "$out" .name)" "$4"
	check_eq "$c: pod.name" "$(q "$out" '.pod.name // "null"')" "$5"
	check_eq "$c: pod.namespace" "$(q "$out" '.pod.namespace // "null"')" "$6"
	check_eq "$c: pod.uid" "$(q "$out" '.pod.uid // "null"')" "$7"
	check_eq "$c: image" "$(q "$out" .image)" "$8"
	check_eq "$c: bundle" "$(q "$out" .bundle)" "$9"
}

# --- containers --------------------------------------------------------------

quiet_ctr_setup() { ctr_setup "$W/ctr" >/dev/null; }
if ! precondition "ctr_setup" quiet_ctr_setup; then
	finish
	exit 1
fi

# start_runc RUNC_ROOT BUNDLE ID ANNOTATIONS_JSON: a busybox bundle at BUNDLE
# (where the runtime in question keeps it), run detached by runc with
# --root RUNC_ROOT. cgroup "/<id>": runc removes it on delete.
start_runc() {
	local root=$1 b=$2 id=$3 annot=$4
	mkdir -p "$b" "$root" || return 1
	cp -al "$CTR_WORKDIR/rootfs" "$b/rootfs" || return 1
	jq --arg cg "/$id" --argjson a "$annot" '
		.process.terminal = false | .process.args = ["sleep", "300"]
		| .linux.cgroupsPath = $cg | .root = {path: "rootfs", readonly: false}
		| .annotations = $a' "$CTR_WORKDIR/base-config.json" >"$b/config.json" || return 1
	echo "$root $id" >>"$RUNC_STARTED"
	runc --root "$root" run -d --bundle "$b" "$id" </dev/null >"$W/$id.out" 2>&1 || {
		cat "$W/$id.out" >&2
		return 1
	}
}

POD_UID=$(ctr_new_uuid)

# 1. containerd CRI: bundle = the v2 task dir <task root>/<ns>/<id>, runc root
#    <state>/runc/<ns> (the shim's), annotations as the CRI plugin writes
#    them for a pod's container.
CTRD=$W/containerd
CRI_ID=$(ctr_new_id)
SANDBOX_ID=$(ctr_new_id)
cri_annot=$(jq -n --arg sb "$SANDBOX_ID" --arg uid "$POD_UID" '{
	"io.kubernetes.cri.container-type": "container",
	"io.kubernetes.cri.container-name": "web",
	"io.kubernetes.cri.image-name": "docker.io/library/nginx:1.25",
	"io.kubernetes.cri.sandbox-id": $sb,
	"io.kubernetes.cri.sandbox-name": "web-7d9f8-abcde",
	"io.kubernetes.cri.sandbox-namespace": "shop",
	"io.kubernetes.cri.sandbox-uid": $uid}')
CRI_BUNDLE=$CTRD/io.containerd.runtime.v2.task/k8s.io/$CRI_ID
if precondition "containerd-CRI layout: runc run" \
	start_runc "$CTRD/runc/k8s.io" "$CRI_BUNDLE" "$CRI_ID" "$cri_annot"; then
	precondition_eq "containerd runc state.json labels carry the annotations" \
		"$(jq -r '.config.labels | map(select(startswith("io.kubernetes.cri.container-name=")))[0]' \
			"$CTRD/runc/k8s.io/$CRI_ID/state.json")" "io.kubernetes.cri.container-name=web"
	out=$("$DRIVER" --only --task "$CTRD/io.containerd.runtime.v2.task" "$CRI_ID")
	expect "containerd task dir" "$out" containerd web web-7d9f8-abcde shop "$POD_UID" \
		docker.io/library/nginx:1.25 "$CRI_BUNDLE"
	# The shim's runc root, one per namespace: a "*" root.
	out=$("$DRIVER" --only --runc "$CTRD/runc/*" "$CRI_ID")
	expect "containerd runc root" "$out" containerd web web-7d9f8-abcde shop "$POD_UID" \
		docker.io/library/nginx:1.25 "$CRI_BUNDLE"
	out=$("$DRIVER" --only --runc "$CTRD/runc/*" --cache 3 "$CRI_ID")
	check_eq "cache: one lookup for three gets" "$(q "$out" '[.lookups, .hits, .name] | join(",")')" "1,2,web"
fi

# 2. CRI-O: config.json in containers/storage <root>/overlay-containers/<id>/
#    userdata (the bundle), runc with its default root /run/runc.
STORE=$W/storage
CRIO_ID=$(ctr_new_id)
CRIO_UID=$(ctr_new_uuid)
crio_labels=$(jq -nc --arg uid "$CRIO_UID" '{
	"io.kubernetes.container.name": "app", "io.kubernetes.pod.name": "api-5f7b9c-xk2lp",
	"io.kubernetes.pod.namespace": "prod", "io.kubernetes.pod.uid": $uid}')
crio_annot=$(jq -n --arg id "$CRIO_ID" --arg sb "$SANDBOX_ID" --arg uid "$CRIO_UID" \
	--argjson labels "$crio_labels" --arg store "$STORE" '$labels + {
	"io.container.manager": "cri-o",
	"io.kubernetes.container.hash": "4689db3",
	"io.kubernetes.container.restartCount": "0",
	"io.kubernetes.pod.terminationGracePeriod": "30",
	"io.kubernetes.cri-o.Annotations": "{\"io.kubernetes.container.hash\":\"4689db3\"}",
	"io.kubernetes.cri-o.ContainerID": $id,
	"io.kubernetes.cri-o.ContainerType": "container",
	"io.kubernetes.cri-o.Created": "2024-05-02T10:11:12.123456789Z",
	"io.kubernetes.cri-o.Image": "9c7a54a9a43cca047013b82af109fe963fde787f63f9e016fdc3384500c2823d",
	"io.kubernetes.cri-o.ImageName": "quay.io/example/api:2.1",
	"io.kubernetes.cri-o.ImageRef": "quay.io/example/api@sha256:1780b5a5496189974b94eb2595d86731d7a0820e4beb8ea770974298a943ed55",
	"io.kubernetes.cri-o.Labels": ($labels | tojson),
	"io.kubernetes.cri-o.LogPath": ("/var/log/pods/prod_api-5f7b9c-xk2lp_" + $uid + "/app/0.log"),
	"io.kubernetes.cri-o.Metadata": "{\"name\":\"app\"}",
	"io.kubernetes.cri-o.Name": ("k8s_app_api-5f7b9c-xk2lp_prod_" + $uid + "_0"),
	"io.kubernetes.cri-o.ResolvPath": ($store + "/overlay-containers/" + $sb + "/userdata/resolv.conf"),
	"io.kubernetes.cri-o.SandboxID": $sb,
	"io.kubernetes.cri-o.SandboxName": ("k8s_api-5f7b9c-xk2lp_prod_" + $uid + "_0"),
	"io.kubernetes.cri-o.SeccompProfilePath": "",
	"io.kubernetes.cri-o.Stdin": "false", "io.kubernetes.cri-o.StdinOnce": "false",
	"io.kubernetes.cri-o.TTY": "false", "io.kubernetes.cri-o.Volumes": "[]"}')
CRIO_BUNDLE=$STORE/overlay-containers/$CRIO_ID/userdata
if precondition "CRI-O layout: runc run" start_runc /run/runc "$CRIO_BUNDLE" "$CRIO_ID" "$crio_annot"
then
	precondition_eq "CRI-O: runc state at /run/runc/<id>/state.json" \
		"$(jq -r .id "/run/runc/$CRIO_ID/state.json")" "$CRIO_ID"
	out=$("$DRIVER" --only --storage "$STORE" "$CRIO_ID")
	expect "CRI-O storage" "$out" cri-o app api-5f7b9c-xk2lp prod "$CRIO_UID" \
		quay.io/example/api:2.1 "$CRIO_BUNDLE"
	# Default roots: found through /run/runc/<id>/state.json.
	out=$("$DRIVER" "$CRIO_ID")
	expect "CRI-O via default runc root" "$out" cri-o app api-5f7b9c-xk2lp prod "$CRIO_UID" \
		quay.io/example/api:2.1 "$CRIO_BUNDLE"
fi

# 3. crun with its default root /run/crun: a bare container.
CRUN_ID=$(ctr_new_id)
if precondition "crun run" ctr_run crun "$CRUN_ID" "/nsguard-meta/$CRUN_ID" "" -- sleep 300; then
	precondition "crun keeps config.json beside status" \
		eval 'test -f "/run/crun/$CRUN_ID/status" && test -f "/run/crun/$CRUN_ID/config.json"'
	out=$("$DRIVER" "$CRUN_ID")
	expect "crun via default root" "$out" crun null null null null null \
		"$CTR_WORKDIR/bundles/$CRUN_ID"
fi

# 4. podman 4.3 with a private --root: name and image from containers.json.
start_podman() { # sets PODMAN_ID
	podman_setup && PODMAN_ID=$(podman_run nsg-meta-podman "" -- sleep 300)
}
if precondition "podman run" start_podman; then
	PROOT=$CTR_WORKDIR/podman/root
	PBUNDLE=$PROOT/overlay-containers/$PODMAN_ID/userdata
	precondition_eq "podman annotations include io.kubernetes.cri-o.* keys" \
		"$(jq -r '.annotations["io.container.manager"] + " " + (.annotations | has("io.kubernetes.cri-o.Created") | tostring)' \
			"$PBUNDLE/config.json")" "libpod true"
	out=$("$DRIVER" --only --storage "$PROOT" "$PODMAN_ID")
	expect "podman storage" "$out" podman nsg-meta-podman null null null \
		"$CTR_PODMAN_IMAGE" "$PBUNDLE"
	# Default roots: podman runs crun here; its bundle leads to the store.
	out=$("$DRIVER" "$PODMAN_ID")
	expect "podman via default crun root" "$out" podman nsg-meta-podman null null null \
		"$CTR_PODMAN_IMAGE" "$PBUNDLE"
fi

# 5. IDs nobody knows, and IDs that are not IDs.
out=$("$DRIVER" "$(ctr_new_id)")
check_eq "unknown ID: not found" "$(q "$out" '[.found, .runtime, .pod] | map(tostring) | join(",")')" \
	"false,null,null"
rc=0
"$DRIVER" "../../../../etc/passwd" >/dev/null || rc=$?
check_eq "path as ID refused" "$rc" 2
rc=0
"$DRIVER" "$(echo "$CRUN_ID" | tr a-f A-F)" >/dev/null || rc=$?
check_eq "uppercase ID refused" "$rc" 2

# --- cleanup leaves nothing behind -------------------------------------------

cleanup
trap - EXIT
leftover=
for id in "${CRI_ID:-}" "${CRIO_ID:-}" "${CRUN_ID:-}" "${PODMAN_ID:-}"; do
	[ -n "$id" ] || continue
	for d in "/run/runc/$id" "/run/crun/$id"; do
		[ -e "$d" ] && leftover+=" $d"
	done
	while read -r d; do leftover+=" $d"; done < <(find /sys/fs/cgroup -maxdepth 3 -name "*$id*" 2>/dev/null)
done
[ -e "$W" ] && leftover+=" $W"
precondition_eq "cleanup leaves nothing" "${leftover:-none}" none

finish
