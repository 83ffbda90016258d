# shellcheck shell=bash
# tests/cluster/haproxy.bash: a throw-away HAProxy in front of cofferd
# nodes, for tests that must see consecutive requests land on different
# nodes.
#
# Sourced by test scripts:
#
#	. tests/cluster/haproxy.bash
#	hap_start "$d" 127.0.0.1:P1,127.0.0.1:P2 127.0.0.1:K1,127.0.0.1:K2 \
#	    127.0.0.1:R1,127.0.0.1:R2
#	trap 'hap_stop "$d"' EXIT
#
# or run as a command, for wrappers in other languages:
#
#	tests/cluster/haproxy.bash start DIR OSS KMS [RTMP]	# prints the ports
#	tests/cluster/haproxy.bash stop DIR
#
# OSS, KMS and RTMP are comma-separated HOST:PORT lists of the nodes. The
# proxy listens on 127.0.0.1 on ports that were free, written to DIR/ports
# (and printed) as "oss=P kms=P rtmp=P" (rtmp=off without RTMP nodes).
# HAP_PORTS="P P P" chooses them instead (nodes told the balancer's
# addresses before it starts): one try, no other ports.
# OSS and KMS are proxied per request: a new connection to the next node
# for every request, however long the client keeps its own connection, so
# a test's consecutive requests alternate nodes. Each response carries
# x-coffer-test-node (the node's index, from 1) for tests that check so.
# RTMP is proxied per connection (round-robin too).
#
# The suite sends malformed and oversized requests on purpose and some of
# its requests take minutes: the proxy lets them through to the nodes,
# waits as long as they do, and never sends a request twice.
#
# Run as root, HAProxy drops to the user tests/cluster/pg.bash runs
# PostgreSQL as (after reading its configuration and binding). hap_stop
# ends the HAProxy whose PID is in DIR/pid, only while that PID is an
# haproxy of DIR's configuration, and may be called any number of times,
# from an EXIT trap too. HAPROXY overrides the binary.
#
# The functions return non-zero on failure (HAProxy's messages are in
# DIR/log) and change no shell option of their caller.

# The user, the free-port picker: pg.bash's.
# shellcheck source=tests/cluster/pg.bash
. "$(dirname "${BASH_SOURCE[0]}")/pg.bash"

_hap_err() { echo "haproxy.bash: $*" >&2; return 1; }

_hap_bin() {
	local b=${HAPROXY:-}
	[[ -n "$b" ]] || b=$(command -v haproxy 2>/dev/null) ||
	    b=/usr/sbin/haproxy
	[[ -x "$b" ]] || { _hap_err "no haproxy binary (set HAPROXY)"; return 1; }
	printf '%s\n' "$b"
}

# hap_need NAME: the binary, else pg_missing (skip, or fail under make
# test).
hap_need() {
	_hap_bin >/dev/null 2>&1 || pg_missing "$1" "haproxy"
}

_hap_live_pid() {
	local dir=$1 pid cmd
	[[ -r "$dir/pid" ]] || return 1
	read -r pid <"$dir/pid" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *haproxy*" -f $dir/haproxy.cfg"* ]] || return 1
	printf '%s\n' "$pid"
}

# _hap_servers LIST [http]: the server lines of a backend.
_hap_servers() {
	local list=$1 i=0 a
	local -a nodes
	IFS=, read -r -a nodes <<<"$list"
	[[ -z "${2:-}" ]] ||
	    printf '\thttp-response set-header x-coffer-test-node %%[srv_id]\n'
	for a in "${nodes[@]}"; do
		printf '\tserver n%d %s\n' $(( ++i )) "$a"
	done
}

_hap_conf() {
	local dir=$1 oss=$2 kms=$3 rtmp=$4 po=$5 pk=$6 pr=$7 grp
	{
		printf 'global\n'
		printf '\tpidfile %s/pid\n' "$dir"
		printf '\tmaxconn 1024\n'
		# Requests with heads of 512 KiB and hundreds of headers
		# reach the nodes, which decide about them.
		printf '\ttune.bufsize 1114112\n'
		printf '\ttune.maxrewrite 16384\n'
		printf '\ttune.http.maxhdr 4096\n'
		if (( EUID == 0 )); then
			grp=$(id -gn "$PG_TEST_USER") || return 1
			printf '\tuser %s\n\tgroup %s\n' "$PG_TEST_USER" "$grp"
		fi
		cat <<-'EOF'

		defaults
			mode http
			option accept-invalid-http-request
			option accept-invalid-http-response
			option http-server-close
			option http-ignore-probes
			no option redispatch
			retries 0
			timeout connect 10s
			timeout client 20m
			timeout server 20m
			timeout http-request 20m
			timeout http-keep-alive 20m
			timeout tunnel 20m
			timeout queue 20m

		EOF
		printf 'frontend oss\n\tbind 127.0.0.1:%s\n\tdefault_backend oss\n' "$po"
		printf 'backend oss\n\tbalance roundrobin\n'
		_hap_servers "$oss" http
		printf 'frontend kms\n\tbind 127.0.0.1:%s\n\tdefault_backend kms\n' "$pk"
		printf 'backend kms\n\tbalance roundrobin\n'
		_hap_servers "$kms" http
		if [[ -n "$rtmp" ]]; then
			# A defaults of its own: nothing of HTTP applies.
			printf '\ndefaults\n\tmode tcp\n\tretries 0\n'
			printf '\ttimeout %s 20m\n' connect client server
			printf 'listen rtmp\n\tbind 127.0.0.1:%s\n' "$pr"
			printf '\tbalance roundrobin\n'
			_hap_servers "$rtmp"
		fi
	} >"$dir/haproxy.cfg"
}

hap_start() {
	local dir=${1:?hap_start DIR OSS KMS [RTMP]} oss=${2:?} kms=${3:?}
	local rtmp=${4:-} bin po pk pr try tries
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	bin=$(_hap_bin) || return 1
	if _hap_live_pid "$dir" >/dev/null; then
		return 0
	fi
	_pg_user || return 1
	mkdir -p "$dir" || return 1
	# Chosen ports get one try: the nodes name them.
	tries=5
	[[ -z "${HAP_PORTS:-}" ]] || tries=1
	for (( try = 0; try < tries; try++ )); do
		if [[ -n "${HAP_PORTS:-}" ]]; then
			read -r po pk pr <<<"$HAP_PORTS"
		else
			po=$(_pg_free_port) && pk=$(_pg_free_port) &&
			    pr=$(_pg_free_port) || return 1
		fi
		[[ "$po" != "$pk" && "$pk" != "$pr" && "$po" != "$pr" ]] ||
		    continue
		_hap_conf "$dir" "$oss" "$kms" "$rtmp" "$po" "$pk" "$pr" ||
		    return 1
		"$bin" -c -q -f "$dir/haproxy.cfg" >"$dir/log" 2>&1 ||
		    _hap_err "bad configuration (see $dir/log)" || return 1
		# -D: the parent returns once the child has bound the ports
		# (non-zero if it could not) and written DIR/pid.
		if "$bin" -D -f "$dir/haproxy.cfg" </dev/null >>"$dir/log" 2>&1 &&
		    _hap_live_pid "$dir" >/dev/null; then
			[[ -n "$rtmp" ]] || pr=off
			printf 'oss=%s kms=%s rtmp=%s\n' "$po" "$pk" "$pr" \
			    >"$dir/ports"
			return 0
		fi
		grep -q 'cannot bind\|Address already in use' "$dir/log" ||
		    break
	done
	_hap_err "haproxy did not start (see $dir/log)"
}

hap_stop() {
	local dir=${1:?hap_stop DIR} pid i
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	if pid=$(_hap_live_pid "$dir"); then
		# SIGTERM: stop now, open client connections included.
		kill -TERM "$pid" 2>/dev/null
		for (( i = 0; i < 600; i++ )); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null; then
			_hap_err "haproxy of $dir did not stop"
			return 1
		fi
	fi
	rm -f "$dir/pid"
	return 0
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	case "${1:-}:${2:-}" in
	start:?*)	hap_start "$2" "${3:-}" "${4:-}" "${5:-}" &&
			    cat "$2/ports" ;;
	stop:?*)	hap_stop "$2" ;;
	*)	echo "usage: $0 start DIR OSS KMS [RTMP] | stop DIR" >&2; exit 2 ;;
	esac
fi
