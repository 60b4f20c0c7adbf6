#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build and run the SM4 test bench (rtl/tb/tg_sm4_tb.cpp): one Verilated
# model per block under test (the engine, GHASH, the modes wrapper), linked
# with OpenSSL and libgcrypt as references. Arguments go to the bench
# (e.g. --iters 1000000). BUILD sets the build directory.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-/tmp/build-sm4/tb}"
JOBS="${JOBS:-2}"
VINC="$(verilator --getenv VERILATOR_ROOT)/include"
TOPS="tg_sm4_engine tg_sm4_ghash tg_sm4_modes"

mkdir -p "$BUILD"
LIBS=()
INCS=()
for top in $TOPS; do
	dir="$BUILD/V$top"
	{
		verilator --cc -O3 --x-assign fast --x-initial fast \
			-I"$ROOT/rtl" -y "$ROOT/rtl" --top-module "$top" --prefix "V$top" \
			--Mdir "$dir" "$ROOT/rtl/$top.v" &&
		make -s -j "$JOBS" -C "$dir" -f "V$top.mk" "V${top}__ALL.a" OPT_FAST=-O2
	} > "$BUILD/build-$top.log" 2>&1 || { cat "$BUILD/build-$top.log"; exit 1; }
	LIBS+=("$dir/V${top}__ALL.a")
	INCS+=("-I$dir")
done

g++ -std=c++17 -O2 -march=native -I"$VINC" -I"$VINC/vltstd" "${INCS[@]}" \
	-o "$BUILD/tg_sm4_tb" "$ROOT/rtl/tb/tg_sm4_tb.cpp" \
	"$VINC/verilated.cpp" "$VINC/verilated_threads.cpp" \
	"${LIBS[@]}" -lcrypto -lgcrypt -pthread \
	> "$BUILD/build-tb.log" 2>&1 || { cat "$BUILD/build-tb.log"; exit 1; }
exec "$BUILD/tg_sm4_tb" "$@"
