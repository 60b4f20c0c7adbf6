#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The whole test suite from a fresh clone: install what is missing, build
# everything (the Verilated card included), run every test under CTest.
# Extra arguments go to ctest (e.g. -R model).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)"
ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
