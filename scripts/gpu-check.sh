#!/usr/bin/env bash
# GPU check for scale-out, for a machine with an NVIDIA GPU (never part of CI):
#   scripts/gpu-check.sh [summary.md]          (default docs/gpu-check.md)
# Starts a throwaway redis-server and `pipewright worker --gpus auto`, runs a small penguins plan through
# a coordinator whose GPU steps ask for `resources: { gpu: 1 }` (a probe and train.tabular with
# framework torch), and fails (exit 1) unless the worker detected a GPU, the steps ran there with
# CUDA_VISIBLE_DEVICES set and torch trained on cuda. Writes a markdown summary to $1.
#
# Dry run of the plumbing on a machine without a GPU (clearly marked as such; CUDA is not checked):
#   GPU_CHECK_SIMULATE=1x24Gi scripts/gpu-check.sh /tmp/gpu-check.md
# GPU_CHECK_FRAMEWORK=sklearn trains with scikit-learn instead of torch (a dry run without torch does so
# by itself).
set -euo pipefail
cd "$(dirname "$0")/.."

summary="${1:-docs/gpu-check.md}"
simulate="${GPU_CHECK_SIMULATE:-}"
python="${PIPEWRIGHT_PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)}"

fail() {
  echo "gpu-check: FAILED: $*" >&2
  exit 1
}

command -v redis-server >/dev/null || fail "redis-server is not installed (apt-get install -y redis-server)"
command -v node >/dev/null || fail "node is not installed"
[ -d node_modules/bullmq ] || fail "node_modules is missing: run npm ci first"

if [ -n "$simulate" ]; then
  echo "gpu-check: DRY RUN with simulated GPUs ($simulate): the plumbing is checked, CUDA is not."
  export GPU_CHECK_NVIDIA_SMI="(dry run: nvidia-smi not used)"
else
  echo "gpu-check: detecting GPUs with nvidia-smi"
  command -v nvidia-smi >/dev/null ||
    fail "nvidia-smi not found: no NVIDIA GPU or driver on this machine. Run this on a GPU machine, or do a dry run of the plumbing with GPU_CHECK_SIMULATE=1x24Gi $0"
  if ! smi="$(nvidia-smi --query-gpu=index,name,memory.total,driver_version --format=csv 2>&1)"; then
    fail "nvidia-smi failed: $smi"
  fi
  echo "$smi"
  [ "$(printf '%s\n' "$smi" | tail -n +2 | grep -c .)" -gt 0 ] || fail "nvidia-smi lists no GPU"
  export GPU_CHECK_NVIDIA_SMI="$smi"
fi

# The training runner needs torch in the interpreter pipewright uses (PIPEWRIGHT_PYTHON or python3).
torch_info="$("$python" -c 'import torch; print(torch.__version__, "cuda" if torch.cuda.is_available() else "no-cuda", torch.cuda.device_count())' 2>/dev/null || true)"
if [ -z "$torch_info" ]; then
  if [ -n "$simulate" ]; then
    echo "gpu-check: DRY RUN: torch is not installed in $python; training with ${GPU_CHECK_FRAMEWORK:-sklearn} instead"
    export GPU_CHECK_FRAMEWORK="${GPU_CHECK_FRAMEWORK:-sklearn}"
  else
    fail "torch is not installed in $python (pip install torch, or set PIPEWRIGHT_PYTHON to an interpreter that has it)"
  fi
else
  echo "gpu-check: $python has torch $torch_info"
  if [ -z "$simulate" ] && [[ "$torch_info" != *" cuda "* ]]; then
    fail "torch in $python cannot use CUDA ($torch_info): install a CUDA build of torch"
  fi
fi

exec node --import tsx scripts/gpu-check.ts "$summary"
