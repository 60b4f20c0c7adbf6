#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Build and run the crypto-over-the-rings test bench (rtl/tb/tg_crypto_tb.cpp)
# on the Verilated card: rtl/tg_card_top.v with every module it needs from
# rtl/, the shim sim/tg_vcard.cpp, the bench, OpenSSL and libgcrypt as the
# references. Arguments go to the bench (e.g. --jobs 20000 --seed 7).
# BUILD sets the build directory, JOBS the make jobs; NO_CLOCK_STOP=1
# builds the card without the SM4 engine's simulation-only clock stop
# (rtl/tg_card_top.v), as synthesis sees it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="${BUILD:-/tmp/build-rtlcrypto/tb}"
JOBS="${JOBS:-2}"
DEFS=()
if [ -n "${NO_CLOCK_STOP:-}" ]; then
	DEFS=(-DTG_SM4_NO_CLOCK_STOP)
fi

mkdir -p "$BUILD"
verilator --cc --exe --build -j "$JOBS" --Mdir "$BUILD" \
	-O3 --x-assign fast --x-initial fast --threads 1 \
	"${DEFS[@]}" -I"$ROOT/rtl" -y "$ROOT/rtl" --top-module tg_card_top --prefix Vtg_card_top \
	-CFLAGS "-O2 -march=native -I$ROOT/sim -I$ROOT/drivers" \
	-LDFLAGS "-lcrypto -lgcrypt" \
	-o tg_crypto_tb \
	"$ROOT/rtl/tg_card_top.v" "$ROOT/sim/tg_vcard.cpp" "$ROOT/rtl/tb/tg_crypto_tb.cpp" \
	> "$BUILD/build.log" 2>&1 || { cat "$BUILD/build.log"; exit 1; }
exec "$BUILD/tg_crypto_tb" "$@"
