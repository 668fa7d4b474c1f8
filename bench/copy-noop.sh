#!/usr/bin/env bash
# `cargohold copy` when nothing is to be copied: the per-process cost of a copy (start-up, argument parsing,
# opening both sides, reading the manifest and config), next to `skopeo copy` and, optionally, another built
# checkout of cargohold (to compare a change with its base), in interleaved runs:
#   no-op pull   docker://127.0.0.1:PORT/small/app:latest -> oci:DIR:latest that already holds it
#                (Debian's docker-registry over plain HTTP, --src-tls-verify=false)
#   no-op copy   oci:LAYOUT:latest -> oci:DIR:latest that already holds it
# Prints, per tool and case, the medians of wall time, CPU (user + system), user and system time
# (`/usr/bin/time`), and the load average; compare CPU on a shared machine.
#
# Usage: bench/copy-noop.sh [OTHER_CHECKOUT]   (run bin/build in both first; needs skopeo and docker-registry)
# Environment (optional): CARGOHOLD_BENCH_LAYOUT (default /work/bench-images/small/app, copied first, never written),
# CARGOHOLD_BENCH_ROUNDS (default 21), CARGOHOLD_BENCH_TMPDIR (default ${TMPDIR:-/tmp}).
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
other=${1:-}
die() { echo "copy-noop bench: $*" >&2; exit 1; }
for d in "$top" $other; do
	[ -f "$d/cargohold-cli/target/classpath" ] || die "$d is not built; run $d/bin/build first"
done
command -v skopeo > /dev/null || die "skopeo is not installed"
command -v docker-registry > /dev/null || die "docker-registry is not installed (apt-get install docker-registry)"
layout=${CARGOHOLD_BENCH_LAYOUT:-/work/bench-images/small/app}
rounds=${CARGOHOLD_BENCH_ROUNDS:-21}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cargohold-copy-noop.XXXXXX")
. "$top/bench/lib/registry.sh"
regpid=
trap 'registry_stop; rm -rf "$work"' EXIT
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" CARGOHOLD_ROOT="$work/store"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
reg=$(registry_free_addr)
registry_start "$work" "$reg" || die "docker-registry did not start"
cp -r "$layout" "$work/app"
skopeo copy -q --dest-tls-verify=false "oci:$work/app:latest" "docker://$reg/small/app:latest"
tools=(this)
[ -n "$other" ] && tools+=(other)
tools+=(skopeo)
cmd() { # tool -> the copy command
	case $1 in
		this) echo "$top/bin/cargohold copy -q" ;;
		other) echo "$other/bin/cargohold copy -q" ;;
		skopeo) echo "skopeo copy -q" ;;
	esac
}
for t in "${tools[@]}"; do # the first copies: every later one is a no-op
	$(cmd "$t") --src-tls-verify=false "docker://$reg/small/app:latest" "oci:$work/pull-$t:latest"
	$(cmd "$t") "oci:$work/app:latest" "oci:$work/oci-$t:latest"
done
: > "$work/res"
: > "$work/load"
for i in $(seq 1 "$rounds"); do
	for t in "${tools[@]}"; do
		/usr/bin/time -f "pull $t %e %U %S" -a -o "$work/res" $(cmd "$t") --src-tls-verify=false "docker://$reg/small/app:latest" "oci:$work/pull-$t:latest"
		/usr/bin/time -f "oci $t %e %U %S" -a -o "$work/res" $(cmd "$t") "oci:$work/app:latest" "oci:$work/oci-$t:latest"
	done
	[ $((i % 5)) = 1 ] && cut -d' ' -f1 /proc/loadavg >> "$work/load"
done
med() { sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", v[int((NR + 1) / 2)] }'; }
echo "== no-op copies, $rounds interleaved runs each, $(date -u +%Y-%m-%dT%H:%M:%SZ); this: $top${other:+; other: $other}"
for c in pull oci; do
	for t in "${tools[@]}"; do
		f() { grep "^$c $t " "$work/res" | awk "{ print $1 }" | med; }
		printf "%-5s %-7s wall %s s, CPU %s s (user %s, sys %s)\n" "$c" "$t" "$(f '$3')" "$(f '$4 + $5')" "$(f '$4')" "$(f '$5')"
	done
done
echo "load (1 min) during the runs: $(tr '\n' ' ' < "$work/load")"
