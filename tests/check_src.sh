#!/bin/bash
# SPDX-License-Identifier: ISC
# check_src.sh SRCDIR: the source rules a compiler cannot enforce
# (STYLE-anchors rule 30, in the spirit of curl's checksrc.pl).
#
# Checks every .c and .h under daemon/, kms/ and worm/ for
#   - banned calls: strcpy strcat sprintf vsprintf atoi atol strtok gets
#     rand, and memcmp/bcmp in kms/ and daemon/auth/ (secrets are compared
#     with sodium_memcmp / CRYPTO_memcmp in constant time);
#   - external headers outside the one directory that owns them:
#     <microhttpd.h> daemon/http/; <sqlite3.h> daemon/db/ and the backup
#     command (daemon/cli/backup_db.c): the modules' *_db.c files use
#     db.h's engine-neutral statement calls; <libpq-fe.h> daemon/db/db_pg.c;
#     <sodium.h> kms/ daemon/auth/ daemon/hash/ daemon/main.c,
#     daemon/db/seal*.c (they hold the database's row-sealing subkey) and
#     daemon/http/http_tls.c (it reads the TLS private key);
#     <expat.h> <jansson.h> daemon/codec/; <openssl/*> daemon/hash/ kms/;
#     <isa-l/*> daemon/hash/;
#   - the include layers of STYLE-anchors Part 3: L0 daemon/base includes
#     only base/; L1 (db hash store codec http dns) base/ and itself; L2 (auth
#     bucket kms worm inventory lifecycle) base/, L1 and itself, never another L2;
#     above them the daemon's composition, each layer anything below and
#     itself, never another folder of its own layer: L3 api/ (the shared
#     context), L4 object/ (the data path) and jobs/, L5 the two listeners
#     oss/ and kmsd/; L6 (daemon/main.c, daemon/config.[ch], daemon/cli/)
#     everything. Quoted includes must be directory-qualified
#     ("base/err.h"); config.h is L6;
#   - inside a listener folder, a file includes only the folder's shared
#     headers (oss.h oss_int.h object_ops.h, kmsd.h kmsd_int.h), and no
#     handler file of oss/ calls a function another handler file defines:
#     what two handlers share lives in a helper file (object_ops.c, call.c,
#     xml.c), so a handler can be read, and moved, alone.
# Comments and string literals are ignored. Prints file:line: problem for
# each finding and exits 1 if there is any, 0 otherwise, 2 on usage errors.
set -u

SRC=${1:-}
if [ -z "$SRC" ] || [ ! -d "$SRC/daemon" ]; then
	echo "usage: check_src.sh SRCDIR" >&2
	exit 2
fi
cd "$SRC" || exit 2

# strip FILE: the file with comments blanked and string/char literals
# emptied, line numbers kept. Quoted #include names are kept.
strip() {
	awk -v sq="'" '
	BEGIN { incomment = 0 }
	{
		line = $0; out = ""; n = length(line); i = 1
		isinc = (line ~ /^[ \t]*#[ \t]*include/)
		while (i <= n) {
			c = substr(line, i, 1); c2 = substr(line, i, 2)
			if (incomment) {
				if (c2 == "*/") { incomment = 0; i += 2; out = out " " }
				else i++
				continue
			}
			if (c2 == "/*") { incomment = 1; i += 2; continue }
			if (c2 == "//") break
			if ((c == "\"" || c == sq) && !isinc) {
				q = c; out = out q q; i++
				while (i <= n) {
					c = substr(line, i, 1)
					if (c == "\\") { i += 2; continue }
					i++
					if (c == q) break
				}
				continue
			}
			out = out c; i++
		}
		print out
	}' "$1"
}

# module PATH: the layer module a source path belongs to.
module() {
	case $1 in
	daemon/main.c|daemon/config.c|daemon/config.h) echo main ;;
	daemon/cli/*) echo cli ;;
	daemon/*/*) local m=${1#daemon/}; echo "${m%%/*}" ;;
	kms/*) echo kms ;;
	worm/*) echo worm ;;
	inventory/*) echo inventory ;;
	lifecycle/*) echo lifecycle ;;
	*) echo "?" ;;
	esac
}

layer() {
	case $1 in
	base) echo 0 ;;
	db|hash|store|codec|http|dns|rtmp) echo 1 ;;
	auth|bucket|kms|worm|inventory|lifecycle|live) echo 2 ;;
	api) echo 3 ;;
	object|jobs) echo 4 ;;
	oss|kmsd|rtmpd) echo 5 ;;
	main|cli) echo 6 ;;
	*) echo -1 ;;
	esac
}

found=0
report() {
	echo "$1: $2"
	found=$((found + 1))
}

banned='(^|[^A-Za-z0-9_.>])(strcpy|strcat|sprintf|vsprintf|atoi|atol|strtok|gets|rand)[[:space:]]*\('
ctcmp='(^|[^A-Za-z0-9_.>])(memcmp|bcmp)[[:space:]]*\('

while IFS= read -r f; do
	mod=$(module "$f")
	lay=$(layer "$mod")
	base=${f##*/}
	stripped=$(strip "$f")

	while IFS=: read -r ln text; do
		[ -n "$ln" ] || continue
		for call in $(grep -oE "$banned" <<<"$text" |
		    sed -E 's/^[^A-Za-z_]*//; s/[[:space:]]*\($//'); do
			report "$f:$ln" "banned call $call()"
		done
	done < <(grep -nE "$banned" <<<"$stripped")

	case $f in
	kms/*|daemon/auth/*)
		while IFS=: read -r ln text; do
			[ -n "$ln" ] || continue
			report "$f:$ln" "memcmp/bcmp in $mod: compare secrets with sodium_memcmp (constant time)"
		done < <(grep -nE "$ctcmp" <<<"$stripped")
		;;
	esac

	while IFS=: read -r ln text; do
		[ -n "$ln" ] || continue
		inc=$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/p' <<<"$text")
		name=${inc:1:${#inc}-2}
		case $inc in
		\<*)
			ok=yes
			case $name in
			microhttpd.h) [ "$mod" = http ] || ok="only daemon/http/" ;;
			libpq-fe.h)
				[ "$f" = daemon/db/db_pg.c ] ||
				    ok="only daemon/db/db_pg.c" ;;
			sqlite3.h)
				[ "$mod" = db ] ||
				    [ "$f" = daemon/cli/backup_db.c ] ||
				    ok="only daemon/db/ and daemon/cli/backup_db.c (use db.h's statement calls)" ;;
			sodium.h)
				case $mod in kms|auth|hash) ;; *)
					[ "$f" = daemon/main.c ] ||
					    [[ $f == daemon/db/seal*.c ]] ||
					    [ "$f" = daemon/http/http_tls.c ] ||
					    ok="only kms/, daemon/auth/, daemon/hash/, daemon/db/seal*.c, daemon/http/http_tls.c and daemon/main.c" ;;
				esac ;;
			expat.h|jansson.h) [ "$mod" = codec ] || ok="only daemon/codec/" ;;
			openssl/*)
				case $mod in hash|kms) ;; *) ok="only daemon/hash/ and kms/" ;; esac ;;
			isa-l/*|isa-l.h) [ "$mod" = hash ] || ok="only daemon/hash/" ;;
			esac
			[ "$ok" = yes ] || report "$f:$ln" "#include $inc: $ok"
			;;
		\"*)
			case $name in
			*/*) target=${name%%/*} ;;
			config.h) target=main ;;
			*)
				report "$f:$ln" "#include $inc is not directory-qualified"
				continue ;;
			esac
			tl=$(layer "$target")
			why=
			if [ "$tl" -lt 0 ]; then
				why="unknown module '$target'"
			elif [ "$target" = "$mod" ]; then
				case $mod/${name#*/} in
				oss/oss.h|oss/oss_int.h|oss/object_ops.h) ;;
				kmsd/kmsd.h|kmsd/kmsd_int.h) ;;
				oss/*|kmsd/*)
					why="a listener file includes only its folder's shared headers" ;;
				esac
			elif [ "$lay" -eq 6 ]; then
				:
			elif [ "$lay" -lt 0 ]; then
				why="file outside the known layers"
			elif [ "$tl" -gt "$lay" ]; then
				why="L$lay $mod/ must not include L$tl $target/"
			elif [ "$tl" -eq "$lay" ] && [ "$lay" -ge 1 ]; then
				why="L$lay $mod/ must not include L$tl $target/ (same layer)"
			elif [ "$lay" -eq 0 ] || { [ "$lay" -eq 1 ] && [ "$tl" -ne 0 ]; }; then
				why="L$lay $mod/ may include only base/ and itself"
			fi
			[ -z "$why" ] || report "$f:$ln" "#include $inc: $why"
			;;
		esac
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' <<<"$stripped")
done < <(find daemon kms worm inventory lifecycle -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort)

# OSS handler files: the functions each defines with external linkage,
# then every call of one of them from another handler file. Each file is
# stripped once.
handlers=$(cd daemon/oss && ls append.c bucket.c cname.c copy.c \
    encryption.c inventory.c lifecycle.c live.c multipart.c object.c restore.c \
    service.c tagging.c worm.c 2>/dev/null)
declare -A stripped_h
for f in $handlers; do
	stripped_h[$f]=$(strip "daemon/oss/$f")
done
for f in $handlers; do
	defs=$(awk '/^[a-z_][a-z_0-9]*\(/ && prev !~ /^static/ {
		sub(/\(.*/, ""); print }
	    { prev = $0 }' <<<"${stripped_h[$f]}" | paste -sd'|')
	[ -n "$defs" ] || continue
	for g in $handlers; do
		[ "$g" = "$f" ] && continue
		while IFS=: read -r ln text; do
			[ -n "$ln" ] || continue
			fn=$(grep -oE "(^|[^a-z_0-9])($defs)\(" <<<"$text" |
			    head -n 1 | sed -E 's/^[^a-z_]//; s/\($//')
			report "daemon/oss/$g:$ln" "handler file calls $fn() of $f: move it to a helper file"
		done < <(grep -nE "(^|[^a-z_0-9])($defs)\(" <<<"${stripped_h[$g]}")
	done
done

if [ "$found" -ne 0 ]; then
	echo "check_src: $found problem(s)" >&2
	exit 1
fi
exit 0
