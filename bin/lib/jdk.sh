# Sourced by the scripts in bin/: finds a JDK 25 or newer without starting a JVM (reads its `release`
# file). Order: $CARGOHOLD_JAVA_HOME, $JAVA_HOME, then /usr/lib/jvm/* (Debian's and Temurin's place).
cargohold_jdk() {
	local cand v major
	for cand in "${CARGOHOLD_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/*; do
		[ -n "$cand" ] && [ -x "$cand/bin/java" ] && [ -f "$cand/release" ] || continue
		v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$cand/release")
		major=${v:-0}
		if [ "$major" -ge 25 ]; then
			printf '%s\n' "$cand"
			return 0
		fi
	done
	echo "cargohold: no JDK 25 found (looked at \$CARGOHOLD_JAVA_HOME, \$JAVA_HOME and /usr/lib/jvm); install one or set CARGOHOLD_JAVA_HOME" >&2
	return 1
}

# Layer file names are UTF-8; the JDK names files in the locale's encoding (ASCII when none is set).
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
	*UTF-8*|*utf8*|*UTF8*|*utf-8*) ;;
	*) export LC_ALL=C.UTF-8 ;;
esac
