#!/usr/bin/env bash
# Issue 12: how fast can ANY client push the image into this registry on this machine? The same push done by
# curl (C, no hashing on the client, every blob streamed from the page cache in parallel: POST, then one
# monolithic PUT with the body, then the manifest), next to `skopeo copy` into a fresh registry each time, as
# medians of ROUNDS rounds and as the ratio curl / skopeo. The registry's own work per push (receiving,
# writing and hashing every byte: distribution 2.8.2 on Go 1.19, whose SHA-256 has no SHA-NI code) is the
# same whoever sends; when even curl takes more than 0.7x skopeo's time, the issue's push goal is below what
# this registry allows on this machine, for any client.
# Needs skopeo, curl, jq, docker-registry. Knobs: CARGOHOLD_BENCH_LAYOUT (default /work/bench-images/large/app),
# CARGOHOLD_BENCH_ROUNDS (default 5), CARGOHOLD_BENCH_TMPDIR (default /tmp). Also times `cargohold copy`
# (bin/cargohold, when built) in the same rounds.
set -euo pipefail
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cli="$top/bin/cargohold"
die() { echo "registry floor bench: $*" >&2; exit 1; }
for c in skopeo curl jq docker-registry; do command -v "$c" > /dev/null || die "$c is not installed"; done
layout=${CARGOHOLD_BENCH_LAYOUT:-/work/bench-images/large/app}
rounds=${CARGOHOLD_BENCH_ROUNDS:-5}
work=$(mktemp -d "${CARGOHOLD_BENCH_TMPDIR:-${TMPDIR:-/tmp}}/cargohold-registry-floor.XXXXXX")
. "$top/bench/lib/registry.sh"
regpid=
trap 'registry_stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
reg=$(registry_free_addr)
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

mdigest=$(jq -r '.manifests[0].digest' "$layout/index.json")
mfile="$layout/blobs/${mdigest%%:*}/${mdigest#*:}"
mtype=$(jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$mfile")
mapfile -t blobs < <(jq -r '.config.digest, .layers[].digest' "$mfile")

# one blob: POST an upload, then PUT its body with the digest (monolithic), streamed by curl -T
curl_blob() {
	local d=$1 loc sep
	loc=$(curl -sf -X POST -o /dev/null -D - "http://$reg/v2/floor/app/blobs/uploads/" | tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
	case $loc in http*) ;; *) loc="http://$reg$loc" ;; esac
	case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
	curl -sf -X PUT -H 'Content-Type: application/octet-stream' -T "$layout/blobs/${d%%:*}/${d#*:}" -o /dev/null "$loc${sep}digest=$d"
}
curl_push() {
	local pids=() d
	for d in "${blobs[@]}"; do curl_blob "$d" & pids+=($!); done
	for p in "${pids[@]}"; do wait "$p"; done
	curl -sf -X PUT -H "Content-Type: $mtype" --data-binary "@$mfile" -o /dev/null "http://$reg/v2/floor/app/manifests/latest"
}

declare -A t=()
echo "== push floor: curl vs skopeo$([ -f "$top/cargohold-cli/target/classpath" ] && echo " vs cargohold") into docker-registry, $(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "image: oci:$layout:latest, ${#blobs[@]} blobs, $(du -sbL "$layout/blobs" | awk '{ printf "%.1f MiB", $1 / 1048576 }')"
whos="curl skopeo"
[ -f "$top/cargohold-cli/target/classpath" ] && whos="curl skopeo cargohold"
for r in $(seq 1 "$rounds"); do
	for who in $whos; do
		registry_stop; registry_start "$work" "$reg" || die "docker-registry did not start"
		sync -f "$work"; sleep 1
		t0=$(now)
		case $who in
			curl) curl_push ;;
			skopeo) skopeo copy -q --dest-tls-verify=false "oci:$layout:latest" "docker://$reg/floor/app:latest" ;;
			cargohold) "$cli" copy -q --dest-tls-verify=false "oci:$layout:latest" "docker://$reg/floor/app:latest" ;;
		esac
		t1=$(now)
		t[$who]+="$(secs "$t0" "$t1") "
		got=$(skopeo inspect --raw --tls-verify=false "docker://$reg/floor/app:latest" | sha256sum | awk '{ print "sha256:" $1 }')
		[ "$got" = "$mdigest" ] || die "$who's push gave manifest $got, not $mdigest"
	done
done
for who in $whos; do
	printf '%-10s %s s (median; all: %s)\n' "$who" "$(echo "${t[$who]}" | median)" "${t[$who]% }"
done
c=$(echo "${t[curl]}" | median); s=$(echo "${t[skopeo]}" | median)
awk -v c="$c" -v s="$s" 'BEGIN { printf "curl / skopeo = %.2f (the goal: cargohold <= 0.70)\n", c / s }'
if [ -n "${t[cargohold]:-}" ]; then
	o=$(echo "${t[cargohold]}" | median)
	awk -v o="$o" -v s="$s" -v c="$c" 'BEGIN { printf "cargohold / skopeo = %.2f, cargohold / curl = %.2f\n", o / s, o / c }'
fi
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
