#!/usr/bin/env bash
# Issue 17: wall and CPU time of each common containers-storage command, ours next to other binaries
# (upstream's, or another checkout's launcher), in one run.
#   bench/cstorage-cmds.sh [LABEL=BINARY ...]
# Default: ours=bin/containers-storage and, when installed, upstream=/usr/bin/containers-storage.
# Each round runs, for every binary in turn (the order reversed every other round, so load from other
# processes spreads over all of them), the same sequence of 30 commands on a fresh vfs store of its own
# (status, create-layer, create-layer with a parent, layers, create-image, set-image-data, mount,
# delete-container ... wipe: what upstream's BATS suite calls, in an order that works), and prints per
# command the median wall time and the median CPU time (user + sys, the shell's `times` around each run)
# of CARGOHOLD_BENCH_ROUNDS rounds (default 7), with the load average before and after. A command that
# exited non-zero in some round is marked with its exit statuses (`delete-layer` of a layer an image
# still uses fails on both; `storage-layers` is not a v1.43.0 command). Run bin/build first.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
rounds=${CARGOHOLD_BENCH_ROUNDS:-7}
labels=()
bins=()
if [ $# -eq 0 ]; then
	set -- "ours=$top/bin/containers-storage"
	[ -x /usr/bin/containers-storage ] && set -- "$@" upstream=/usr/bin/containers-storage
fi
for a in "$@"; do
	labels+=("${a%%=*}")
	bins+=("$(readlink -f "${a#*=}")")
done
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-/tmp}/cstorage-cmds.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'data of the bench\n' > "$work/data"
seq=(
	"status" "version" "create-layer -n base" "create-layer -n child base" "layers" "layer child" "layers -j"
	"create-image -n img child" "images" "image img" "set-image-data -f $work/data img key" "get-image-data img key"
	"list-image-data img" "add-names -n other img" "get-names img" "exists img" "metadata img"
	"create-container -n ctr img" "containers" "container ctr" "get-container-dir ctr" "mount ctr" "mounted ctr"
	"unmount ctr" "storage-layers" "delete-container ctr" "delete-image img" "delete-layer child" "shutdown" "wipe"
)
cpu_of() { # FILE (written by times) -> the children's user+sys, microseconds
	awk 'NR == 2 { n = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); n += a[1] * 60 + a[2] } printf "%d", n * 1000000 }' "$1"
}
echo "== containers-storage commands, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $rounds rounds, git $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
	order=("${!bins[@]}")
	if [ $((r % 2)) -eq 0 ]; then
		order=()
		for ((i = ${#bins[@]} - 1; i >= 0; i--)); do order+=("$i"); done
	fi
	for b in "${order[@]}"; do
		s="$work/store.$r.$b"
		for c in "${!seq[@]}"; do
			times > "$work/cpu0"
			t0=$(date +%s%N)
			rc=0
			# shellcheck disable=SC2086 # the command's words
			"${bins[$b]}" --storage-driver vfs -g "$s/g" -R "$s/r" ${seq[$c]} > /dev/null 2>&1 || rc=$?
			t1=$(date +%s%N)
			times > "$work/cpu1"
			echo "$b $c $(( (t1 - t0) / 1000 )) $(( $(cpu_of "$work/cpu1") - $(cpu_of "$work/cpu0") )) $rc" >> "$work/times"
		done
		rm -rf "$s"
	done
done
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)"
median() { # b c column -> median in ms
	awk -v b="$1" -v c="$2" -v k="$3" '$1 == b && $2 == c { print $k }' "$work/times" | sort -n |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f", m / 1000 }'
}
header="| command                  |"
rule="|--------------------------|"
for l in "${labels[@]}"; do
	header+=$(printf ' %-18s |' "$l wall / CPU ms")
	rule+="-------------------:|"
done
echo "$header"
echo "$rule"
declare -A sw sc
for c in "${!seq[@]}"; do
	row=$(printf '| %-24s |' "${seq[$c]%% *}$(case "${seq[$c]}" in "create-layer -n child base") echo " (parent)" ;; "layers -j") echo " -j" ;; esac)")
	for b in "${!bins[@]}"; do
		w=$(median "$b" "$c" 3)
		u=$(median "$b" "$c" 4)
		codes=$(awk -v b="$b" -v c="$c" '$1 == b && $2 == c && $5 != 0 { print $5 }' "$work/times" | sort -u | paste -sd, -)
		sw[$b]=$(( ${sw[$b]:-0} + w ))
		sc[$b]=$(( ${sc[$b]:-0} + u ))
		row+=$(printf ' %18s |' "$w / $u${codes:+ (exit $codes)}")
	done
	echo "$row"
done
row=$(printf '| %-24s |' "sum")
for b in "${!bins[@]}"; do row+=$(printf ' %18s |' "${sw[$b]} / ${sc[$b]}"); done
echo "$row"
echo "(medians of $rounds rounds; CPU: user + sys of the process)"
