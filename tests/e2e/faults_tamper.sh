#!/bin/bash
# SPDX-License-Identifier: ISC
# faults_tamper.sh: damaged and swapped ciphertext on GET (reliability.md
# T16).
#
# A flipped byte in the first chunk a GET needs must give an OSS <Error>
# document with a 500 before any header of a 200 is sent; one in a later
# chunk may cut the body short (the 200 is out by then), but every byte
# that arrives must be the object's own. Blob files swapped between two
# objects of one size, extent rows whose uuids were swapped, and inline
# ciphertexts swapped between rows must all fail: chunks are sealed with
# their extent's uuid as associated data and data keys are wrapped with it,
# so no object ever serves another one's plaintext.
. "$(dirname "$0")/e2e_lib.bash"

command -v sqlite3 >/dev/null || { log "SKIP: sqlite3 missing"; exit 77; }

D=$E2E_TMP/data
L=$E2E_TMP/cofferd.log
B=tamper
SEALED=65576	# one sealed chunk: 24 + 65536 + 16 bytes

# blob_of KEY: path of the key's one blob file.
blob_of() {
	local u
	u=$(sqlite3 "$D/meta.db" "select lower(hex(e.uuid)) from extents e
	    join objects o on e.object = o.id where o.key = '$1'")
	echo "$D/blobs/${u:0:2}/$u"
}

# expect_error WHAT STATUS: the last reply was STATUS with an OSS <Error>
# document (in $E2E_TMP/got).
expect_error() {
	check "$1: status $STATUS, want $2" [ "$STATUS" = "$2" ]
	check "$1: no OSS <Error> document with Code InternalError" \
	    grep -q '<Code>InternalError</Code>' "$E2E_TMP/got"
}

# get_body KEY [CURL_ARGS...]: GET into $E2E_TMP/got; status in $STATUS.
get_body() {
	local k=$1
	shift
	rm -f "$E2E_TMP/got"
	E2E_OUT=$E2E_TMP/got oss GET "/$B/$k" "$@" >/dev/null
	touch "$E2E_TMP/got"
}

# prefix_of GOT FILE: GOT holds only a leading part of FILE.
prefix_of() {
	local n
	n=$(stat -c %s "$1")
	cmp -s -n "$n" "$1" "$2"
}

daemon_start "$D" "$L" || die "start"
[ "$(http_status PUT "/$B/")" = 200 ] || die "PutBucket"
# Three chunks each; a and b of one size so their blobs can be swapped.
head -c 200000 /dev/urandom >"$E2E_TMP/a"
head -c 200000 /dev/urandom >"$E2E_TMP/b"
head -c 1000 /dev/urandom >"$E2E_TMP/s1"
head -c 1000 /dev/urandom >"$E2E_TMP/s2"
for k in a b s1 s2; do
	[ "$(put_file "$B" "$k" "$E2E_TMP/$k")" = 200 ] || die "PUT $k"
done
A=$(blob_of a)
BB=$(blob_of b)
[ -f "$A" ] && [ -f "$BB" ] || die "blob files of a and b not found"
cp "$A" "$E2E_TMP/a.blob"

# ---- damage in the first chunk: an error reply, not a cut 200 ----
flip "$A" 100
get_body a
expect_error "first chunk damaged, GET" 500
get_body a -H 'Range: bytes=10-20'
expect_error "first chunk damaged, ranged GET inside it" 500
# A range that starts in an intact chunk does not touch the damage.
get_body a -H "Range: bytes=70000-70099"
check "first chunk damaged, range in chunk 1: status $STATUS" [ "$STATUS" = 206 ]
check "first chunk damaged, range in chunk 1: bytes" \
    cmp -s "$E2E_TMP/got" <(tail -c +70001 "$E2E_TMP/a" | head -c 100)
# The nonce and the tag are part of the chunk too.
cp "$E2E_TMP/a.blob" "$A"
flip "$A" 3
get_body a
expect_error "first chunk nonce damaged" 500
cp "$E2E_TMP/a.blob" "$A"
flip "$A" $((SEALED - 1))
get_body a
expect_error "first chunk tag damaged" 500

# ---- damage in a later chunk: the body stops, never a wrong byte ----
cp "$E2E_TMP/a.blob" "$A"
flip "$A" $((SEALED + 500))
get_body a
check "second chunk damaged: status $STATUS (headers go first)" \
    [ "$STATUS" = 200 ] || [ "$STATUS" = 000 ]
n=$(stat -c %s "$E2E_TMP/got")
check "second chunk damaged: body of $n bytes must be cut short" \
    [ "$n" -lt 200000 ]
check "second chunk damaged: what arrived is the object's first bytes" \
    prefix_of "$E2E_TMP/got" "$E2E_TMP/a"
get_body a -H "Range: bytes=$((65536 + 10))-$((65536 + 20))"
expect_error "second chunk damaged, range starting there" 500
cp "$E2E_TMP/a.blob" "$A"
get_body a
check "restored blob reads back: status $STATUS" [ "$STATUS" = 200 ]
check "restored blob reads back: bytes" cmp -s "$E2E_TMP/got" "$E2E_TMP/a"

# ---- blob files swapped between two objects of one size ----
mv "$A" "$E2E_TMP/swap"
mv "$BB" "$A"
mv "$E2E_TMP/swap" "$BB"
for k in a b; do
	get_body "$k"
	expect_error "blobs swapped, GET $k" 500
done
mv "$A" "$E2E_TMP/swap"
mv "$BB" "$A"
mv "$E2E_TMP/swap" "$BB"

# ---- extent uuids swapped between the rows (files stay put) ----
sql_swap_uuid() {
	sqlite3 "$D/meta.db" "
	    pragma busy_timeout = 10000;
	    begin immediate;
	    create temp table u as select e.id, e.uuid from extents e
		join objects o on e.object = o.id where o.key in ('$1', '$2');
	    update extents set uuid = randomblob(16) where id in (select id from u);
	    update extents set uuid = (select u.uuid from u where u.id <> extents.id)
		where id in (select id from u);
	    commit;" >/dev/null
}
sql_swap_uuid a b || die "swap extent uuids"
check "uuid swap moved the files' names" [ "$(blob_of a)" = "$BB" ]
for k in a b; do
	get_body "$k"
	expect_error "extent uuids swapped, GET $k" 500
done
sql_swap_uuid a b || die "swap extent uuids back"
for k in a b; do
	get_body "$k"
	check "after swapping back, GET $k: status $STATUS" [ "$STATUS" = 200 ]
	check "after swapping back, GET $k: bytes" cmp -s "$E2E_TMP/got" "$E2E_TMP/$k"
done

# ---- inline ciphertexts swapped and damaged in the database ----
sqlite3 "$D/meta.db" "
    pragma busy_timeout = 10000;
    begin immediate;
    create temp table i as select e.id, e.inline from extents e
	join objects o on e.object = o.id where o.key in ('s1', 's2');
    update extents set inline = (select i.inline from i where i.id <> extents.id)
	where id in (select id from i);
    commit;" >/dev/null || die "swap inline extents"
for k in s1 s2; do
	get_body "$k"
	expect_error "inline ciphertexts swapped, GET $k" 500
done
# Swap back, then flip one byte of s1's sealed chunk.
sqlite3 "$D/meta.db" "
    pragma busy_timeout = 10000;
    begin immediate;
    create temp table i as select e.id, e.inline from extents e
	join objects o on e.object = o.id where o.key in ('s1', 's2');
    update extents set inline = (select i.inline from i where i.id <> extents.id)
	where id in (select id from i);
    commit;" >/dev/null || die "swap inline extents back"
get_body s1
check "inline swapped back: bytes" cmp -s "$E2E_TMP/got" "$E2E_TMP/s1"
v=$(sqlite3 "$D/meta.db" "select hex(substr(e.inline, 100, 1)) from extents e
    join objects o on e.object = o.id where o.key = 's1'")
v=$(printf '%02X' $((0x$v ^ 0xff)))
sqlite3 "$D/meta.db" "pragma busy_timeout = 10000;
    update extents set inline =
	cast(substr(inline, 1, 99) || X'$v' || substr(inline, 101) as blob)
    where object = (select id from objects where key = 's1')" >/dev/null ||
    die "damage inline extent"
get_body s1
expect_error "inline chunk damaged" 500

# The daemon logged the failures and keeps serving.
check "the log names the failed reads" grep -q 'CORRUPT\|corrupt' "$L.stderr"
get_body s2
check "intact object after all that: status $STATUS" [ "$STATUS" = 200 ]
check "intact object after all that: bytes" cmp -s "$E2E_TMP/got" "$E2E_TMP/s2"
daemon_stop
rc=$?
check "clean stop (got $rc)" [ "$rc" -eq 0 ]
sanitizer_report "$L.stderr" && fail "sanitizer report"
check "integrity_check" [ "$(sqlite3 "$D/meta.db" 'pragma integrity_check')" = ok ]
e2e_finish
