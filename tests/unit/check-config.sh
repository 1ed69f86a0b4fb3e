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

ok() { echo "pass $1"; passed=$((passed + 1)); }
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
if grep -qE '^CONFIG_(BLOCK|NET|MODULES)=y' "$root/images/bzImage.config" 2>/dev/null; then
	bad "the host kernel has no block layer, network stack or modules"
else
	ok "the host kernel has no block layer, network stack or modules"
fi

# Every CPU mitigation the kernel source offers for x86-64 is wanted on in
# both fragments (a newer source's new one fails here until it is added),
# and the hardening and the KVM features left out are in the host's.
. "$root/scripts/common.sh"
if [ -f "$LINUX_TARBALL" ]; then
	src=$(kernel_src)
	mits=$(sed -n 's/^config \(MITIGATION_[A-Z0-9_]*\)$/CONFIG_\1/p' "$src/arch/x86/Kconfig")
	for kind in host guest; do
		missing=""
		for opt in $mits; do
			# VMSCAPE guards KVM's host side: a guest kernel has no KVM.
			[ "$kind/$opt" = guest/CONFIG_MITIGATION_VMSCAPE ] && continue
			grep -qx "$opt=y" "$root/configs/$kind.config" || missing="$missing $opt"
		done
		if [ -z "$missing" ] && grep -qx CONFIG_CPU_MITIGATIONS=y "$root/configs/$kind.config"; then
			ok "configs/$kind.config turns on every CPU mitigation of the source ($(echo $mits | wc -w) options)"
		else
			bad "configs/$kind.config turns on every CPU mitigation" "missing:${missing:- CONFIG_CPU_MITIGATIONS}"
		fi
	done
	missing=""
	for line in CONFIG_STACKPROTECTOR_STRONG=y CONFIG_HARDENED_USERCOPY=y \
		CONFIG_INIT_ON_ALLOC_DEFAULT_ON=y CONFIG_SLAB_FREELIST_RANDOM=y \
		CONFIG_SLAB_FREELIST_HARDENED=y CONFIG_RANDOMIZE_BASE=y \
		CONFIG_SECURITY_LANDLOCK=y "# CONFIG_KVM_SMM is not set" \
		"# CONFIG_KVM_HYPERV is not set" "# CONFIG_KVM_XEN is not set"; do
		grep -qxF "$line" "$root/configs/host.config" || missing="$missing '$line'"
	done
	if [ -z "$missing" ]; then
		ok "configs/host.config has the hardening, Landlock, and no SMM, Hyper-V or Xen in KVM"
	else
		bad "configs/host.config's hardening" "missing:$missing"
	fi
else
	bad "the CPU mitigations of the kernel source" "$LINUX_TARBALL missing"
fi

echo "config-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
