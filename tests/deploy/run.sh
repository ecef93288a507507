#!/usr/bin/env bash
# Deployment checks: `make static` gives a static ELF that runs on its own
# (also in an empty root, as in the FROM scratch image), then the manifest,
# Dockerfile and unit checks, and proof that those checks catch mistakes.
# Closes with "deploy: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
bin=.output/static/nsguard
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() { echo "FAIL - $1${2:+: $2}"; failed=$((failed + 1)); }
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

# The agent never shells out: no exec, system or popen in what it imports
# (the dynamic build; the static one has no import table to read).
check "agent imports no exec/system/popen" bash -c \
	"test -x .output/nsguard && ! nm -D --undefined-only .output/nsguard |
	 grep -wE '(system|popen|execv|execve|execvp|execl|execlp|execle|fexecve|posix_spawnp?)'"

check "make static" "${mk[@]}" static
if [[ -x $bin ]]; then
	check "static ELF: no program interpreter" bash -c "! readelf -lW $bin | grep -q INTERP"
	check "static ELF: no shared libraries" bash -c "! readelf -dW $bin | grep -q NEEDED"
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
		echo "skip - empty-root runs (need root)"
	fi
else
	fail "static binary built" "$bin missing"
fi

# The manifest checks, counted into this suite.
$py tests/deploy/check_manifests.py "$root" >"$tmp/manifests" 2>&1
cat "$tmp/manifests"
read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$tmp/manifests" | tail -1)
if [[ -z ${p:-} ]]; then
	fail "check_manifests.py ran" "$(tail -2 "$tmp/manifests" | tr '\n' ' ')"
else
	passed=$((passed + p)) failed=$((failed + f))
fi

# Each mutation of a copy of deploy/ must make the checks fail.
mutant() { # DESCRIPTION FILE PYTHON-EXPRESSION-ON-s
	local what=$1 file=$2 expr=$3
	rm -rf "$tmp/m" && mkdir -p "$tmp/m" && cp -r deploy "$tmp/m/"
	$py -c "import sys; p=sys.argv[1]; s=open(p).read(); t=$expr; assert t != s; open(p,'w').write(t)" \
		"$tmp/m/deploy/$file" || { fail "mutant: $what" "mutation did not apply"; return; }
	if $py tests/deploy/check_manifests.py "$tmp/m" >"$tmp/mout" 2>&1; then
		fail "mutant caught: $what" "checks still pass"
	else
		ok "mutant caught: $what ($(grep -m1 '^FAIL' "$tmp/mout" | cut -c8-80))"
	fi
}
mutant "volume without mount" kubernetes/daemonset.yaml \
	"s.replace('            - name: crun\n              mountPath: /run/crun\n              readOnly: true\n', '')"
mutant "privileged without annotation" kubernetes/daemonset.yaml \
	"s.replace('privileged: false', 'privileged: true')"
mutant "no memory limit" kubernetes/daemonset.yaml "s.replace('              memory: 64Mi\n', '')"
mutant "Bidirectional unprivileged" kubernetes/daemonset.yaml \
	"s.replace('mountPropagation: HostToContainer', 'mountPropagation: Bidirectional')"
mutant "policy key renamed" kubernetes/configmap.yaml "s.replace('policy.yaml: |', 'policy.yml: |')"
mutant "final stage not scratch" Dockerfile "s.replace('FROM scratch', 'FROM debian:12')"
mutant "no ExecStart" systemd/nsguard.service "s.replace('ExecStart=', 'ExecStartPre=')"

echo "deploy: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
