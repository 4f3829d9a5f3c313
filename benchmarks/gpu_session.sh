#!/usr/bin/env bash
# Every GPU check of issues 4 and 5 in one device call, results under $OUT (at most 8 files).
#
#   here:  bash benchmarks/gpu_prepare.sh                  # once: .device/ (wheels, bubblewrap, data)
#   there: the device tool's run, command "bash benchmarks/gpu_session.sh",
#          carry [".device"], timeout_s 560 (the script keeps to $BUDGET seconds, 480 by default)
#   smoke test on any machine, CPU included: OUT=/tmp/gpu-session bash benchmarks/gpu_session.sh --smoke
#
# In order of what matters most, so a cut-off run still answers the first questions:
#   1. tests that need CUDA: the sandboxed child trains on the GPU (bubblewrap, unprivileged uid,
#      device nodes bound in), CUDA graphs agree with the eager loop, a host-syncing forward falls
#      back to eager;
#   2. the grader's loop (eager and CUDA graphs) against the textbook loop, 10 epochs;
#   3. class scale: 32 students, 8 sandboxed processes sharing the GPU, against one at a time;
#   4. calibration of the threshold on the GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
SMOKE=0; [ "${1:-}" = "--smoke" ] && SMOKE=1
OUT=${OUT:-/tmp/gpu-session}
mkdir -p "$OUT"
PY=${PYTHON:-python3}
BUDGET=${BUDGET:-480}
export PYTHONUNBUFFERED=1
T0=$(date +%s)
exec > >(tee "$OUT/session.log") 2>&1

step() { echo; echo "== [$(( $(date +%s) - T0 )) s] $*"; }
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
# run LIMIT FILE CMD...: one step, cut at LIMIT seconds or at what is left of the budget.
run() {
    local limit=$1 file=$2; shift 2
    local rest; rest=$(left)
    if [ "$rest" -lt 20 ]; then echo "skipped: the budget is spent"; return; fi
    [ "$rest" -lt "$limit" ] && limit=$rest
    timeout "$limit" "$@" 2>&1 | tee "$OUT/$file"
    echo "exit ${PIPESTATUS[0]}"
}

step "packages"
export PYTHONPATH=$PWD
if ! $PY -c "import pydantic, nbformat" 2>/dev/null; then
    $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/course-site .device/wheels/*.whl || exit 1
    export PYTHONPATH=/tmp/course-site:$PWD
fi

step "bubblewrap"
if ! command -v bwrap >/dev/null 2>&1 && ls .device/*.deb >/dev/null 2>&1; then
    mkdir -p /tmp/course-bwrap
    for f in .device/*.deb; do dpkg -x "$f" /tmp/course-bwrap; done
    export PATH=/tmp/course-bwrap/usr/bin:$PATH
fi
bwrap --version || echo "no bubblewrap: the sandbox will fall back to resource limits, and say so"

step "data"
if [ -d .device/data ]; then
    mkdir -p /tmp/course-data/FashionMNIST/raw
    for f in .device/data/*.gz; do gunzip -c "$f" > "/tmp/course-data/FashionMNIST/raw/$(basename "$f" .gz)"; done
    export COURSE_DATA_ROOT=/tmp/course-data
fi

step "machine"
{
    nvidia-smi -L 2>/dev/null || echo "nvidia-smi: none"
    nproc
    $PY - <<'PY'
import sys, torch
from autograder.runtime import sandbox
print("python", sys.version.split()[0], "| torch", torch.__version__, "| cuda", torch.cuda.is_available(),
      torch.cuda.get_device_name() if torch.cuda.is_available() else "")
print("sandbox mode:", sandbox.mode())
PY
} 2>&1 | tee "$OUT/machine.txt"

if [ "$SMOKE" = 1 ]; then
    TRAIN=(--epochs 1 --repeat 1); CLASS=(--students 2 --jobs 2 --epochs 1 --baseline-students 1); SEEDS=1
else
    TRAIN=(--repeat 3); CLASS=(--students 32 --jobs 8 --baseline-students 8); SEEDS=5
fi

step "1. tests that need CUDA"
run 200 tests.txt $PY -m pytest -q -rs -p no:cacheprovider tests/test_lenet_training.py tests/test_sandbox.py \
    -k "gpu or cuda or graph or reference"

step "2. grader's loop against the textbook loop"
run 200 lenet_training.md $PY benchmarks/lenet_training.py "${TRAIN[@]}"

step "3. class scale (course.yaml's setting, then CUDA graphs)"
run 150 class_lenet.md $PY benchmarks/class_lenet.py "${CLASS[@]}"
run 90 class_lenet_graphs.md $PY benchmarks/class_lenet.py "${CLASS[@]}" --no-baseline --cuda-graphs

step "4. calibration"
run 90 calibrate.txt $PY -m autograder.cli calibrate lenet --seeds "$SEEDS"

step "done"
