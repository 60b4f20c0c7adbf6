#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build and run the DMA/top-level test bench (rtl/tb/tg_dma_tb.cpp) on the
# Verilated card: rtl/tg_card_top.v with every module it needs from rtl/,
# the shim sim/tg_vcard.cpp, the bench. Arguments go to the bench
# (e.g. --frames 20000). BUILD sets the build directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-/tmp/build-rtldma/tb}"
JOBS="${JOBS:-2}"

mkdir -p "$BUILD"
verilator --cc --exe --build -j "$JOBS" --Mdir "$BUILD" \
	-O3 --x-assign fast --x-initial fast --threads 1 \
	-I"$ROOT/rtl" -y "$ROOT/rtl" --top-module tg_card_top --prefix Vtg_card_top \
	-CFLAGS "-O2 -march=native -I$ROOT/sim -I$ROOT/drivers" \
	-o tg_dma_tb \
	"$ROOT/rtl/tg_card_top.v" "$ROOT/sim/tg_vcard.cpp" "$ROOT/rtl/tb/tg_dma_tb.cpp" \
	> "$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log"; exit 1; }
exec "$BUILD/tg_dma_tb" "$@"
