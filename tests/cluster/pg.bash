# shellcheck shell=bash
# tests/cluster/pg.bash: a throw-away PostgreSQL server for tests.
#
# Sourced by test scripts:
#
#	. tests/cluster/pg.bash
#	pg_start "$d"; trap 'pg_stop "$d"' EXIT
#	set -a; . "$d/env"; set +a	# PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE
#	psql -c 'SELECT 1'
#
# or run as a command, for wrappers in other languages:
#
#	tests/cluster/pg.bash start DIR		# prints the URL
#	tests/cluster/pg.bash stop|restart|kill|promote DIR
#	tests/cluster/pg.bash standby PRIMARY DIR	# prints DIR's URL
#
# pg_start DIR makes DIR (0700) and, the first time, a cluster in
# DIR/data: superuser coffer_admin (password in DIR/pw), role and
# database coffer (URL in DIR/url, libpq variables in DIR/env, KEY=value
# lines), a throw-away CA (DIR/ca.crt) and a server certificate for
# localhost and 127.0.0.1, so clients can ask for sslmode=verify-full
# sslrootcert=DIR/ca.crt. The server listens on 127.0.0.1 on a port that
# was free (DIR/port) and on a unix socket in DIR, with fsync on:
# durability is tested against it. Only initdb skips its fsyncs.
# A later pg_start on the same DIR starts that cluster again, same port.
#
# pg_standby PRIMARY DIR makes DIR a streaming standby of PRIMARY's
# running server (a base backup, its own port and certificates, started)
# and makes it synchronous: the primary's commits return once the
# standby has flushed them, so a failover loses nothing acknowledged.
# DIR/url names both servers with target_session_attrs=read-write, as a
# node of a cluster that fails over is configured: libpq connects to
# whichever of them takes writes. pg_promote DIR makes it the primary.
#
# pg_stop (fast shutdown, waits), pg_restart and pg_kill (SIGKILL of the
# postmaster, then of its backends, as a crashed node) act on the server
# whose PID pg_start recorded in DIR/pid, only while that PID is still a
# postgres of DIR/data, and do nothing when there is none: each may be
# called any number of times, from an EXIT trap too.
#
# PostgreSQL refuses to run as root. Run as root (the test chroots), the
# server runs as the system user coffer-test, created if missing; run as
# anyone else, as that user. Nothing here uses a system PostgreSQL
# service. PG_BIN overrides where initdb, pg_ctl and postgres are found.
#
# The functions return non-zero on failure (the server log is
# DIR/log) and change no shell option of their caller.

PG_TEST_USER=${PG_TEST_USER:-coffer-test}
# Connections the server takes, at its first start (cofferd holds several).
PG_MAX_CONNECTIONS=${PG_MAX_CONNECTIONS:-100}

# The directory holding initdb, pg_ctl and postgres: PG_BIN, else the
# newest /usr/lib/postgresql/N/bin (Debian), else the PATH.
_pg_bin() {
	local d v best=""
	if [[ -n "${PG_BIN:-}" ]]; then
		printf '%s\n' "$PG_BIN"
		return 0
	fi
	for d in /usr/lib/postgresql/*/bin; do
		[[ -x "$d/initdb" ]] || continue
		v=${d%/bin}; v=${v##*/}
		if [[ -z "$best" ]] || (( ${v%%.*} > ${best%%.*} )); then
			best=$v
		fi
	done
	if [[ -n "$best" ]]; then
		printf '%s\n' "/usr/lib/postgresql/$best/bin"
	elif d=$(command -v initdb); then
		printf '%s\n' "${d%/*}"
	else
		echo "pg.bash: no PostgreSQL server binaries (set PG_BIN)" >&2
		return 1
	fi
}

_pg_err() { echo "pg.bash: $*" >&2; return 1; }

# Runs a command as the server's user, from DIR (the caller's working
# directory may be closed to that user, and initdb refuses then).
_pg_as() {
	local dir=$1; shift
	if (( EUID == 0 )); then
		(cd "$dir" && runuser -u "$PG_TEST_USER" -- "$@")
	else
		(cd "$dir" && "$@")
	fi
}

_pg_user() {
	(( EUID == 0 )) || return 0
	id -u "$PG_TEST_USER" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin "$PG_TEST_USER" 2>/dev/null ||
	    id -u "$PG_TEST_USER" >/dev/null 2>&1 ||	# made meanwhile
	    _pg_err "cannot create user $PG_TEST_USER"
}

_pg_secret() {
	od -An -N24 -tx1 /dev/urandom | tr -d ' \n'
}

# A TCP port on 127.0.0.1 nobody answers on. Another process may take
# it before the server binds it: _pg_first_start then picks again.
_pg_free_port() {
	local p i
	for (( i = 0; i < 200; i++ )); do
		p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			printf '%s\n' "$p"
			return 0
		fi
	done
	_pg_err "no free TCP port found"
}

# The PID in DIR/pid if it is alive and a postgres of DIR/data.
_pg_live_pid() {
	local dir=$1 pid cmd
	[[ -r "$dir/pid" ]] || return 1
	read -r pid <"$dir/pid" || return 1
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r "/proc/$pid/cmdline" ]] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *postgres*" -D $dir/data"* ]] || return 1
	printf '%s\n' "$pid"
}

_pg_certs() {
	local dir=$1 ext
	ext=$(printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
	    'keyUsage=critical,digitalSignature,keyEncipherment' \
	    'extendedKeyUsage=serverAuth' \
	    'subjectAltName=DNS:localhost,IP:127.0.0.1')
	# shellcheck disable=SC2015 # any step failing is the one error
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 30 \
	    -subj "/CN=coffer test CA" \
	    -addext 'basicConstraints=critical,CA:TRUE' \
	    -addext 'keyUsage=critical,keyCertSign,cRLSign' 2>/dev/null &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -keyout "$dir/server.key" -out "$dir/server.csr" \
	    -subj "/CN=localhost" 2>/dev/null &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" \
	    -CAkey "$dir/ca.key" -set_serial "0x$(_pg_secret | cut -c1-16)" \
	    -days 30 -out "$dir/server.crt" -extfile <(printf '%s\n' "$ext") \
	    2>/dev/null || {
		_pg_err "openssl could not make the test certificates"
		return 1
	}
	rm -f "$dir/server.csr"
	chmod 0600 "$dir/ca.key" "$dir/server.key"
	chmod 0644 "$dir/ca.crt" "$dir/server.crt"
}

_pg_conf() {
	local dir=$1 port=$2
	# Whole files: nothing from initdb's defaults decides who may log in.
	cat >"$dir/data/pg_hba.conf" <<-'EOF'
	# TYPE	DATABASE	USER	ADDRESS		METHOD
	local	all		all			scram-sha-256
	host	all		all	127.0.0.1/32	scram-sha-256
	host	replication	coffer_admin	127.0.0.1/32	scram-sha-256
	EOF
	cat >"$dir/data/coffer-test.conf" <<-EOF
	listen_addresses = '127.0.0.1'
	port = $port
	unix_socket_directories = '$dir'
	unix_socket_permissions = 0700
	max_connections = $PG_MAX_CONNECTIONS
	shared_buffers = 32MB
	password_encryption = 'scram-sha-256'
	fsync = on
	synchronous_commit = on
	full_page_writes = on
	wal_sync_method = fdatasync
	ssl = on
	ssl_cert_file = '$dir/server.crt'
	ssl_key_file = '$dir/server.key'
	ssl_ca_file = '$dir/ca.crt'
	huge_pages = off
	log_min_messages = warning
	log_line_prefix = '%m [%p] '
	EOF
	grep -q "^include 'coffer-test.conf'" "$dir/data/postgresql.conf" ||
	    echo "include 'coffer-test.conf'" >>"$dir/data/postgresql.conf"
	if (( EUID == 0 )); then
		chown "$PG_TEST_USER:" "$dir/data/pg_hba.conf" \
		    "$dir/data/coffer-test.conf"
	fi
}

# Starts the cluster of DIR/data on DIR/port; records the PID.
_pg_ctl_start() {
	local dir=$1 bin=$2 pid
	_pg_as "$dir" "$bin/pg_ctl" start -D "$dir/data" -l "$dir/log" -w -t 60 \
	    -s || return 1
	read -r pid <"$dir/data/postmaster.pid" || return 1
	printf '%s\n' "$pid" >"$dir/pid"
	_pg_live_pid "$dir" >/dev/null
}

_pg_first_start() {
	local dir=$1 bin=$2 port try
	for (( try = 0; try < 5; try++ )); do
		port=$(_pg_free_port) || return 1
		_pg_conf "$dir" "$port"
		printf '%s\n' "$port" >"$dir/port"
		_pg_ctl_start "$dir" "$bin" && return 0
		grep -q 'could not bind\|Address already in use' "$dir/log" ||
		    break
	done
	_pg_err "the server did not start (see $dir/log)"
}

# pg_psql DIR [SQL...]: psql as the superuser on DIR's server, database
# postgres: each SQL a -c, or the statements on stdin without one.
pg_psql() {
	local dir=$1; shift
	PGPASSWORD=$(<"$dir/pw") psql -X -q -At -v ON_ERROR_STOP=1 -h "$dir" \
	    -p "$(<"$dir/port")" -U coffer_admin -d postgres "${@/#/-c}"
}

pg_start() {
	local dir=${1:?pg_start DIR} bin apw upw port
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	bin=$(_pg_bin) || return 1
	if _pg_live_pid "$dir" >/dev/null; then
		return 0
	fi
	_pg_user || return 1
	mkdir -p "$dir" && chmod 0700 "$dir" || return 1
	if (( EUID == 0 )); then
		chown "$PG_TEST_USER:" "$dir" || return 1
		if ! runuser -u "$PG_TEST_USER" -- test -x "$dir"; then
			_pg_err "$PG_TEST_USER cannot reach $dir (its parents need o+x)"
			return 1
		fi
	fi
	if [[ -f "$dir/data/PG_VERSION" && -f "$dir/url" ]]; then
		_pg_ctl_start "$dir" "$bin" ||
		    _pg_err "the server did not start (see $dir/log)"
		return
	fi

	# First start: a new cluster (any half-made one before it goes).
	rm -rf "$dir/data"
	apw=$(_pg_secret) && upw=$(_pg_secret) || return 1
	(umask 077; printf '%s\n' "$apw" >"$dir/pw") || return 1
	_pg_certs "$dir" || return 1
	if (( EUID == 0 )); then
		chown "$PG_TEST_USER:" "$dir/pw" "$dir/ca.key" "$dir/ca.crt" \
		    "$dir/server.key" "$dir/server.crt" || return 1
	fi
	_pg_as "$dir" "$bin/initdb" -D "$dir/data" -U coffer_admin \
	    --pwfile="$dir/pw" -A scram-sha-256 --locale=C -E UTF8 \
	    --no-sync --no-instructions >"$dir/initdb.log" 2>&1 ||
	    _pg_err "initdb failed (see $dir/initdb.log)" || return 1
	_pg_first_start "$dir" "$bin" || return 1
	port=$(<"$dir/port")

	pg_psql "$dir" >/dev/null <<-EOF || return 1
	CREATE ROLE coffer LOGIN PASSWORD '$upw';
	CREATE DATABASE coffer OWNER coffer TEMPLATE template0
	    ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C';
	EOF
	(umask 077
	 printf '%s\n' PGHOST=127.0.0.1 "PGPORT=$port" PGUSER=coffer \
	     "PGPASSWORD=$upw" PGDATABASE=coffer >"$dir/env"
	 printf 'postgresql://coffer:%s@127.0.0.1:%s/coffer\n' \
	     "$upw" "$port" >"$dir/url") || return 1
}

# pg_missing NAME WHAT: a test script that cannot run without WHAT
# skips (exit 77), except under `make test` (COFFER_MAKE_TEST), whose deps
# install it: there it fails.
pg_missing() {
	if [[ -n "${COFFER_MAKE_TEST:-}" ]]; then
		echo "$1: FAIL: no $2 (make deps installs it)" >&2
		exit 1
	fi
	echo "$1: SKIP: no $2" >&2
	exit 77
}

# pg_need_server NAME: the server binaries, else pg_missing.
pg_need_server() {
	[[ -x "$(_pg_bin 2>/dev/null)/initdb" ]] ||
	    pg_missing "$1" "PostgreSQL server binaries"
}

pg_stop() {
	local dir=${1:?pg_stop DIR} bin pid i
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	if pid=$(_pg_live_pid "$dir"); then
		bin=$(_pg_bin) || return 1
		_pg_as "$dir" "$bin/pg_ctl" stop -D "$dir/data" -m fast -w \
		    -t 60 -s >/dev/null 2>&1
		i=0
		while kill -0 "$pid" 2>/dev/null && (( i++ < 600 )); do
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			_pg_err "the server of $dir did not stop"
			return 1
		fi
	fi
	rm -f "$dir/pid"
	return 0
}

pg_restart() {
	local dir=${1:?pg_restart DIR}
	pg_stop "$dir" && pg_start "$dir"
}

# SIGKILL: the postmaster first, then the backends it leaves (a new
# postmaster refuses to start while they hold the shared memory).
pg_kill() {
	local dir=${1:?pg_kill DIR} pid kids p i
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	if pid=$(_pg_live_pid "$dir"); then
		kids=$(ps -o pid= --ppid "$pid" 2>/dev/null)
		kill -KILL "$pid" 2>/dev/null
		for p in $kids; do
			kill -KILL "$p" 2>/dev/null
		done
		for p in "$pid" $kids; do
			for (( i = 0; i < 100; i++ )); do
				kill -0 "$p" 2>/dev/null || break
				sleep 0.05
			done
		done
	fi
	rm -f "$dir/pid"
	return 0
}

pg_standby() {
	local primary=${1:?pg_standby PRIMARY DIR} dir=${2:?} bin port pport
	local f i upw
	[[ "$primary" == /* ]] || primary="$PWD/$primary"
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	bin=$(_pg_bin) || return 1
	_pg_live_pid "$primary" >/dev/null ||
	    _pg_err "no server running in $primary" || return 1
	mkdir -p "$dir" && chmod 0700 "$dir" || return 1
	for f in pw env ca.key ca.crt server.key server.crt; do
		cp -p "$primary/$f" "$dir/$f" || return 1
	done
	(( EUID != 0 )) || chown "$PG_TEST_USER:" "$dir" "$dir"/* || return 1
	pport=$(<"$primary/port")
	rm -rf "$dir/data"
	_pg_as "$dir" env PGPASSWORD="$(<"$primary/pw")" "$bin/pg_basebackup" \
	    -h 127.0.0.1 -p "$pport" -U coffer_admin -D "$dir/data" \
	    -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
	    _pg_err "pg_basebackup failed (see $dir/basebackup.log)" || return 1
	port=$(_pg_free_port) || return 1
	_pg_conf "$dir" "$port"
	printf '%s\n' "$port" >"$dir/port"
	# Streams from the primary; after a restart of it, back within 0.2 s
	# (its commits wait for this standby meanwhile).
	cat >>"$dir/data/coffer-test.conf" <<-EOF
	primary_conninfo = 'host=127.0.0.1 port=$pport user=coffer_admin password=$(<"$primary/pw") application_name=standby'
	wal_retrieve_retry_interval = 200ms
	EOF
	_pg_as "$dir" touch "$dir/data/standby.signal" || return 1
	_pg_ctl_start "$dir" "$bin" ||
	    _pg_err "the standby did not start (see $dir/log)" || return 1
	pg_psql "$primary" "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
	    'SELECT pg_reload_conf()' >/dev/null || return 1
	for (( i = 0; i < 300; i++ )); do
		[[ "$(pg_psql "$primary" "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'")" == sync ]] &&
		    break
		sleep 0.1
	done
	(( i < 300 )) || _pg_err "the standby did not become synchronous" ||
	    return 1
	upw=$(sed -n 's/^PGPASSWORD=//p' "$primary/env")
	printf 'postgresql://coffer:%s@127.0.0.1:%s,127.0.0.1:%s/coffer?target_session_attrs=read-write\n' \
	    "$upw" "$pport" "$port" >"$dir/url"
}

pg_promote() {
	local dir=${1:?pg_promote DIR} bin
	[[ "$dir" == /* ]] || dir="$PWD/$dir"
	bin=$(_pg_bin) || return 1
	_pg_as "$dir" "$bin/pg_ctl" promote -D "$dir/data" -w -t 60 -s ||
	    _pg_err "the standby of $dir was not promoted (see $dir/log)"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	case "${1:-}:${2:-}" in
	start:?*)	pg_start "$2" && cat "$2/url" ;;
	stop:?*)	pg_stop "$2" ;;
	restart:?*)	pg_restart "$2" ;;
	kill:?*)	pg_kill "$2" ;;
	promote:?*)	pg_promote "$2" ;;
	standby:?*)	pg_standby "$2" "${3:-}" && cat "$3/url" ;;
	*)	echo "usage: $0 start|stop|restart|kill|promote DIR | standby PRIMARY DIR" >&2
		exit 2 ;;
	esac
fi
