#!/usr/bin/env bash
# Builds .device/ (git-ignored) for benchmarks/gpu_session.sh: what the GPU machine lacks.
#
# The device image has Python 3.12 with torch, torchvision, numpy, hypothesis, pytest, tqdm,
# matplotlib, jinja2, PyYAML and safetensors, but not the packages below, not bubblewrap,
# and no Fashion-MNIST (nothing can be fetched there). The grading and training paths import
# no nbgrader, so that tree (jupyterlab and all) stays behind. About 35 MB in all, under the
# 64 MiB a device call may carry.
#
#     bash benchmarks/gpu_prepare.sh      # here, with PyPI and Debian reachable
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${COURSE_DATA_ROOT:-../shared/data}
rm -rf .device && mkdir -p .device/wheels .device/data

# The versions this project is tested with; --no-deps: every need is named here or is on the image.
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .device/wheels \
    pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 \
    typing_extensions==4.16.0 nbformat==5.11.1 fastjsonschema==2.22.3 jsonschema==4.26.0 \
    jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 attrs==26.1.0 \
    jupyter_core==5.9.1 traitlets==5.16.1 platformdirs==4.14.9

# bubblewrap, unpacked there with dpkg -x (it needs only libc, libcap2 and libselinux1).
(cd .device && apt-get download -q bubblewrap >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null && apt-get download -q bubblewrap >/dev/null; })

# Fashion-MNIST's four raw IDX files, compressed for the trip.
for f in "$DATA"/FashionMNIST/raw/*-ubyte; do
    gzip -9 -c "$f" > ".device/data/$(basename "$f").gz"
done
du -sh .device
