# Sourced by the scripts in bin/: finds a JDK 25 or newer without starting a JVM (reads its `release`
# file, with bash alone). Order: $CARGOHOLD_JAVA_HOME, $JAVA_HOME, then /usr/lib/jvm/* (Debian's and Temurin's place).
# The launchers call cargohold_find_jdk (sets $jdk; no subshell or child process: each fork and exec
# costs a short command ~1-3 ms); other scripts use jdk=$(cargohold_jdk).
cargohold_find_jdk() {
	local cand line major
	for cand in "${CARGOHOLD_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/*; do
		[ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -f "$cand/release" ] || continue
		major=0
		while IFS= read -r line; do
			case $line in
				JAVA_VERSION=\"[0-9]*)
					major=${line#JAVA_VERSION=\"}
					major=${major%%[!0-9]*}
					break ;;
			esac
		done < "$cand/release"
		if [ "${major:-0}" -ge 25 ]; then
			jdk=$cand
			return 0
		fi
	done
	echo "cargohold: no JDK 25 found (looked at \$CARGOHOLD_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm); install one or set CARGOHOLD_JAVA_HOME" >&2
	return 1
}

cargohold_jdk() {
	local jdk
	cargohold_find_jdk && printf '%s\n' "$jdk"
}

# Layer file names are UTF-8; the JDK names files in the locale's encoding (ASCII when none is set).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
	*UTF-8*|*utf8*|*UTF8*|*utf-8*) ;;
	*) export LC_ALL=C.UTF-8 ;;
esac
