#!/usr/bin/env bash
# Here, before a device call: fetch the wheels the GPU machine lacks into .whl/ and copy the background photos into
# .carry/ (both ignored by git; name them in the call's `carry`). MATTESTUDIO_DATA (default ../shared/data) holds
# backgrounds34. A run folder of an earlier chunk comes back as MODEL_run.tar: unpack it into .carry/runs/.
set -euo pipefail
data=${MATTESTUDIO_DATA:-../shared/data}
py=python3
[ -x .venv/bin/python ] && py=.venv/bin/python  # the versions the project runs with here
mkdir -p .whl .carry
rm -f .whl/*.whl
version() { "$py" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || echo "$2"; }
for pkg in "pymatting==$(version pymatting 1.1.14)" "platformdirs==$(version platformdirs 4.3.8)"; do
  "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 --platform any -d .whl "$pkg"
done
rm -rf .carry/backgrounds34
cp -r "$data/backgrounds34" .carry/backgrounds34
du -sh .whl .carry
