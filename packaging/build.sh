#!/usr/bin/env bash
# Build the one-dir, windowed MatteStudio bundle into dist/mattestudio/ (docs/PACKAGING.md).
#   PY=path/to/python (default .venv/bin/python; PyInstaller must be installed there)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SITE=build/package/site
export MATTESTUDIO_PACKAGE_SITE="$PWD/$SITE"

if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is not installed in $PY: make venv-test installs it from the dev lock" >&2
    exit 2
fi
start=$(date +%s)
rm -rf build/package dist/mattestudio
# a plain (non-editable) copy of the package: PyInstaller cannot follow the editable install's folder mapping
"$PY" -m pip install -q --no-deps --no-build-isolation --target "$SITE" .
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/package/work \
    packaging/mattestudio.spec
# compiled matting code in the bundle (app/frozen_cache.py): one matte of the sample under a new build id fills
# _internal/numba_cache, which the app copies to the user cache on its first start
SEED=dist/mattestudio/_internal/numba_cache
mkdir -p "$SEED"
"$PY" -c "import uuid; print(uuid.uuid4().hex[:16])" > "$SEED/BUILD_ID"
WARM=$(mktemp -d)
warm_start=$(date +%s)
NUMBA_CACHE_DIR="$PWD/$SEED" QT_QPA_PLATFORM=offscreen dist/mattestudio/mattestudio matte \
    resources/samples/astronaut.png --prompts resources/samples/astronaut.prompts.json -o "$WARM/a.png" \
    --rgba "$WARM/c.png" >/dev/null
rm -rf "$WARM"
echo "compiled the matting code into the bundle in $(( $(date +%s) - warm_start )) s ($(du -sh "$SEED" | cut -f1))"
# the Linux desktop entry and its icon travel with the bundle (packaging/install-desktop.sh installs them)
cp packaging/mattestudio.desktop packaging/install-desktop.sh dist/mattestudio/
cp resources/icons/app.svg dist/mattestudio/mattestudio.svg
echo "built dist/mattestudio in $(( $(date +%s) - start )) s, $(du -sh dist/mattestudio | cut -f1)"
