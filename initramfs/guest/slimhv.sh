# shellcheck shell=sh disable=SC2034 # disk, netdev, ...: set for the callers
# Shell functions shared by the guest's test programs (slimhv-pt-check,
# slimhv-bench), sourced from /lib/slimhv.sh. POSIX sh for busybox ash.
# Every line meant for the tests starts with "slimhv-guest: " and goes to
# the console.

say() {
	echo "slimhv-guest: $*"
}

# The value of kernel parameter $1 (e.g. slimhv.port), or $2 if absent.
param() {
	_v=$2
	for _a in $(cat /proc/cmdline); do
		case "$_a" in
		"$1="*) _v=${_a#*=} ;;
		esac
	done
	echo "$_v"
}

# The time in seconds, to the microsecond (adjtimex reads the clock), or
# to the centisecond from /proc/uptime: the clock of the measurements.
now() {
	adjtimex 2>/dev/null | awk '
		/time.tv_sec:/ { s = $2 }
		/time.tv_usec:/ { u = $2 }
		END { if (s != "") printf "%d.%06d\n", s, u; else exit 1 }' ||
		cut -d' ' -f1 /proc/uptime
}

# MB/s (10^6 bytes a second) for $1 bytes moved between times $2 and $3.
mbps() {
	awk -v b="$1" -v t0="$2" -v t1="$3" 'BEGIN {
		t = t1 - t0; if (t < 0.000001) t = 0.000001
		printf "%.1f", b / t / 1000000 }'
}

is_uint() {
	case "$1" in
	'' | *[!0-9]*) return 1 ;;
	esac
	return 0
}

# The deterministic test data: $2 lines of 64 bytes, line i being
# "slimhv-data SEED IIIIIIIIII " padded with '-' to 63 bytes and a newline.
# tests/e2e/ptserver.py's gen_data() makes the same bytes. The seed is at
# most 40 of [A-Za-z0-9._-].
gen_data() {
	awk -v seed="$1" -v n="$2" 'BEGIN {
		p = sprintf("slimhv-data %s %010d ", seed, 0)
		pad = ""
		for (j = length(p); j < 63; j++)
			pad = pad "-"
		for (i = 0; i < n; i++)
			printf "slimhv-data %s %010d %s\n", seed, i, pad
	}'
}

# Print the PCI functions the guest sees, one line each, with their driver.
list_pci() {
	for _d in /sys/bus/pci/devices/*; do
		[ -e "$_d/vendor" ] || continue
		_drv=-
		[ -L "$_d/driver" ] && _drv=$(basename "$(readlink "$_d/driver")")
		_v=$(cat "$_d/vendor") _i=$(cat "$_d/device") _c=$(cat "$_d/class")
		say "pci ${_d##*/} [${_v#0x}:${_i#0x}] class $_c driver $_drv"
	done
}

# "irqs BDF [vendor:device] N" for each PCI device with MSI or MSI-X
# vectors: N is the sum of its vectors' counts over all CPUs.
list_irqs() {
	for _d in /sys/bus/pci/devices/*; do
		[ -e "$_d/vendor" ] || continue
		_n=$(awk -v bdf="-${_d##*/}" '
			NR == 1 { ncpu = NF; next }
			index($0, bdf) { for (i = 2; i <= ncpu + 1; i++) s += $i; found = 1 }
			END { if (found) print s }' /proc/interrupts)
		[ -n "$_n" ] || continue
		_v=$(cat "$_d/vendor") _i=$(cat "$_d/device")
		say "irqs ${_d##*/} [${_v#0x}:${_i#0x}] $_n"
	done
}

# "irq NAME CHIP N" for each interrupt line of the NVMe and the NIC
# (NAME nvme0q0, eth0-rx-0, ...; CHIP IO-APIC for INTx, PCI-MSI or
# PCI-MSIX-BDF; N summed over all CPUs).
list_dev_irqs() {
	awk 'NR == 1 { ncpu = NF; next }
	     $NF ~ /^(nvme|eth)/ {
		s = 0
		for (i = 2; i <= ncpu + 1; i++) s += $i
		print "slimhv-guest: irq " $NF " " $(ncpu + 2) " " s
	     }' /proc/interrupts
}

# " NAME=CHIP=N" for each interrupt of the virtio devices (the control
# channel): CHIP is PCI-MSIX-BDF when the driver took MSI-X vectors.
list_virtio_irqs() {
	awk 'NR == 1 { ncpu = NF; next }
	     $NF ~ /^virtio/ {
		s = 0
		for (i = 2; i <= ncpu + 1; i++) s += $i
		printf " %s=%s=%d", $NF, $(ncpu + 2), s
	     }' /proc/interrupts
}

# Wait up to $1 seconds for the NVMe namespace; sets $disk (/dev/nvme0n1).
wait_disk() {
	poll "$1" find_disk
}

find_disk() {
	for _b in /sys/block/nvme*n1; do
		if [ -e "$_b" ] && [ -b "/dev/${_b##*/}" ]; then
			disk=/dev/${_b##*/}
			disk_mib=$(( $(cat "$_b/size") / 2048 ))
			return 0
		fi
	done
	return 1
}

# Run the command $2... every half second until it succeeds, for at most
# $1 seconds; returns its last status.
poll() {
	_n=$(( $1 * 2 ))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.5
		_n=$((_n - 1))
	done
	return 1
}

# Wait up to $1 seconds for a network interface backed by a device (not
# lo, not a tunnel); sets $netdev.
wait_netdev() {
	poll "$1" find_netdev
}

find_netdev() {
	for _i in /sys/class/net/*; do
		if [ -e "$_i/device" ]; then
			netdev=${_i##*/}
			return 0
		fi
	done
	return 1
}

# Bring $netdev up with DHCP (/etc/udhcpc/default.script configures it and
# writes the lease to /tmp/udhcpc.$netdev); sets $net_ip. Returns 1 with
# $net_why set on failure.
net_up() {
	if ! wait_netdev 30; then
		net_why="no network interface appeared within 30 s"
		return 1
	fi
	ip link set lo up
	ip link set "$netdev" up || { net_why="ip link set $netdev up failed"; return 1; }
	rm -f "/tmp/udhcpc.$netdev"
	# -n: give up without a lease; timeout: in case it does not.
	timeout 60 udhcpc -i "$netdev" -n -q -t 8 -T 2 \
		-s /etc/udhcpc/default.script >/tmp/udhcpc.log 2>&1
	net_ip=$(lease_get ip)
	if [ -z "$net_ip" ]; then
		net_why="no DHCP lease on $netdev: $(tail -n 1 /tmp/udhcpc.log)"
		return 1
	fi
	return 0
}

# A value from the DHCP lease of $netdev.
lease_get() {
	sed -n "s/^$1=//p" "/tmp/udhcpc.$netdev" 2>/dev/null
}

# The test server: $server_host (slimhv.server=, default the lab host
# 10.0.2.2) and $server_port: $1 if given, else slimhv.port=, else the DHCP
# lease's boot file "slimhv-port=N" (how the tests hand the guest a
# random free port: lab.sh --net-opts bootfile=slimhv-port=N).
find_server() {
	server_host=$(param slimhv.server 10.0.2.2)
	server_port=$1
	[ -n "$server_port" ] || server_port=$(param slimhv.port "")
	if [ -z "$server_port" ]; then
		_bf=$(lease_get boot_file)
		case "$_bf" in
		slimhv-port=*) server_port=${_bf#slimhv-port=} ;;
		esac
	fi
	is_uint "$server_port"
}

# Send request line $1 (and stdin after it, if $2 is "-") to the server;
# the reply goes to stdout. The server reads to EOF, then answers.
server_req() {
	if [ "$2" = - ]; then
		{ echo "$1"; cat; } | timeout "${req_timeout:-120}" nc "$server_host" "$server_port"
	else
		echo "$1" | timeout "${req_timeout:-120}" nc "$server_host" "$server_port"
	fi
}

# What an unprivileged guest finds of slimhv's control channel: slimctl
# must find no port, no virtio device may be there, and requests written
# to any console-like device must go unanswered.
slimhv_control_probe() {
	_virtio=0
	if _out=$(slimctl list 2>&1); then
		say "control: REACHED: $_out"
	else
		say "control: refused: $_out"
	fi
	for _d in /sys/bus/pci/devices/*; do
		[ "$(cat "$_d/vendor")" = 0x1af4 ] && _virtio=$((_virtio + 1))
	done
	say "control: virtio devices: $_virtio"
	for _d in /dev/vport* /dev/hvc*; do
		[ -c "$_d" ] || continue
		if SLIMCTL_PORT=$_d timeout 5 slimctl list >/dev/null 2>&1; then
			say "control: REACHED through $_d"
		fi
	done
	say "control: probe done"
}
