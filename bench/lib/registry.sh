# Sourced by the benchmarks that talk to a registry (bench/registry.sh, bench/copy-noop.sh): Debian's
# docker-registry on 127.0.0.1, plain HTTP, errors-only logging, no access log.
#   registry_free_addr             prints 127.0.0.1:PORT with a port free now
#   registry_start DIR ADDR        a registry with empty storage in DIR/registry (config DIR/registry.yml, log
#                                  DIR/registry.log) listening on ADDR; sets regpid; returns 1, after printing
#                                  its log, when it does not answer /v2/ within ~4 s
#   registry_stop                  stops the one registry_start started (if any)
registry_free_addr() {
	echo "127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
}

registry_start() {
	local dir=$1 addr=$2
	rm -rf "$dir/registry"
	mkdir -p "$dir/registry"
	cat > "$dir/registry.yml" <<-YML
	version: 0.1
	log:
	  level: error
	  accesslog:
	    disabled: true
	storage:
	  filesystem:
	    rootdirectory: $dir/registry
	http:
	  addr: $addr
	YML
	docker-registry serve "$dir/registry.yml" > "$dir/registry.log" 2>&1 &
	regpid=$!
	for _ in $(seq 1 200); do
		curl -fs "http://$addr/v2/" > /dev/null 2>&1 && return 0
		sleep 0.02
	done
	cat "$dir/registry.log" >&2
	return 1
}

registry_stop() {
	if [ -n "${regpid:-}" ]; then
		kill "$regpid" 2> /dev/null || true
		wait "$regpid" 2> /dev/null || true
		regpid=
	fi
}
