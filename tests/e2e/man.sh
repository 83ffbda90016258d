#!/bin/bash
# SPDX-License-Identifier: ISC
# man.sh: the man pages and the bash completion the build makes.
#
# cofferd.8 and coffer.1 are what the programs print with --man (so they
# cannot drift from the binaries), render without a groff warning, and
# list every option `cofferd --help` lists and every command and option
# `coffer --help` lists; `cmake --install` puts them, the programs and the
# completion where man and bash-completion look; the completion offers the
# commands of `coffer --help`.
. "$(dirname "$0")/e2e_lib.bash"

command -v groff >/dev/null || { log "no groff: skipped"; exit 77; }
BUILD=$(dirname "$COFFERD")

for page in cofferd.8 coffer.1; do
	prog=${page%.*}
	P=$BUILD/$page
	check "$page built" [ -s "$P" ]
	"$BUILD/$prog" --man >"$E2E_TMP/$page"
	check "$page is what $prog --man prints now" cmp -s "$P" "$E2E_TMP/$page"
	warn=$(groff -man -Tutf8 -ww -z "$P" 2>&1)
	check "$page renders without warnings: $warn" [ -z "$warn" ]
	# Long lines and no hyphenation: option names stay whole.
	groff -man -Tascii -rLL=400n -rHY=0 -P-cbu "$P" >"$E2E_TMP/$page.txt" 2>/dev/null
	check "$page rendered" grep -q "^NAME" "$E2E_TMP/$page.txt"
	if command -v man >/dev/null; then
		out=$(MANWIDTH=100 man -l "$P" 2>&1 </dev/null | head -n 3)
		check "man -l $page: $out" grep -q "${prog^^}" <<<"$out"
	fi
done

# Every option of cofferd --help, in cofferd.8.
opts=$("$COFFERD" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
check "cofferd --help lists options" [ "$(wc -l <<<"$opts")" -gt 20 ]
for o in $opts; do
	check "cofferd.8 has $o" grep -qF -- "$o" "$E2E_TMP/cofferd.8.txt"
done
check "cofferd.8 has -n" grep -qF -- "-n, --check-config" "$E2E_TMP/cofferd.8.txt"
check "--man stays out of --help" not grep -q -- '--man' <<<"$("$COFFERD" --help)"

# Every command of coffer --help (its words before the arguments) and
# every option, in coffer.1.
n=0
while IFS= read -r line; do
	cmd=$(sed -E 's/^  //; s/ ([A-Z[]).*//' <<<"$line")
	check "coffer.1 has '$cmd'" grep -qF -- "$cmd" "$E2E_TMP/coffer.1.txt"
	n=$((n + 1))
done < <("$COFFER" --help | grep -E '^  [a-z]')
check "coffer --help lists commands ($n)" [ "$n" -gt 20 ]
for o in $("$COFFER" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	check "coffer.1 has $o" grep -qF -- "$o" "$E2E_TMP/coffer.1.txt"
done
check "coffer.1 has the synopsis of object list" \
    grep -qF "object list BUCKET [PREFIX] [--json] [--limit VALUE]" "$E2E_TMP/coffer.1.txt"

# ---- install ----
I=$E2E_TMP/inst
if cmake --install "$BUILD" --prefix "$I" >/dev/null; then
	for f in bin/cofferd bin/coffer share/man/man8/cofferd.8 \
	    share/man/man1/coffer.1 share/bash-completion/completions/coffer; do
		check "installed $f" [ -s "$I/$f" ]
	done
	check "installed man page found by man" bash -c \
	    "MANPATH='$I/share/man' man -w coffer | grep -q '$I/share/man/man1/coffer.1'"
else
	fail "cmake --install"
fi

# ---- completion ----
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_coffer
	echo "${COMPREPLY[*]}"
}
# shellcheck source=/dev/null
. "$SRC/completion/coffer"
PATH=$(dirname "$COFFER"):$PATH
groups=$("$COFFER" --help | sed -nE 's/^  ([a-z-]+).*/\1/p' | sort -u | tr '\n' ' ')
got=$(comp coffer "" | tr ' ' '\n' | sort -u | tr '\n' ' ')
check "every group: '$got' vs '$groups'" [ "$got" = "$groups" ]
check "account key subcommands" [ "$(comp coffer account key "")" = "create list disable enable delete" ]
check "a prefix" [ "$(comp coffer --data-dir /x obj)" = "object" ]
check "options of a command: $(comp coffer object list b --)" \
    [ "$(comp coffer object list b --)" = "--json --limit --help" ]
check "global options" grep -q -- "--data-dir" <<<"$(comp coffer --)"
e2e_finish
