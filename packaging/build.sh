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
# the Linux desktop entry and its icon travel with the bundle (packaging/install-desktop.sh installs them)
cp packaging/mattestudio.desktop packaging/install-desktop.sh dist/mattestudio/
cp resources/icons/app.svg dist/mattestudio/mattestudio.svg
echo "built dist/mattestudio in $(( $(date +%s) - start )) s, $(du -sh dist/mattestudio | cut -f1)"
