#!/usr/bin/env bash
# One chunk of work on a lent GPU machine (docs/TRAINING.md, "On a GPU"), run from the repository root there:
#
#   scripts/device_chunk.sh train MODEL CONFIG UNTIL   # train MODEL to step UNTIL, resuming .carry/runs/MODEL
#   scripts/device_chunk.sh speed [SIZES]              # bench --speed --device cuda of every learned back-end
#   scripts/device_chunk.sh iscn-speed                 # the ISCN's encoder and decoder round, tiny and SAM-B sizes
#   scripts/device_chunk.sh mrn-speed                  # the MRN's refine call by pipeline and precision, 1-12 MP
#
# DEVICE=cpu runs the same steps on a machine without a GPU (to try the script here). For train, WORKERS=N makes the
# batches in N processes ahead of the GPU and MINUTES=M ends the chunk at the first step past M minutes.
#
# The machine has Python, torch, OpenCV, SciPy, scikit-image and safetensors but nothing can be fetched there. What
# the command needs travels in two ignored folders named in the call's `carry`:
#   .whl/    wheels of the pure-Python dependencies the machine lacks (scripts/device_prepare.sh fetches them here)
#   .carry/  backgrounds34/ (the background photos) and runs/ (earlier chunks, unpacked from their tar files)
# Results go to $OUT (at most 8 files of 16 MiB come back): the run folder as MODEL_run.tar (checkpoint, log, fp16
# weights) and MODEL_train.log, or the speed tables as speed_cuda*.json and speed_cuda.log.
set -euo pipefail
out=${OUT:?OUT must name the folder whose files come back}
site=/tmp/mattestudio-site
# one install per version of the tree (several chunks in one call install once)
stamp=$(find . -path ./.carry -prune -o -path ./.git -prune -o -name '*.py' -print | sort | xargs cat | sha1sum)
if [ "$(cat "$site/.tree" 2>/dev/null)" != "$stamp" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" .whl/*.whl
  python3 -m pip install -q --no-index --no-deps --no-build-isolation --no-cache-dir --upgrade --target "$site" . \
    > /tmp/mattestudio-install.log 2>&1 || { cat /tmp/mattestudio-install.log; exit 1; }
  echo "$stamp" > "$site/.tree"
fi
# PYTHONSAFEPATH: the repository root holds a mattestudio/ folder that would hide the installed package
export PYTHONPATH=$site PYTHONSAFEPATH=1 PYTHONUNBUFFERED=1 NUMBA_CACHE_DIR=/tmp/numba
cli=(python3 -m mattestudio.app.cli)
case "${1:-}" in
  train)
    model=$2 config=$3 until=$4
    run=.carry/runs/$model
    extra=()
    [ -f "$run/checkpoint/state.json" ] && extra+=(--resume)
    [ -n "${WORKERS:-}" ] && extra+=(--workers "$WORKERS")
    [ -n "${MINUTES:-}" ] && extra+=(--minutes "$MINUTES")
    nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
    rc=0
    "${cli[@]}" train "$model" --config "$config" --out "$run" --data .carry/backgrounds34 --until "$until" \
      --device "${DEVICE:-cuda}" "${extra[@]}" > "$out/${model}_train.log" 2>&1 || rc=$?
    tr '\r' '\n' < "$out/${model}_train.log" | grep -v '^train ' | tail -n 40 || true
    [ "$rc" -eq 0 ] || exit "$rc"
    tar -C .carry/runs -cf "$out/${model}_run.tar" "$model"
    ls -l "$out" ;;
  speed)
    sizes=${2:-1,4,12}
    python3 -m mattestudio.app.warmup  # compiles the matting solver, so no timed round includes the compilation
    "${cli[@]}" bench --speed --device "${DEVICE:-cuda}" --sizes "$sizes" --refiner mrn,mask2alpha,gfm \
      --json "$out/speed_cuda.json" 2>&1 | tee "$out/speed_cuda.log"
    "${cli[@]}" bench --speed --device "${DEVICE:-cuda}" --sizes "$sizes" --segmenter iscn --refiner mrn,gfm \
      --json "$out/speed_cuda_iscn.json" 2>&1 | tee -a "$out/speed_cuda.log" ;;
  iscn-speed)
    for preset in tiny sam_b; do
      python3 -m mattestudio.models.iscn.speed --device "${DEVICE:-cuda}" --preset "$preset" \
        | tee -a "$out/iscn_speed.jsonl"
    done ;;
  mrn-speed)
    mrn=(python3 -m mattestudio.models.mrn.speed --device "${DEVICE:-cuda}")
    for mp in 1 4 12; do "${mrn[@]}" --mp "$mp" --pipeline device | tee -a "$out/mrn_speed.jsonl"; done
    "${mrn[@]}" --mp 4 --pipeline device --precision fp32 | tee -a "$out/mrn_speed.jsonl"
    "${mrn[@]}" --mp 4 --pipeline device --tile-batch 4 | tee -a "$out/mrn_speed.jsonl"
    "${mrn[@]}" --mp 4 --pipeline host --precision fp32 --repeats 3 | tee -a "$out/mrn_speed.jsonl" ;;
  *)
    echo "usage: $0 train MODEL CONFIG UNTIL | speed [SIZES] | iscn-speed | mrn-speed" >&2
    exit 2 ;;
esac
