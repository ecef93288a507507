# shellcheck shell=bash
#
# containers.sh — real container runtimes (runc, crun, podman) for nsguard's
# integration tests, with a busybox-static rootfs and no image registry.
#
# Source it, call `ctr_setup WORKDIR` once in the test's own shell (not in a
# subshell: it sets CTR_WORKDIR), and `trap ctr_teardown EXIT`.
#
#   ctr_setup WORKDIR
#   ctr_new_id                        -> 64 lowercase hex
#   ctr_new_uuid                      -> pod uid (kubelet cgroupfs style)
#   ctr_run    RUNTIME ID CGPATH NSOPTS -- CMD...   detached
#   ctr_run_fg RUNTIME ID CGPATH NSOPTS -- CMD...   foreground, returns status
#   ctr_exec   RUNTIME ID [--caps] -- CMD...
#   ctr_pid    RUNTIME ID             -> host pid of the container's init
#   ctr_logs   ID                     -> stdout+stderr of a detached container
#   ctr_cgroup_id CGPATH              -> inode of the v2 cgroup dir
#   ctr_rm     RUNTIME ID
#   podman_setup
#   podman_run NAME NSOPTS -- CMD...  -> 64-hex container ID
#   podman_run_hostipc NAME -- CMD... -> 64-hex container ID
#   podman_exec ID [--caps] -- CMD...
#   podman_pid ID
#   podman_rm  ID
#   ctr_teardown
#
# CTR_CONFIG_JQ, when set, is applied with jq to each new bundle's config.json
# (e.g. to add annotations or OCI hooks).
#
# NSOPTS is a comma list (may be empty): host<ns> (hostipc, hostpid, hostnet,
# hostuts, hostmnt) shares that namespace with the host; caps adds
# CAP_SYS_ADMIN and CAP_SYS_PTRACE.
#
# Everything created is appended to $CTR_WORKDIR/state, not to shell
# variables, because callers often run these functions inside $(...)
# subshells whose variables are lost.
#
# Functions check every step explicitly instead of relying on `set -e`: bash
# ignores errexit inside a function called from `if`, `||` or `&&`.

CTR_WORKDIR=${CTR_WORKDIR:-}
CTR_CGROOT=${CTR_CGROOT:-/sys/fs/cgroup}
CTR_PODMAN_IMAGE=localhost/nsguard-busybox:test
CTR_EXTRA_BINS=${CTR_EXTRA_BINS:-}

_ctr_err() { echo "containers.sh: $*" >&2; }

_ctr_need_setup() {
	[ -n "$CTR_WORKDIR" ] && [ -d "$CTR_WORKDIR/rootfs" ] && return 0
	_ctr_err "ctr_setup has not been called"
	return 1
}

# --- state file: one "KIND ARGS..." line per object to clean up ---------

_ctr_record() { echo "$*" >>"$CTR_WORKDIR/state"; }

_ctr_forget() {
	local st=$CTR_WORKDIR/state
	[ -f "$st" ] || return 0
	grep -vxF -- "$*" "$st" >"$st.new" || true
	mv -f "$st.new" "$st"
}

# Prints the arguments of every record of KIND, one record a line.
_ctr_records() {
	local st=$CTR_WORKDIR/state
	[ -f "$st" ] || return 0
	awk -v k="$1" '$1 == k { sub(/^[^ ]+ /, ""); print }' "$st"
}

# --- cgroups ------------------------------------------------------------

# Mount points of every cgroup hierarchy (v1 controllers and v2), read from
# mountinfo so a hugetlb hierarchy mounted later is included.
_ctr_hierarchies() {
	awk -v root="$CTR_CGROOT" '{
		for (i = 7; i <= NF; i++) if ($i == "-") break
		t = $(i + 1)
		if ((t == "cgroup" || t == "cgroup2") &&
		    ($5 == root || index($5, root "/") == 1)) print $5
	}' /proc/self/mountinfo
}

# Before a runtime creates CGPATH, remember which of its directories do not
# exist yet in each hierarchy: only those are ours to rmdir later, so shared
# parents such as /kubepods that existed before are never touched.
_ctr_note_cgdirs() {
	local cgpath=$1 h p c
	local -a parts
	IFS=/ read -ra parts <<<"${cgpath#/}"
	for h in $(_ctr_hierarchies); do
		p=$h
		for c in "${parts[@]}"; do
			[ -n "$c" ] || continue
			p=$p/$c
			[ -d "$p" ] || _ctr_record "cgdir $p"
		done
	done
}

# Drops every record given on stdin (one full line each) in one pass.
_ctr_forget_stdin() {
	local st=$CTR_WORKDIR/state
	[ -f "$st" ] || return 0
	# An empty pattern would match, and drop, every line.
	grep -vxF -f <(grep -v '^$') "$st" >"$st.new" || true
	mv -f "$st.new" "$st"
}

# rmdir the given cgroup dirs (deepest first) and forget the removed ones.
# A cgroup stays busy for a moment after its last task exits, hence the
# retries; a dir that still has child cgroups belongs to a container that
# is still running, so it is left for a later ctr_rm or ctr_teardown.
_ctr_rmdirs() {
	local _ d busy left=()
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		rmdir "$@" 2>/dev/null || true
		left=() busy=false
		for d in "$@"; do
			[ -d "$d" ] || continue
			left+=("$d")
			[ -n "$(find "$d" -mindepth 1 -maxdepth 1 -type d -print -quit)" ] || busy=true
		done
		for d in "$@"; do [ -d "$d" ] || echo "cgdir $d"; done | _ctr_forget_stdin
		if [ ${#left[@]} -eq 0 ] || ! $busy; then
			break
		fi
		set -- "${left[@]}"
		sleep 0.1
	done
	[ ${#left[@]} -eq 0 ]
}

# Recorded dirs of CGPATH and of its ancestors, in every hierarchy, deepest
# first.
_ctr_cgdirs_of() {
	_ctr_records cgdir | awk -v p="$1" -v hs="$(_ctr_hierarchies)" '
		BEGIN { n = split(hs, h, "\n")
			for (q = p; q != ""; sub(/\/[^\/]*$/, "", q))
				for (i = 1; i <= n; i++) want[h[i] q] = 1 }
		$0 in want { print length($0), $0 }' | sort -rn | cut -d' ' -f2-
}

_ctr_rm_cgpath() {
	local dirs
	mapfile -t dirs < <(_ctr_cgdirs_of "$1")
	[ ${#dirs[@]} -eq 0 ] || _ctr_rmdirs "${dirs[@]}"
}

# The v2 (unified) mount: /sys/fs/cgroup/unified on hybrid hosts,
# /sys/fs/cgroup itself on pure v2 hosts.
_ctr_unified_root() {
	if [ "$(stat -f -c %T "$CTR_CGROOT")" = cgroup2fs ]; then
		echo "$CTR_CGROOT"
	elif [ "$(stat -f -c %T "$CTR_CGROOT/unified" 2>/dev/null)" = cgroup2fs ]; then
		echo "$CTR_CGROOT/unified"
	else
		_ctr_err "no cgroup v2 hierarchy under $CTR_CGROOT"
		return 1
	fi
}

# bpf_get_current_cgroup_id() is the kernfs id, which is the inode number.
ctr_cgroup_id() {
	local root
	root=$(_ctr_unified_root) || return 1
	stat -c %i "$root$1"
}

# crun refuses hybrid hosts unless every controller it knows is mounted;
# hugetlb is not mounted here by default.
_ctr_mount_hugetlb() {
	local d=$CTR_CGROOT/hugetlb
	[ "$(stat -f -c %T "$CTR_CGROOT")" = tmpfs ] || return 0
	awk '$1 == "hugetlb" && $4 == 1 { f = 1 } END { exit !f }' /proc/cgroups || return 0
	grep -qxF "$d" <<<"$(_ctr_hierarchies)" && return 0
	if [ ! -d "$d" ]; then
		mkdir "$d" || return 1
		_ctr_record "mkdir $d"
	fi
	mount -t cgroup -o hugetlb cgroup "$d" || return 1
	_ctr_record "mount $d"
}

# --- setup --------------------------------------------------------------

_ctr_make_rootfs() {
	local r=$1 tmp=$1.tmp
	[ -x "$r/bin/busybox" ] && return 0
	rm -rf "$tmp"
	mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" \
		"$tmp/etc" "$tmp/usr/local/bin" || return 1
	chmod 1777 "$tmp/tmp"
	cp /bin/busybox "$tmp/bin/busybox" || return 1
	chroot "$tmp" /bin/busybox --install -s /bin || return 1
	echo "root:x:0:0:root:/root:/bin/sh" >"$tmp/etc/passwd"
	echo "root:x:0:" >"$tmp/etc/group"
	mv "$tmp" "$r"
}

_ctr_base_spec() {
	local out=$CTR_WORKDIR/base-config.json tmp
	[ -s "$out" ] && return 0
	tmp=$(mktemp -d) || return 1
	if ! (cd "$tmp" && { runc spec 2>/dev/null || crun spec; }); then
		_ctr_err "neither runc spec nor crun spec works"
		rm -rf "$tmp"
		return 1
	fi
	mv "$tmp/config.json" "$out"
	rm -rf "$tmp"
}

ctr_setup() {
	local w=${1:?usage: ctr_setup WORKDIR} f
	mkdir -p "$w/bundles" || return 1
	CTR_WORKDIR=$(cd "$w" && pwd)
	export CTR_WORKDIR
	_ctr_make_rootfs "$CTR_WORKDIR/rootfs" || return 1
	for f in $CTR_EXTRA_BINS; do
		cp "$f" "$CTR_WORKDIR/rootfs/usr/local/bin/" || return 1
	done
	_ctr_base_spec || return 1
	_ctr_mount_hugetlb
}

ctr_new_id() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; echo; }
ctr_new_uuid() { cat /proc/sys/kernel/random/uuid; }

# --- OCI bundles and runc/crun -------------------------------------------

_ctr_check_runtime() {
	case $1 in
	runc | crun) return 0 ;;
	esac
	_ctr_err "unsupported runtime '$1' (runc or crun)"
	return 1
}

# config.json for one container; args after NSOPTS are the command.
# Lists go in as --arg argv_NNNNN/drop_NNNNN, which jq takes literally (jq
# 1.6 parses "-c" after --args as its own option); the zero padding keeps
# jq's sorted keys in argument order. One jq run: jq starts slowly here.
_ctr_write_config() {
	local b=$1 cgpath=$2 nsopts=$3 caps=false opt i=0 a
	local jqargs=()
	shift 3
	for opt in ${nsopts//,/ }; do
		case $opt in
		hostmnt) a=mount ;;
		hostnet) a=network ;;
		host*) a=${opt#host} ;;
		caps) caps=true; continue ;;
		*) _ctr_err "unknown NSOPTS entry '$opt'"; return 1 ;;
		esac
		jqargs+=(--arg "$(printf 'drop_%05d' "$i")" "$a")
		i=$((i + 1))
	done
	for a in "$@"; do
		jqargs+=(--arg "$(printf 'argv_%05d' "$i")" "$a")
		i=$((i + 1))
	done
	jq --arg cg "$cgpath" --arg root "$b/rootfs" --argjson caps "$caps" \
		"${jqargs[@]}" '
		def list($p): [$ARGS.named | to_entries | sort_by(.key)[]
			| select(.key | startswith($p)) | .value];
		list("drop_") as $drop
		| .process.terminal = false | .process.args = list("argv_")
		| .linux.cgroupsPath = $cg
		| .root = {path: $root, readonly: false}
		| .linux.namespaces |= map(select(.type as $t | $drop | index($t) | not))
		| if $caps then .process.capabilities |= map_values(
			(. + ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]) | unique) else . end
	' "$CTR_WORKDIR/base-config.json" >"$b/config.json" || return 1
	# CTR_CONFIG_JQ: an extra jq filter for this bundle (annotations, hooks).
	if [ -n "${CTR_CONFIG_JQ:-}" ]; then
		jq "$CTR_CONFIG_JQ" "$b/config.json" >"$b/config.json.new" &&
			mv "$b/config.json.new" "$b/config.json"
	fi
}

# Each bundle gets its own rootfs tree, hard-linked from the cache (cp -a
# costs ~80 ms a container here): files a container creates or replaces stay
# private, but one written to in place would change the cache. Records the
# container before the runtime touches anything.
_ctr_make_bundle() {
	local rt=$1 id=$2 cgpath=$3 nsopts=$4 b
	shift 4
	if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
		_ctr_err "usage: ... RUNTIME ID CGROUP_PATH NSOPTS -- CMD ARGS..."
		return 1
	fi
	shift
	_ctr_need_setup && _ctr_check_runtime "$rt" || return 1
	case $cgpath in
	/*) ;;
	*) _ctr_err "cgroup path must be absolute: '$cgpath'"; return 1 ;;
	esac
	b=$CTR_WORKDIR/bundles/$id
	if [ -e "$b" ]; then
		_ctr_err "bundle $b already exists"
		return 1
	fi
	_ctr_record "ctr $rt $id $cgpath"
	if ! mkdir -p "$b" || ! cp -al "$CTR_WORKDIR/rootfs" "$b/rootfs" ||
		! _ctr_write_config "$b" "$cgpath" "$nsopts" "$@"; then
		ctr_rm "$rt" "$id"
		return 1
	fi
	_ctr_note_cgdirs "$cgpath"
}

# Detached: the runtime's and the container's stdio go to files, because a
# detached container holding the caller's stdout pipe would block $(...).
ctr_run() {
	local rt=$1 id=$2 b=$CTR_WORKDIR/bundles/$2
	_ctr_make_bundle "$@" || return 1
	if ! "$rt" run -d --pid-file "$b/pid" --bundle "$b" "$id" \
		</dev/null >"$b/stdout" 2>"$b/stderr"; then
		_ctr_err "$rt run -d $id failed:"
		cat "$b/stderr" >&2
		ctr_rm "$rt" "$id"
		return 1
	fi
}

# Foreground: the runtime deletes the container when it exits; we then drop
# the bundle and the cgroup dirs so nothing of it remains.
ctr_run_fg() {
	local rt=$1 id=$2 b=$CTR_WORKDIR/bundles/$2 rc=0
	_ctr_make_bundle "$@" || return 1
	"$rt" run --bundle "$b" "$id" </dev/null || rc=$?
	ctr_rm "$rt" "$id"
	return "$rc"
}

ctr_exec() {
	local rt=$1 id=$2
	local capargs=()
	shift 2
	if [ "${1:-}" = --caps ]; then
		capargs=(--cap CAP_SYS_ADMIN --cap CAP_SYS_PTRACE)
		shift
	fi
	if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
		_ctr_err "usage: ctr_exec RUNTIME ID [--caps] -- CMD ARGS..."
		return 1
	fi
	shift
	_ctr_check_runtime "$rt" || return 1
	"$rt" exec "${capargs[@]}" "$id" "$@"
}

ctr_pid() {
	local pid
	_ctr_check_runtime "$1" || return 1
	pid=$("$1" state "$2" | jq -r .pid) || return 1
	if [ -z "$pid" ] || [ "$pid" = 0 ] || [ "$pid" = null ]; then
		_ctr_err "$1: container $2 has no pid"
		return 1
	fi
	echo "$pid"
}

ctr_logs() { cat "$CTR_WORKDIR/bundles/$1/stdout" "$CTR_WORKDIR/bundles/$1/stderr"; }

# Idempotent: every step tolerates an already-gone container.
ctr_rm() {
	local rt=$1 id=$2 cgpath
	_ctr_need_setup && _ctr_check_runtime "$rt" || return 1
	cgpath=$(_ctr_records ctr | awk -v r="$rt" -v i="$id" '$1 == r && $2 == i { print $3; exit }')
	if "$rt" state "$id" >/dev/null 2>&1; then
		"$rt" kill "$id" KILL >/dev/null 2>&1 || true
		"$rt" delete --force "$id" >/dev/null 2>&1 ||
			_ctr_err "$rt delete --force $id failed"
	fi
	rm -rf "${CTR_WORKDIR:?}/bundles/$id"
	# Fails when a shared parent still holds another container: expected.
	[ -z "$cgpath" ] || _ctr_rm_cgpath "$cgpath" || true
	_ctr_forget "ctr $rt $id $cgpath"
}

# --- podman ---------------------------------------------------------------

# A private storage root, run root and tmpdir keep every podman object
# (images, containers, bolt db, events log, exit files) under CTR_WORKDIR.
_podman() {
	local p=$CTR_WORKDIR/podman
	podman --root "$p/root" --runroot "$p/runroot" --tmpdir "$p/tmp" \
		--cgroup-manager=cgroupfs --events-backend=file "$@"
}

podman_setup() {
	local tar
	_ctr_need_setup || return 1
	mkdir -p "$CTR_WORKDIR/podman" || return 1
	_ctr_record "podman_store"
	# podman's cgroupfs parent and conmon's cgroup: ours if absent now.
	_ctr_note_cgdirs /libpod_parent/conmon
	_podman image exists "$CTR_PODMAN_IMAGE" 2>/dev/null && return 0
	tar=$CTR_WORKDIR/podman/rootfs.tar
	tar -C "$CTR_WORKDIR/rootfs" -cf "$tar" . || return 1
	_podman import -q "$tar" "$CTR_PODMAN_IMAGE" >/dev/null || return 1
	rm -f "$tar"
}

# The ulimits are explicit because podman's defaults need CAP_SYS_RESOURCE,
# which root lacks on these machines.
podman_run() {
	local name=$1 nsopts=$2 opt
	local args=(--network=none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
	shift 2
	if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
		_ctr_err "usage: podman_run NAME NSOPTS -- CMD ARGS..."
		return 1
	fi
	shift
	for opt in ${nsopts//,/ }; do
		case $opt in
		hostipc) args+=(--ipc=host) ;;
		hostpid) args+=(--pid=host) ;;
		hostuts) args+=(--uts=host) ;;
		caps) args+=(--cap-add SYS_ADMIN --cap-add SYS_PTRACE) ;;
		*) _ctr_err "unknown podman NSOPTS entry '$opt'"; return 1 ;;
		esac
	done
	_ctr_record "podman_ctr $name"
	_podman run -d --name "$name" "${args[@]}" "$CTR_PODMAN_IMAGE" "$@" </dev/null
}

podman_run_hostipc() {
	local name=$1
	shift
	podman_run "$name" hostipc "$@"
}

# podman 4.3 exec has no --cap-add: --caps means --privileged (all caps).
podman_exec() {
	local id=$1
	local opts=()
	shift
	if [ "${1:-}" = --caps ]; then
		opts=(--privileged)
		shift
	fi
	if [ "${1:-}" != -- ] || [ $# -lt 2 ]; then
		_ctr_err "usage: podman_exec ID [--caps] -- CMD ARGS..."
		return 1
	fi
	shift
	_podman exec "${opts[@]}" "$id" "$@"
}

podman_pid() { _podman inspect --format '{{.State.Pid}}' "$1"; }

# ID may be the 64-hex ID or the NAME given to podman_run.
podman_rm() {
	local id=$1 name
	name=$(_podman inspect --format '{{.Name}}' "$id" 2>/dev/null) || name=$id
	_podman rm -f -t 0 "$id" >/dev/null 2>&1 || true
	_ctr_forget "podman_ctr $name"
	_ctr_forget "podman_ctr $id"
}

# Removes the image, the whole private store, and any mount the storage
# driver left under it.
_podman_teardown() {
	local p=$CTR_WORKDIR/podman m
	_podman image rm -f "$CTR_PODMAN_IMAGE" >/dev/null 2>&1 || true
	_podman system reset -f >/dev/null 2>&1 || true
	awk -v p="$p/" 'index($5, p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
	rm -rf "$p"
	_ctr_forget "podman_store"
}

# --- teardown -------------------------------------------------------------

# Unmounts what we mounted, but only once no cgroup lives in it: another
# test may be running crun with the same hierarchy.
_ctr_umount_ours() {
	local m d
	for m in $(_ctr_records mount); do
		if [ -n "$(find "$m" -mindepth 1 -maxdepth 1 -type d -print -quit)" ]; then
			_ctr_err "leaving $m mounted: it still has cgroups"
			continue
		fi
		if umount "$m"; then
			_ctr_forget "mount $m"
		else
			_ctr_err "umount $m failed"
		fi
	done
	for d in $(_ctr_records mkdir); do
		mountpoint -q "$d" && continue
		rmdir "$d" 2>/dev/null || true
		[ -d "$d" ] || _ctr_forget "mkdir $d"
	done
}

# Safe from an EXIT trap: never fails, may be called more than once.
ctr_teardown() {
	local rt id name
	local dirs=()
	[ -n "$CTR_WORKDIR" ] && [ -f "$CTR_WORKDIR/state" ] || return 0
	while read -r rt id _; do
		ctr_rm "$rt" "$id" || true
	done < <(_ctr_records ctr)
	for name in $(_ctr_records podman_ctr); do
		podman_rm "$name" || true
	done
	[ -z "$(_ctr_records podman_store)" ] || _podman_teardown || true
	# Leftover parents (shared by several containers): deepest first.
	mapfile -t dirs < <(_ctr_records cgdir | awk '{ print length($0), $0 }' |
		sort -rn | cut -d' ' -f2-)
	if [ ${#dirs[@]} -gt 0 ] && ! _ctr_rmdirs "${dirs[@]}"; then
		_ctr_err "could not remove cgroups: $(_ctr_records cgdir | tr '\n' ' ')"
	fi
	_ctr_umount_ours || true
	rm -rf "${CTR_WORKDIR:?}/bundles" || true
	return 0
}
