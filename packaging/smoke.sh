#!/usr/bin/env bash
# Smoke test of the built bundle (docs/PACKAGING.md): the executable starts offscreen, mattes the bundled sample
# through the CLI entry, opens the app window offscreen on it (a screenshot), and exits 0.
#   packaging/smoke.sh [EXECUTABLE]   (default dist/mattestudio/mattestudio)
set -euo pipefail
cd "$(dirname "$0")/.."
EXE=${1:-dist/mattestudio/mattestudio}
[ -x "$EXE" ] || { echo "smoke: no executable at $EXE (run packaging/build.sh first)" >&2; exit 2; }
BUNDLE=$(cd "$(dirname "$EXE")" && pwd)
SAMPLES=$(find "$BUNDLE" -path "*mattestudio/resources/samples" -type d | head -n 1)
[ -n "$SAMPLES" ] || { echo "smoke: the bundle holds no resources/samples folder" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
export QT_QPA_PLATFORM=offscreen
# as a user who never ran this bundle: no caches of our own, numba's cache folder not set
unset NUMBA_CACHE_DIR
export XDG_CACHE_HOME="$OUT/cache" XDG_DATA_HOME="$OUT/data" XDG_CONFIG_HOME="$OUT/config"

is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
step() { echo "smoke: $*"; }

step "version: $("$EXE" --version)"
help=$("$EXE" --help)
# the subcommands the source declares (app/cli.py SUBCOMMANDS) must all be documented by the built executable
subs=$(sed -n 's/^    "\([a-z_-]*\)": ("mattestudio\.app\..*/\1/p' app/cli.py)
[ -n "$subs" ] || { echo "smoke: no subcommands found in app/cli.py" >&2; exit 1; }
for sub in $subs; do
    grep -q "^  $sub " <<<"$help" || { echo "smoke: --help does not document '$sub'" >&2; exit 1; }
done
step "--help documents every subcommand: "$subs""

start=$(date +%s)
"$EXE" matte "$SAMPLES/astronaut.png" --prompts "$SAMPLES/astronaut.prompts.json" \
    -o "$OUT/alpha.png" --rgba "$OUT/cutout.png" --save-project "$OUT/sample.mattes"
for f in alpha.png cutout.png; do is_png "$OUT/$f" || { echo "smoke: $f is not a PNG" >&2; exit 1; }; done
[ -s "$OUT/sample.mattes" ] || { echo "smoke: no project written" >&2; exit 1; }
step "first matte of the bundled sample (and its RGBA cut-out) in $(( $(date +%s) - start )) s"

# a user error is one line and exit status 2, not a traceback
set +e
err=$("$EXE" matte "$OUT/none.png" --prompts "$SAMPLES/astronaut.prompts.json" -o "$OUT/x.png" 2>&1)
rc=$?
set -e
[ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" = 1 ] || { echo "smoke: bad error path (rc $rc): $err" >&2; exit 1; }
step "a missing image gives one line and exit status 2"

"$EXE" "$SAMPLES/astronaut.png" --prompts "$SAMPLES/astronaut.prompts.json" --screenshot "$OUT/window.png"
is_png "$OUT/window.png" || { echo "smoke: the app window screenshot is missing" >&2; exit 1; }
step "the app starts offscreen, runs the sample's rounds and saves a screenshot"
step "OK"
