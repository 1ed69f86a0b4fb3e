#!/bin/sh
# Usage: check-config.sh FRAGMENT DOTCONFIG
# Fails, naming each option, when an option the fragment sets to y or to a
# value did not survive olddefconfig, or one it turns off is on.
set -eu
frag=$1
conf=$2
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		opt=${line%%=*}
		if ! grep -qx -- "$line" "$conf"; then
			got=$(grep -E "^$opt=|^# $opt is not set" "$conf" || true)
			echo "config check: $opt: wanted '${line#*=}', got '${got:-absent}' (a dependency is missing?)" >&2
			bad=1
		fi
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }
		opt=${opt%% *}
		if grep -qE "^$opt=" "$conf"; then
			echo "config check: $opt is forbidden but is on: $(grep -E "^$opt=" "$conf")" >&2
			bad=1
		fi
		;;
	esac
done <"$frag"
if [ "$bad" -ne 0 ]; then
	echo "config check: $conf does not satisfy $frag" >&2
	exit 1
fi
exit 0
