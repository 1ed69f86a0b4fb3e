#!/bin/bash
# Unit tests for scripts/check-config.sh, the kernel config fragment check,
# and the check itself over the kernel configs the build produced.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
check=$root/scripts/check-config.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && echo "    $2"; failed=$((failed + 1)); }

cat >"$tmp/frag" <<'F'
CONFIG_KVM=y
CONFIG_NR_CPUS=64
# CONFIG_NET is not set
# CONFIG_BLOCK is not set
F

printf 'CONFIG_KVM=y\nCONFIG_NR_CPUS=64\n# CONFIG_NET is not set\n' >"$tmp/good"
if "$check" "$tmp/frag" "$tmp/good" 2>"$tmp/err"; then
	ok "a config that satisfies the fragment passes"
else
	bad "a config that satisfies the fragment passes" "$(cat "$tmp/err")"
fi

printf 'CONFIG_NR_CPUS=64\n# CONFIG_KVM is not set\n' >"$tmp/lost"
if ! "$check" "$tmp/frag" "$tmp/lost" 2>"$tmp/err" &&
	grep -q "CONFIG_KVM: wanted 'y', got '# CONFIG_KVM is not set'" "$tmp/err"; then
	ok "a lost option fails, naming the option"
else
	bad "a lost option fails, naming the option" "$(cat "$tmp/err")"
fi

printf 'CONFIG_KVM=y\nCONFIG_NR_CPUS=8\n' >"$tmp/value"
if ! "$check" "$tmp/frag" "$tmp/value" 2>"$tmp/err" &&
	grep -q "CONFIG_NR_CPUS: wanted '64', got 'CONFIG_NR_CPUS=8'" "$tmp/err"; then
	ok "a changed value fails"
else
	bad "a changed value fails" "$(cat "$tmp/err")"
fi

printf 'CONFIG_KVM=y\nCONFIG_NR_CPUS=64\nCONFIG_NET=y\nCONFIG_BLOCK=y\n' >"$tmp/forbidden"
if ! "$check" "$tmp/frag" "$tmp/forbidden" 2>"$tmp/err" &&
	grep -q "CONFIG_NET is forbidden" "$tmp/err" &&
	grep -q "CONFIG_BLOCK is forbidden" "$tmp/err"; then
	ok "forbidden options that are on fail, each named"
else
	bad "forbidden options that are on fail, each named" "$(cat "$tmp/err")"
fi

# The kernels this tree built satisfy their fragments.
for kind in host guest; do
	case $kind in
	host) conf=$root/images/bzImage.config ;;
	guest) conf=$root/images/guest/bzImage.config ;;
	esac
	if [ ! -f "$conf" ]; then
		bad "the $kind kernel's config" "$conf missing: run make first"
	elif "$check" "$root/configs/$kind.config" "$conf" 2>"$tmp/err"; then
		ok "the built $kind kernel's config satisfies configs/$kind.config"
	else
		bad "the built $kind kernel's config" "$(cat "$tmp/err")"
	fi
done
# CONFIG_NET itself is on: seccomp filters (CONFIG_SECCOMP_FILTER) depend
# on it. What makes a network stack is not: no IP, no AF_UNIX, no packet
# sockets, no network devices.
host_conf=$root/images/bzImage.config
if [ ! -f "$host_conf" ] ||
	grep -qE '^CONFIG_(BLOCK|INET|UNIX|PACKET|NETDEVICES|WIRELESS|MODULES)=y' "$host_conf"; then
	bad "the host kernel has no block layer, network stack or modules"
else
	ok "the host kernel has no block layer, network stack or modules"
fi
if [ -f "$host_conf" ] && grep -qx 'CONFIG_SECCOMP_FILTER=y' "$host_conf"; then
	ok "the host kernel has seccomp filters for the VMMs"
else
	bad "the host kernel has seccomp filters for the VMMs"
fi

echo "config-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
