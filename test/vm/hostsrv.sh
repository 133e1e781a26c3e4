# shellcheck shell=bash disable=SC2034 # HOSTSRV_PORT is read by the scenario hooks
# Dump servers on the host's loopback for the network scenarios, and their
# guest side.  Sourced by common.sh; used from scenario.conf hooks.
#
# The guest reaches them only through qemu user networking with restrict=on
# and guestfwd rules to 127.0.0.1 (run-scenarios.sh turns NET_FWD into the
# -netdev option): nothing else is ever a traffic target.  Every server runs
# in the foreground under this shell, is found by its pid, waited for with a
# bound, and stopped by host_servers_stop (run-scenarios.sh calls it from a
# trap on every exit of a scenario).
#
#   ssh_server_start DIR [ssh|ssh-other]   sshd (own config, host key, port),
#        root by key only, chrooted to DIR/srv, internal-sftp only
#   nfs_server_start DIR                   nfs-ganesha (VFS FSAL, NFSv4 only),
#        exporting DIR/export as /export
#   host_servers_stop

HOSTSRV_PIDS=()
HOSTSRV_LINKS=()
HOSTSRV_PORT=

# A TCP port nothing listens on at 127.0.0.1 (the server's own start is the
# final check; callers retry).
free_port() {
	local p
	for _ in $(seq 20); do
		p=$((20000 + RANDOM % 20000))
		ss -ltnH "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# wait_listen PID PORT TENTHS: until 127.0.0.1:PORT listens or PID is gone.
wait_listen() {
	local i
	for ((i = 0; i < $3; i++)); do
		ss -ltnH "sport = :$2" 2>/dev/null | grep -q . && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_pid PID: TERM (children too: sshd's per-connection processes), then
# KILL after 5 s; bounded.
stop_pid() {
	local pid=$1 kids
	kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
	# shellcheck disable=SC2086 # a list of pids
	kill -CONT "$pid" $kids 2>/dev/null
	# shellcheck disable=SC2086
	kill -TERM "$pid" $kids 2>/dev/null
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	# shellcheck disable=SC2086
	kill -KILL "$pid" $kids 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# servers_signal SIG: SIG to every server started here and its children
# (STOP: a server that hangs; KILL: one that dies, its sessions with it)
descendants() { # PID: its children, theirs, ... (sshd: session, privsep child)
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}
servers_signal() {
	local p kids
	for p in ${HOSTSRV_PIDS[@]+"${HOSTSRV_PIDS[@]}"}; do
		kids=$(descendants "$p" | tr '\n' ' ')
		# shellcheck disable=SC2086 # a list of pids
		kill "-$1" "$p" $kids 2>/dev/null
		log "servers_signal: $1 to $p $kids"
	done
}

# server_signal N SIG: SIG to the Nth server started here (0: the first) and
# its children; a chain of targets loses one server and keeps the others
server_signal() {
	local p=${HOSTSRV_PIDS[$1]:-} kids
	[ -n "$p" ] || { log "server_signal: no server $1"; return 1; }
	kids=$(descendants "$p" | tr '\n' ' ')
	# shellcheck disable=SC2086 # a list of pids
	kill "-$2" "$p" $kids 2>/dev/null
	log "server_signal: $2 to server $1 ($p $kids)"
}

host_servers_stop() {
	local p l
	for p in ${HOSTSRV_PIDS[@]+"${HOSTSRV_PIDS[@]}"}; do stop_pid "$p"; done
	HOSTSRV_PIDS=()
	for l in ${HOSTSRV_LINKS[@]+"${HOSTSRV_LINKS[@]}"}; do rm -f "$l"; done
	HOSTSRV_LINKS=()
}

# ssh_keys DIR: the host key, a second ("impostor") host key, and the
# client key kdump uses, all ed25519 (libssh2 1.10 cannot do RSA-SHA2).
ssh_keys() {
	mkdir -p "$1/keys"
	ssh-keygen -q -t ed25519 -N '' -C kdvm-host -f "$1/keys/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C kdvm-impostor -f "$1/keys/other_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C kdump -f "$1/keys/kdump_id_ed25519"
	install -m 0600 "$1/keys/kdump_id_ed25519.pub" "$1/keys/authorized_keys"
}

# ssh_server_start DIR: sshd on 127.0.0.1:<free port>, in HOSTSRV_PORT (not
# in a command substitution: the pid must stay in this shell's list).
# sshd insists that every component of ChrootDirectory be root-owned and not
# group/world-writable, which the run dir under /var/tmp (1777) is not: the
# chroot is named through a symlink in /run/kdumpkit-vm/ (stat follows it,
# chroot(2) resolves it), removed again by host_servers_stop.
ssh_server_start() {
	local dir=$1 port link pid
	[ -x /usr/sbin/sshd ] || { log "ssh_server_start: /usr/sbin/sshd missing (openssh-server)"; return 1; }
	mkdir -p /run/sshd /run/kdumpkit-vm "$dir/srv/var"
	chown root:root "$dir/srv" "$dir/srv/var"
	chmod 0755 "$dir/srv" "$dir/srv/var"
	chmod 0755 /run/kdumpkit-vm
	link=/run/kdumpkit-vm/srv-$$-$BASHPID
	ln -sfn "$dir/srv" "$link"
	HOSTSRV_LINKS+=("$link")
	for _ in 1 2 3; do
		port=$(free_port) || return 1
		cat >"$dir/sshd_config" <<EOF
ListenAddress 127.0.0.1:$port
HostKey $dir/keys/host_ed25519
AuthorizedKeysFile $dir/keys/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthenticationMethods publickey
StrictModes no
UsePAM no
AllowUsers root
ChrootDirectory $link
ForceCommand internal-sftp
Subsystem sftp internal-sftp
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOF
		/usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>>"$dir/sshd.log" </dev/null &
		pid=$!
		if wait_listen "$pid" "$port" 50; then
			HOSTSRV_PIDS+=("$pid")
			HOSTSRV_PORT=$port
			return 0
		fi
		stop_pid "$pid"
	done
	log "sshd did not start: $(tail -n 3 "$dir/sshd.log" | tr '\n' ' ')"
	return 1
}

# nfs_server_start DIR: ganesha on 127.0.0.1:<free port>, NFSv4 only
# (without rpcbind Debian's ganesha cannot serve v3); port in HOSTSRV_PORT.
# Graceless: no 90 s grace period before the first write.  Its CRIT lines
# about dbus and "Cannot register" are harmless.
nfs_server_start() {
	local dir=$1 port pid
	command -v ganesha.nfsd >/dev/null || { log "nfs_server_start: ganesha.nfsd missing (nfs-ganesha nfs-ganesha-vfs)"; return 1; }
	mkdir -p "$dir/export" "$dir/ganesha"
	for _ in 1 2 3; do
		port=$(free_port) || return 1
		cat >"$dir/ganesha.conf" <<EOF
NFS_CORE_PARAM {
	Protocols = 4;
	NFS_Port = $port;
	Bind_addr = 127.0.0.1;
	Enable_NLM = false;
	Enable_RQUOTA = false;
}
NFSv4 { Graceless = true; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT {
	Export_Id = 1;
	Path = $dir/export;
	Pseudo = /export;
	Access_Type = RW;
	Squash = No_Root_Squash;
	SecType = sys;
	Protocols = 4;
	Transports = TCP;
	FSAL { Name = VFS; }
}
EOF
		ganesha.nfsd -F -f "$dir/ganesha.conf" -L "$dir/ganesha.log" -p "$dir/ganesha/pid" \
			-N NIV_WARN </dev/null >>"$dir/ganesha.out" 2>&1 &
		pid=$!
		if wait_listen "$pid" "$port" 100; then
			HOSTSRV_PIDS+=("$pid")
			HOSTSRV_PORT=$port
			return 0
		fi
		stop_pid "$pid"
	done
	log "ganesha did not start: $(tail -n 3 "$dir/ganesha.log" | tr '\n' ' ')"
	return 1
}

# --- guest side (from setup_tree, in mkimage.sh) ------------------------------
# guest_network TREE: the first kernel's network, as a network-target
# system has it: systemd-networkd, DHCP on the NIC (qemu's own server gives
# 10.0.2.15), and kdump.service waiting for network-online.target (kdumpctl
# looks up the route to the target and probes it).
guest_network() {
	mkdir -p "$1/etc/systemd/network" "$1/etc/systemd/system/kdump.service.d"
	printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' >"$1/etc/systemd/network/50-kdvm.network"
	systemctl --root "$1" --quiet enable systemd-networkd.service systemd-networkd-wait-online.service
	printf '[Unit]\nWants=network-online.target\nAfter=network-online.target\n' \
		>"$1/etc/systemd/system/kdump.service.d/50-kdvm-network.conf"
}

# ssh_guest_keys TREE HOSTDIR IP [host|other]: the client key at
# /root/.ssh/kdump_id_ed25519 and the server's host key pinned for IP in
# /var/lib/kdump/known_hosts, as `kdumpctl propagate` records it (the
# address, unhashed); "other" pins the impostor key instead.
ssh_guest_keys() {
	local tree=$1 hd=$2 ip=$3 which=${4:-host} pub
	install -d -m 0700 "$tree/root/.ssh" "$tree/var/lib/kdump"
	install -m 0600 "$hd/keys/kdump_id_ed25519" "$tree/root/.ssh/kdump_id_ed25519"
	install -m 0644 "$hd/keys/kdump_id_ed25519.pub" "$tree/root/.ssh/kdump_id_ed25519.pub"
	case "$which" in
	host) pub=$hd/keys/host_ed25519.pub ;;
	other) pub=$hd/keys/other_ed25519.pub ;;
	*) return 1 ;;
	esac
	printf '%s %s\n' "$ip" "$(cut -d' ' -f1,2 "$pub")" >"$tree/var/lib/kdump/known_hosts"
	chmod 0600 "$tree/var/lib/kdump/known_hosts"
}

# --- host-side checks ---------------------------------------------------------
# initramfs_list RUN_DIR OUT: the file list of the capture initramfs that the
# run left in root.img (/var/lib/kdump/initramfs-*kdump.img), via the guest
# suite's own lsinitrd, chrooted in its build tree: the host's dracut 059
# lists only the early cpio of a dracut 112 image (zstd after it).
initramfs_list() {
	local run=$1 out=$2 name
	name=$("$HOST_PYTHON" "$VM_DIR/fsread.py" "$run/root.img" ls /var/lib/kdump 2>/dev/null |
		awk '$1 == "f" && $3 ~ /^initramfs-.*kdump\.img$/ { print $3 }' | head -n 1)
	[ -n "$name" ] || { echo "no /var/lib/kdump/initramfs-*kdump.img in root.img"; return 1; }
	rm -rf "$run/initramfs"
	mkdir -p "$run/initramfs"
	timeout 120 "$HOST_PYTHON" "$VM_DIR/fsread.py" "$run/root.img" get "/var/lib/kdump/$name" "$run/initramfs" ||
		{ echo "cannot copy $name out of root.img"; return 1; }
	local tmp=/tmp/kdvm-lsinitrd-$BASHPID.img rc=0
	cp "$run/initramfs/$name" "$BTREE$tmp" || { echo "cannot copy $name into $BTREE"; return 1; }
	timeout 120 chroot "$BTREE" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		lsinitrd "$tmp" >"$out" 2>"$run/initramfs/lsinitrd.err" || rc=$?
	rm -f "$BTREE$tmp"
	[ "$rc" = 0 ] || { echo "lsinitrd $name failed: $(head -c 200 "$run/initramfs/lsinitrd.err")"; return 1; }
	echo "$name"
}

# initramfs_check RUN_DIR "REGEX..." "REGEX...": every file-list regex of the
# first list must match, none of the second.  Prints details or the reason.
initramfs_check() {
	local run=$1 want=$2 reject=$3 list=$1/initramfs.list name re hit
	name=$(initramfs_list "$run" "$list") || { echo "$name"; return 1; }
	for re in $want; do
		grep -qE "$re" "$list" || { echo "capture initramfs $name lacks /$re/"; return 1; }
	done
	for re in $reject; do
		hit=$(grep -E "$re" "$list" | head -n 1 | awk '{ print $NF }')
		[ -z "$hit" ] || { echo "capture initramfs $name holds $hit (/$re/)"; return 1; }
	done
	echo "initramfs $((($(stat -c %s "$run/initramfs/$name") + 524288) / 1048576))MiB ok"
}

# dump_modes ROOT PATH: the one dump directory under ROOT/PATH is 0700, its
# files 0600.
dump_modes() {
	local d f m
	d=$(find "$1/$2" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	[ -n "$d" ] || { echo "no dump directory in $1/$2"; return 1; }
	m=$(stat -c %a "$d")
	[ "$m" = 700 ] || { echo "${d##*/} has mode $m, expected 700"; return 1; }
	for f in "$d"/*; do
		m=$(stat -c %a "$f")
		[ "$m" = 600 ] || { echo "${d##*/}/${f##*/} has mode $m, expected 600"; return 1; }
	done
	echo "modes 700/600"
}

# chain_record DIR MEMBER EARLIER: the dump directory in DIR (the copy
# verify-dump.sh kept) holds the status record of a chain's saving member:
# result=saved, target=MEMBER ("2 of 2"), and earlier_target_1= starting
# with EARLIER (empty: no earlier member failed)
chain_record() {
	local d st
	d=$(find "$1" -mindepth 1 -maxdepth 1 -type d | head -n 1)
	st=$d/kdump-capture.status
	[ -f "$st" ] || { echo "no kdump-capture.status in ${d:-$1}"; return 1; }
	if ! grep -qx 'result=saved' "$st" || ! grep -qx "target=$2" "$st"; then
		echo "status record: $(tr '\n' ' ' <"$st")(expected result=saved, target=$2)"; return 1
	fi
	if [ -n "$3" ]; then
		grep -q "^earlier_target_1=$3" "$st" || { echo "status record lacks earlier_target_1=$3...: $(tr '\n' ' ' <"$st")"; return 1; }
	elif grep -q '^earlier_target' "$st"; then
		echo "status record names an earlier failure: $(tr '\n' ' ' <"$st")"; return 1
	fi
}

# no_dump_under DIR: no vmcore of any name below DIR (a server's tree)
no_dump_under() {
	local f
	f=$(find "$1" -name 'vmcore*' 2>/dev/null | head -n 3 | tr '\n' ' ')
	[ -z "$f" ] || { echo "$1 holds $f"; return 1; }
}

# root_free_mib IMAGE: MiB available (as df and statvfs's f_bavail count:
# the blocks reserved for root left out) on the ext4 file system in IMAGE,
# read with dumpe2fs
root_free_mib() {
	dumpe2fs -h "$1" 2>/dev/null | awk -F: '
		/^Free blocks/ { free = $2 } /^Reserved block count/ { rsv = $2 } /^Block size/ { bs = $2 }
		END { if (free == "" || bs == "") exit 1; printf "%d\n", (free - rsv) * bs / 1048576 }'
}
