# models.sh - the table of models (models/models.tsv) for sh scripts.
# Sourced by scripts/bench.sh and scripts/plots.sh (scripts/models.py is the
# Python reader):
#
#   models_where 'COND'     the names of the rows where the awk expression
#                           COND holds, in table order, one per line; COND
#                           reads a column with f("name") and a comma list
#                           with has("suites", "io")
#   model_get NAME COLUMN   one cell of NAME's row (empty when no such row)
#   tool_installed TOOL     whether a model's tool (models.tsv's tool column)
#                           is on this machine
#   models_check_built BUILD
#                           refuse (status 2, one line) a program in BUILD/
#                           that looks like a model and has no row: every
#                           executable file directly in BUILD/ but those
#                           built from tools/*.c
MODELS_TSV=${MODELS_TSV:-models/models.tsv}

# models_awk PROGRAM-BODY: run awk over the table's rows with f() and has().
models_awk() {
	awk -F '\t' "
		function f(c) { return \$col[c] }
		function has(c, v) { return index(\",\" f(c) \",\", \",\" v \",\") > 0 }
		/^#/ || NF == 0 { next }
		!hdr { for (i = 1; i <= NF; i++) col[\$i] = i; hdr = 1; next }
		$1" "$MODELS_TSV"
}

models_where() {
	models_awk "($1) { print f(\"name\") }"
}

model_get() {
	models_awk "f(\"name\") == \"$1\" { print f(\"$2\"); exit }"
}

tool_installed() {
	case $1 in
	libuv) pkg-config --exists libuv 2>/dev/null || [ -e /usr/include/uv.h ] ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

models_check_built() {
	known=" $(models_where 1 | while read -r m; do model_get "$m" binary; done | tr '\n' ' ')"
	for prog in "$1"/*; do
		[ -f "$prog" ] && [ -x "$prog" ] || continue
		base=${prog##*/}
		[ -e "tools/$base.c" ] && continue
		case "$known" in
		*" $base "*) ;;
		*)
			echo "bench: $prog is not in $MODELS_TSV: give the model a row there (README: Adding a model), or remove it" >&2
			return 2 ;;
		esac
	done
}
