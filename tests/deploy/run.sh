#!/usr/bin/env bash
# Deployment checks: `make static` gives a static ELF that runs on its own
# (also in an empty root, as in the FROM scratch image), `make static
# ARCH=arm64` static aarch64 ones, then the manifest, Dockerfile and unit
# checks, which binary the Dockerfile puts in the image for each platform
# (image_arch.py), and proof that those checks catch mistakes.
# Closes with "deploy: N passed, N failed" (", N skipped" when a check
# could not run here: a skip fails CI, see tests/lib/summary.sh).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
# shellcheck source=tests/lib/summary.sh
source tests/lib/summary.sh
bin=.output/static/nsguard
passed=0 failed=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1${2:+: $2}"; failed=$((failed + 1)); }
skip() { echo "skip - $1: $2"; skipped=$((skipped + 1)); }
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok "$what"; else fail "$what" "$(tail -3 "$tmp/out" | tr '\n' ' ')"; fi
}

# Debian's python3 is where python3-yaml installs.
py=python3
[[ -x /usr/bin/python3 ]] && py=/usr/bin/python3

# Until the Makefile includes deploy/static.mk, name it here.
mk=(make --no-print-directory)
grep -q 'deploy/static.mk' Makefile || mk+=(-f Makefile -f deploy/static.mk)

# ERE SANITY CMD...: CMD succeeds and prints SANITY (so it read the file:
# a tool that fails or prints nothing cannot pass), and nothing matches ERE.
lacks() {
	local ere=$1 sanity=$2 out rc=0
	shift 2
	out=$("$@" 2>&1) || rc=$?
	if [[ $rc -ne 0 || -z $out ]]; then
		echo "$* exited $rc, output: ${out:0:200}"
		return 1
	fi
	grep -qE -- "$sanity" <<<"$out" || { echo "$* printed no '$sanity': ${out:0:200}"; return 1; }
	if grep -E -- "$ere" <<<"$out"; then
		return 1
	fi
}

# The agent never shells out: no exec, system or popen in what it imports
# (the dynamic build; the static one has no import table to read).
check "agent imports no exec/system/popen" lacks \
	'\b(system|popen|execv|execve|execvp|execl|execlp|execle|fexecve|posix_spawnp?)\b' \
	' U ' nm -D --undefined-only .output/nsguard

check "make static" "${mk[@]}" static
if [[ -x $bin ]]; then
	check "static ELF: no program interpreter" lacks INTERP '^Program Headers:' readelf -lW "$bin"
	check "static ELF: no shared libraries" lacks NEEDED \
		'^(There is no dynamic section|Dynamic section at)' readelf -dW "$bin"
	check "nsguard --help" bash -c "$bin --help | grep -q '^Usage: nsguard'"

	# An empty root, like the scratch image: the binary and nothing else.
	if [[ $(id -u) -eq 0 ]]; then
		mkdir -p "$tmp/root/proc" "$tmp/root/sys"
		cp "$bin" "$tmp/root/nsguard"
		check "--help in an empty root" bash -c "chroot $tmp/root /nsguard --help | grep -q '^Usage'"
		# scan: 0 (none) or 1 (violations) and JSON, with only /proc and /sys.
		unshare -m bash -c "mount --rbind /proc $tmp/root/proc && mount --rbind /sys $tmp/root/sys &&
			chroot $tmp/root /nsguard scan --format json" >"$tmp/scan.json" 2>"$tmp/scan.err"
		rc=$?
		if [[ $rc -le 1 ]] && $py -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/scan.json"; then
			ok "scan in an empty root (exit $rc, JSON)"
		else
			fail "scan in an empty root" "exit $rc: $(head -c 200 "$tmp/scan.err")"
		fi
	else
		skip "--help in an empty root" "need root"
		skip "scan in an empty root" "need root"
	fi
else
	fail "static binary built" "$bin missing"
fi

# The arm64 image's binaries: cross-built static aarch64 ELFs (built here
# when missing; the image builds its own the same way). Never run here.
arm=.output/static/arm64
# FILE: `file` says a 64-bit little-endian static aarch64 ELF; where `file`
# is not installed, readelf says the same (no interpreter, no dynamic section).
static_aarch64() {
	local out
	if command -v file >/dev/null; then
		out=$(file -b "$1") || return 1
		echo "$out"
		grep -qE '^ELF 64-bit LSB .*ARM aarch64.*statically linked' <<<"$out"
	else
		out=$(readelf -hldW "$1" 2>&1) || { echo "$out"; return 1; }
		if ! grep -qE 'Class: +ELF64' <<<"$out" || ! grep -qE 'little endian' <<<"$out" ||
			! grep -qE 'Machine: +AArch64' <<<"$out" || grep -q INTERP <<<"$out" ||
			! grep -q 'There is no dynamic section' <<<"$out"; then
			echo "$out" | head -20
			return 1
		fi
	fi
}
if [[ ! -e $arm/nsguard || ! -e $arm/nsguard-oci-hook ]]; then
	check "make static ARCH=arm64" "${mk[@]}" static ARCH=arm64
fi
for b in nsguard nsguard-oci-hook; do
	if [[ -e $arm/$b ]]; then
		check "$arm/$b: static aarch64 ELF" static_aarch64 "$arm/$b"
	else
		fail "$arm/$b built" "missing after make static ARCH=arm64"
	fi
done

# A checker's own lines and counts, counted into this suite. The closing
# line and the exit status must agree: a traceback after the counts is
# still a failure.
counted() { # SCRIPT
	local name=${1##*/} rc=0 p f s
	$py "$1" "$root" >"$tmp/counted" 2>&1 || rc=$?
	cat "$tmp/counted"
	read -r p f s < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$/\1 \2 \4/p' \
		"$tmp/counted" | tail -1)
	if [[ -z ${p:-} ]]; then
		fail "$name ran" "$(tail -2 "$tmp/counted" | tr '\n' ' ')"
		return
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
	if grep -q '^Traceback' "$tmp/counted" ||
		{ [[ $rc -ne 0 && $f -eq 0 ]] && ! { [[ ${s:-0} -gt 0 ]] && ci_mode; }; }; then
		fail "$name exit status" "exit $rc with $f failed"
	fi
}
counted tests/deploy/check_manifests.py
# deploy/Dockerfile's build stage run for each platform and builder, with a
# stand-in make: the image's /nsguard is that platform's.
counted tests/deploy/image_arch.py

# Each mutation of a copy of deploy/ must make the checker fail on its own
# terms: exit 1 and the FAIL line of the check that guards against it. Any
# other non-zero exit (a traceback, a missing module) is not a catch.
mutant() { # DESCRIPTION FILE PYTHON-EXPRESSION-ON-s FAILING-CHECK [CHECKER]
	local what=$1 file=$2 expr=$3 want=$4 checker=${5:-tests/deploy/check_manifests.py} rc=0
	rm -rf "$tmp/m" && mkdir -p "$tmp/m/user/hook" "$tmp/m/user/cli" &&
		cp -r deploy Makefile VERSION "$tmp/m/" &&
		cp user/hook/runtime_spec.h "$tmp/m/user/hook/" && cp user/cli/cli.h "$tmp/m/user/cli/"
	$py -c "import sys; p=sys.argv[1]; s=open(p).read(); t=$expr; assert t != s; open(p,'w').write(t)" \
		"$tmp/m/deploy/$file" || { fail "mutant: $what" "mutation did not apply"; return; }
	$py "$checker" "$tmp/m" >"$tmp/mout" 2>&1 || rc=$?
	if grep -q '^Traceback' "$tmp/mout"; then
		fail "mutant caught: $what" "the checker crashed: $(tail -1 "$tmp/mout")"
	elif [[ $rc -ne 1 ]]; then
		fail "mutant caught: $what" "checker exit $rc, want 1"
	elif ! grep '^FAIL - ' "$tmp/mout" | grep -qF -- "$want"; then
		fail "mutant caught: $what" "no FAIL of '$want'; $(grep -m1 '^FAIL' "$tmp/mout")"
	else
		ok "mutant caught: $what (FAIL - $want)"
	fi
}
mutant "volume without mount" kubernetes/daemonset.yaml \
	"s.replace('            - name: crun\n              mountPath: /run/crun\n              readOnly: true\n', '')" \
	"DaemonSet: every volume is mounted"
mutant "daemon.json names another wrapper path" docker/daemon.json \
	"s.replace('/usr/local/libexec/nsguard/nsguard-runc', '/usr/libexec/nsguard-runc')" \
	"daemon.json: the runtime's path is where \`make install\` puts nsguard-runc"
mutant "daemon.json's default runtime is runc" docker/daemon.json \
	"s.replace('\"default-runtime\": \"nsguard\"', '\"default-runtime\": \"runc\"')" \
	"daemon.json: default-runtime is one of its runtimes"
mutant "image tag not the VERSION" kubernetes/daemonset.yaml \
	"s.replace('image: nsguard:0.1.0', 'image: nsguard:0.0.9')" \
	"DaemonSet image tag is VERSION"
mutant "privileged without annotation" kubernetes/daemonset.yaml \
	"s.replace('privileged: false', 'privileged: true')" \
	"container nsguard: not privileged (or annotated nsguard.io/privileged-reason)"
mutant "no memory limit" kubernetes/daemonset.yaml "s.replace('              memory: 64Mi\n', '')" \
	"container nsguard: resources.limits has memory and cpu"
mutant "Bidirectional unprivileged" kubernetes/daemonset.yaml \
	"s.replace('mountPropagation: HostToContainer', 'mountPropagation: Bidirectional')" \
	"container nsguard: no Bidirectional mount (privileged only)"
mutant "policy key renamed" kubernetes/configmap.yaml "s.replace('policy.yaml: |', 'policy.yml: |')" \
	"ConfigMap holds policy.yaml at --policy"
mutant "final stage not scratch" Dockerfile "s.replace('FROM scratch', 'FROM debian:12')" \
	"Dockerfile: final stage is scratch or distroless/static"
mutant "no ExecStart" systemd/nsguard.service "s.replace('ExecStart=', 'ExecStartPre=')" \
	"systemd: ExecStart is an absolute path"
mutant "logrotate copytruncate" logrotate/nsguard "s.replace('create 0600 root root', 'copytruncate')" \
	"logrotate: create, not copytruncate (which loses lines)"
mutant "logrotate compresses at once" logrotate/nsguard "s.replace('\tdelaycompress\n', '')" \
	"logrotate: delaycompress (the file just rotated may still grow for a second)"
mutant "logrotate names another file" logrotate/nsguard \
	"s.replace('/var/log/nsguard/events.jsonl {', '/var/log/nsguard/feed.jsonl {')" \
	"logrotate rotates the DaemonSet's --output"
mutant "logrotate syntax error" logrotate/nsguard "s.replace('rotate 14', 'rotate fourteen')" \
	"logrotate -d accepts deploy/logrotate/nsguard"
# Two architectures: the DaemonSet schedules on arm64 nodes, the image
# carries the binary of the platform built.
mutant "DaemonSet pinned to amd64 again" kubernetes/daemonset.yaml \
	"s.replace('        kubernetes.io/os: linux\n', '        kubernetes.io/os: linux\n        kubernetes.io/arch: amd64\n')" \
	"DaemonSet schedules on linux/arm64 nodes"
mutant "node affinity without arm64" kubernetes/daemonset.yaml \
	"s.replace('                      - arm64\n', '')" \
	"DaemonSet schedules on linux/arm64 nodes"
mutant "node affinity NotIn instead of In" kubernetes/daemonset.yaml \
	"s.replace('operator: In', 'operator: NotIn')" \
	"DaemonSet schedules on linux/amd64 nodes"
mutant "DaemonSet without the Linux selector" kubernetes/daemonset.yaml \
	"s.replace('        kubernetes.io/os: linux\n', '')" \
	"DaemonSet stays off windows/amd64 nodes"
mutant "dockerignore drops vmlinux/arm64" Dockerfile.dockerignore "s + 'vmlinux/arm64\n'" \
	"Dockerfile.dockerignore keeps what \`make static [ARCH=arm64]\` reads"
mutant "dockerignore lets .output in" Dockerfile.dockerignore "s.replace('\n.output\n', '\n')" \
	"Dockerfile.dockerignore keeps the host's build outputs out"
mutant "TARGETARCH given a default" Dockerfile "s.replace('ARG TARGETARCH\n', 'ARG TARGETARCH=amd64\n')" \
	"Dockerfile: ARG TARGETARCH has no default"
ia=tests/deploy/image_arch.py
mutant "TARGETARCH given a default (image)" Dockerfile \
	"s.replace('ARG TARGETARCH\n', 'ARG TARGETARCH=amd64\n')" \
	"BuildKit, linux/arm64 on an amd64 builder: /nsguard is ARM aarch64" $ia
mutant "TARGETARCH not declared in the build stage" Dockerfile "s.replace('ARG TARGETARCH\n', '')" \
	"BuildKit, linux/arm64 on an amd64 builder: /nsguard is ARM aarch64" $ia
mutant "make static without ARCH" Dockerfile "s.replace('make static ARCH=\$arch', 'make static')" \
	"BuildKit, linux/arm64 on an amd64 builder: /nsguard is ARM aarch64" $ia
mutant "the host's strip on a cross build" Dockerfile "s.replace('strip=\$triplet-strip', 'strip=strip')" \
	"BuildKit, linux/arm64 on an amd64 builder: /nsguard is ARM aarch64" $ia
mutant "the native path for every build" Dockerfile \
	"s.replace('[ -e .output/static/\$arch/nsguard ]', 'false')" \
	"BuildKit, linux/arm64 on an amd64 builder: /nsguard is ARM aarch64" $ia
mutant "an unknown TARGETARCH builds amd64" Dockerfile \
	"s.replace('*) echo \"nsguard: no build', '*) arch=x86 triplet=x86_64-linux-gnu machine=X86-64 ;; x) echo \"nsguard: no build')" \
	"BuildKit, linux/riscv64 (no such build): /nsguard is not made" $ia
mutant "FROM --platform=\$BUILDPLATFORM alone (legacy builder)" Dockerfile \
	"s.replace('\${BUILDPLATFORM:-linux/amd64}', '\$BUILDPLATFORM')" \
	"legacy builder, no --build-arg: /nsguard is x86-64" $ia
mutant "build stage on the target's platform (emulation)" Dockerfile \
	"s.replace('--platform=\${BUILDPLATFORM:-linux/amd64} ', '')" \
	"BuildKit, linux/arm64 on an amd64 builder: the build stage runs on the builder's platform" $ia

suite_summary deploy "$passed" "$failed" "$skipped"
