#!/usr/bin/env bash
# Issue 12: wall time of `cargohold copy` to and from a registry next to `skopeo copy` in the same run,
# against Debian's docker-registry (distribution 2.8) on 127.0.0.1 over plain HTTP:
#   push   oci:LAYOUT -> docker://   (a registry with empty storage each time: every blob uploaded)
#   pull   docker://  -> oci:DIR     (a fresh layout each time: every blob downloaded and verified)
#   pull into the content store      cargohold only: docker:// -> cargohold:app:latest (fresh store)
#   no-op pull                       the same pull again, every layer present (HEAD-free: the manifest
#                                    and config are read, nothing else moves); skopeo's no-op is
#                                    docker:// -> the oci layout it filled before
# as medians of ROUNDS rounds and the ratio cargohold / skopeo (goal: <= 0.7; no-op pull < 0.5 s); each command
# is also timed together with a `sync -f` after it ("incl. sync -f": a tool that leaves dirty pages is charged
# for writing them), and its CPU time (user + system, bash's `times`) is given, the figure to compare on a
# shared machine; and the registry's own CPU time during the command (its process's user + system, /proc/PID/stat),
# which bounds a push: the registry hashes every byte it receives (Go 1.19's SHA-256, no SHA-NI: ~480 MB/s here) on
# one goroutine per upload, whichever client sends (bench/README.md section 29.2).
#
# Run bin/build first. Needs skopeo and docker-registry.
# Environment (all optional):
#   CARGOHOLD_BENCH_LAYOUT   the OCI layout to push (default /work/bench-images/large/app), its tag `latest`
#   CARGOHOLD_BENCH_ROUNDS   rounds (default 3); the tools take turns at going first
#   CARGOHOLD_BENCH_TMPDIR   where the registry storage and copies are made (default ${TMPDIR:-/tmp})
#   CARGOHOLD_BENCH_JOBS     --max-parallel for cargohold (default 6, its default)
# Checks (exit 1 on failure): both tools' pushes and pulls keep the layout's manifest digest.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
die() { echo "registry bench: $*" >&2; exit 1; }
[ -f "$top/cargohold-cli/target/classpath" ] || die "cargohold is not built; run $top/bin/build first"
command -v skopeo > /dev/null || die "skopeo is not installed"
command -v docker-registry > /dev/null || die "docker-registry is not installed (apt-get install docker-registry)"
layout=${CARGOHOLD_BENCH_LAYOUT:-/work/bench-images/large/app}
rounds=${CARGOHOLD_BENCH_ROUNDS:-3}
jobs=${CARGOHOLD_BENCH_JOBS:-6}
base=${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}
work=$(mktemp -d "$base/cargohold-registry-bench.XXXXXX")
. "$top/bench/lib/registry.sh"
regpid=
trap 'registry_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" CARGOHOLD_ROOT="$work/store"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
reg=$(registry_free_addr)

start_registry() { # a registry with empty storage
	registry_stop
	registry_start "$work" "$reg" || die "docker-registry did not start"
}

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A t=()
phase() { # key command...: wall time of the command, after a sync and a pause; and with a `sync -f` after it
	local key=$1; shift
	sync -f "$work"; sleep 1
	local t0 t1 t2 c0 c1 r0 r1
	times > "$work/times"; c0=$(cpu_of_children); r0=$(registry_cpu)
	t0=$(now); "$@" < /dev/null > /dev/null; t1=$(now)
	times > "$work/times"; c1=$(cpu_of_children); r1=$(registry_cpu)
	sync -f "$work"; t2=$(now)
	t[$key]+="$(secs "$t0" "$t1") "
	t[${key}_sync]+="$(secs "$t0" "$t2") "
	t[${key}_cpu]+="$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') "
	t[${key}_reg]+="$(awk -v a="$r0" -v b="$r1" 'BEGIN { printf "%.2f", b - a }') "
}
# the registry process's user + system CPU seconds so far (clock ticks of /proc/PID/stat)
registry_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$regpid/stat"; }
# user + system CPU seconds of this shell's waited-for children so far: bash's `times` (second line), written
# to a file by the caller (`times` in a command substitution would be the subshell's)
cpu_of_children() { awk 'NR == 2 { split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$work/times"; }
digest_of() { skopeo inspect --raw "$@" | sha256sum | awk '{ print "sha256:" $1 }'; }

src="oci:$layout:latest"
want=$(digest_of "$src")
bytes=$(skopeo inspect --raw "$src" | python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["config"]["size"]+sum(l["size"] for l in m["layers"]))')
echo "== cargohold vs skopeo against docker-registry, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "java: $(. "$top/bin/lib/jdk.sh"; "$(cargohold_jdk)/bin/java" -version 2>&1 | sed -n 2p); $(skopeo --version); $(docker-registry --version)"
echo "git: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$top" diff --quiet 2>/dev/null || echo ' (with uncommitted changes)')"
echo "image: $src = $want, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MiB", b / 1048576 }') of blobs; registry $reg (plain HTTP)"
echo

for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order="ours skopeo"; else order="skopeo ours"; fi
	for who in $order; do
		start_registry
		if [ "$who" = ours ]; then
			phase ours_push "$cli" copy -q --max-parallel "$jobs" --dest-tls-verify=false "$src" "docker://$reg/bench/app:latest"
		else
			phase skopeo_push skopeo copy -q --dest-tls-verify=false "$src" "docker://$reg/bench/app:latest"
		fi
		[ "$(digest_of --tls-verify=false "docker://$reg/bench/app:latest")" = "$want" ] || die "$who's push changed the manifest digest"
	done
	# pulls from the registry as the last push left it
	for who in $order; do
		rm -rf "$work/out-$who"
		if [ "$who" = ours ]; then
			phase ours_pull "$cli" copy -q --max-parallel "$jobs" --src-tls-verify=false "docker://$reg/bench/app:latest" "oci:$work/out-ours:latest"
		else
			phase skopeo_pull skopeo copy -q --src-tls-verify=false "docker://$reg/bench/app:latest" "oci:$work/out-skopeo:latest"
		fi
		[ "$(digest_of "oci:$work/out-$who:latest")" = "$want" ] || die "$who's pull changed the manifest digest"
	done
	for who in $order; do
		if [ "$who" = ours ]; then
			phase ours_noop_oci "$cli" copy -q --src-tls-verify=false "docker://$reg/bench/app:latest" "oci:$work/out-ours:latest"
		else
			phase skopeo_noop_oci skopeo copy -q --src-tls-verify=false "docker://$reg/bench/app:latest" "oci:$work/out-skopeo:latest"
		fi
	done
	rm -rf "$work/out-ours" "$work/out-skopeo" "$work/store"
	phase ours_store "$cli" copy -q --max-parallel "$jobs" --src-tls-verify=false "docker://$reg/bench/app:latest" cargohold:app:latest
	phase ours_noop_store "$cli" copy -q --src-tls-verify=false "docker://$reg/bench/app:latest" cargohold:app:latest
	rm -rf "$work/store"
done

printf '%-38s %-24s %-24s %-6s %-26s %-26s %s\n' "case" "cargohold s (median; all)" "skopeo s (median; all)" "ratio" "ratio incl. sync -f" "CPU s (user+sys, median)" "registry CPU s (median)"
row() { # name ours-key skopeo-key
	local o s os ss oc sc or sr
	o=$(echo "${t[$2]}" | median)
	os=$(echo "${t[${2}_sync]}" | median)
	oc=$(echo "${t[${2}_cpu]}" | median)
	or=$(echo "${t[${2}_reg]}" | median)
	if [ -n "$3" ]; then
		s=$(echo "${t[$3]}" | median)
		ss=$(echo "${t[${3}_sync]}" | median)
		sc=$(echo "${t[${3}_cpu]}" | median)
		sr=$(echo "${t[${3}_reg]}" | median)
		printf '%-38s %-24s %-24s %-6s %-26s %-26s %s\n' "$1" "$o (${t[$2]% })" "$s (${t[$3]% })" "$(awk -v a="$o" -v b="$s" 'BEGIN { printf "%.2f", a / b }')" \
			"$(awk -v a="$os" -v b="$ss" 'BEGIN { printf "%.2f (%.2f s vs %.2f s)", a / b, a, b }')" "ours $oc, skopeo $sc" "with ours $or, with skopeo $sr"
	else
		printf '%-38s %-24s %-24s %-6s %-26s %-26s %s\n' "$1" "$o (${t[$2]% })" "-" "-" "- (${os} s)" "ours $oc" "with ours $or"
	fi
}
row "push oci -> docker://" ours_push skopeo_push
row "pull docker:// -> oci" ours_pull skopeo_pull
row "no-op pull docker:// -> oci (present)" ours_noop_oci skopeo_noop_oci
row "pull docker:// -> cargohold:" ours_store ""
row "no-op pull docker:// -> cargohold:" ours_noop_store ""
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
