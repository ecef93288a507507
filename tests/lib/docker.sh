# shellcheck shell=bash
#
# docker.sh — a Docker Engine of the tests' own: Debian's docker.io (dockerd
# 20.10 and the containerd it starts), with its own data root, exec root
# and socket, no network (--bridge=none, no iptables; containers get
# --network none or Docker's default "none"), images from `docker import`.
#
#   docker_start DIR [DOCKERD_ARGS...]  start dockerd with state under DIR; exports
#                                     DOCKER_HOST, so `docker` commands run as written
#   docker_import IMAGE ROOTFS          an image from a directory
#   docker_stop                         remove its containers, stop it by PID, unmount
#                                       and remove what it left under DIR
#   docker_pid NAME                     the container's init pid on the host
#   docker_id NAME                      its full ID
#
# `docker` is Debian's client (/usr/bin/docker) whatever PATH says: the
# machine may carry another one in /usr/local/bin.

DOCKER_CLI=/usr/bin/docker
DOCKERD_PID=
DOCKER_DIR=
DOCKER_CLI_DIR=
DOCKER_NEW_CGROUPS=()

_dk_err() { echo "docker.sh: $*" >&2; }

# Debian's client first in PATH, for commands run verbatim (xargs docker, compose).
_dk_path() {
	DOCKER_CLI_DIR=$(mktemp -d /tmp/nsguard-dockercli.XXXXXX) || return 1
	ln -s "$DOCKER_CLI" "$DOCKER_CLI_DIR/docker"
	export PATH="$DOCKER_CLI_DIR:$PATH"
}

docker_start() {
	local dir=${1:?usage: docker_start DIR [ARGS...]} i
	shift
	command -v dockerd >/dev/null && [[ -x $DOCKER_CLI ]] ||
		{ _dk_err "dockerd or $DOCKER_CLI missing (scripts/deps.sh --test installs docker.io)"; return 1; }
	mkdir -p "$dir" || return 1
	DOCKER_DIR=$(cd "$dir" && pwd)
	[[ -n $DOCKER_CLI_DIR ]] || _dk_path || return 1
	export DOCKER_HOST="unix://$DOCKER_DIR/docker.sock"
	_dk_note_cgroup_parents
	dockerd --exec-root "$DOCKER_DIR/exec" -H "$DOCKER_HOST" \
		--pidfile "$DOCKER_DIR/dockerd.pid" --bridge=none --iptables=false --ip6tables=false \
		"$@" >"$DOCKER_DIR/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	for ((i = 0; i < 300; i++)); do
		"$DOCKER_CLI" version >/dev/null 2>&1 && return 0
		kill -0 "$DOCKERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	_dk_err "dockerd did not answer within 30 s:"
	tail -n 20 "$DOCKER_DIR/dockerd.log" >&2
	docker_stop
	return 1
}

docker_import() {
	tar -C "$2" -c . | "$DOCKER_CLI" import - "$1" >/dev/null
}

docker_pid() { "$DOCKER_CLI" inspect --format '{{.State.Pid}}' "$1"; }
docker_id() { "$DOCKER_CLI" inspect --format '{{.Id}}' "$1"; }

# dockerd makes a "docker" parent cgroup in each hierarchy (cgroupfs
# driver); the ones that were not there before are removed at the end.
_dk_note_cgroup_parents() {
	local h
	for h in /sys/fs/cgroup /sys/fs/cgroup/*; do
		[[ -d $h && ! -L $h && -e $h/cgroup.procs && ! -e $h/docker ]] && DOCKER_NEW_CGROUPS+=("$h/docker")
	done
}

_dk_rm_cgroup_parents() {
	local d
	for d in "${DOCKER_NEW_CGROUPS[@]}"; do
		[[ -d $d ]] && ! rmdir "$d" 2>/dev/null && _dk_err "left $d: not empty"
	done
	DOCKER_NEW_CGROUPS=()
}

# Processes whose command line names DIR (shims, a stuck containerd): by PID.
_dk_pids_under() {
	local p
	for p in /proc/[0-9]*; do
		[[ $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") == *"$1"* ]] && echo "${p#/proc/}"
	done
}

# Safe from an EXIT trap: never fails, may be called more than once.
docker_stop() {
	local ids m p
	[[ -n $DOCKER_DIR ]] || return 0
	if [[ -n $DOCKERD_PID ]] && kill -0 "$DOCKERD_PID" 2>/dev/null; then
		ids=$("$DOCKER_CLI" ps -aq 2>/dev/null)
		# shellcheck disable=SC2086
		[[ -z $ids ]] || "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1
		kill -TERM "$DOCKERD_PID" 2>/dev/null
		wait "$DOCKERD_PID" 2>/dev/null
	fi
	DOCKERD_PID=
	for p in $(_dk_pids_under "$DOCKER_DIR"); do
		[[ $p != "$$" ]] && kill -KILL "$p" 2>/dev/null
	done
	# Deepest first: overlay mounts sit below the data root's own mounts.
	findmnt -rn -o TARGET | grep -F "$DOCKER_DIR/" | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$DOCKER_DIR"
	_dk_rm_cgroup_parents
	DOCKER_DIR=
	unset DOCKER_HOST
	return 0
}

docker_cli_cleanup() {
	[[ -n $DOCKER_CLI_DIR ]] && rm -rf "$DOCKER_CLI_DIR"
	DOCKER_CLI_DIR=
}
