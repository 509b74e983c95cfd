#!/usr/bin/env bash
# Install the built bundle for the current user on Linux: a `mattestudio` link in ~/.local/bin, the desktop entry
# and the icon (run from dist/mattestudio/ or from the repository).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe="$here/mattestudio"
[ -x "$exe" ] || exe="$here/../dist/mattestudio/mattestudio"
[ -x "$exe" ] || { echo "no built mattestudio executable found (run packaging/build.sh)" >&2; exit 2; }
icon="$here/mattestudio.svg"
[ -f "$icon" ] || icon="$here/../resources/icons/app.svg"
data=${XDG_DATA_HOME:-$HOME/.local/share}
mkdir -p "$HOME/.local/bin" "$data/applications" "$data/icons/hicolor/scalable/apps"
ln -sf "$(cd "$(dirname "$exe")" && pwd)/mattestudio" "$HOME/.local/bin/mattestudio"
cp "$icon" "$data/icons/hicolor/scalable/apps/mattestudio.svg"
cp "$here/mattestudio.desktop" "$data/applications/mattestudio.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
echo "installed: ~/.local/bin/mattestudio, $data/applications/mattestudio.desktop"
