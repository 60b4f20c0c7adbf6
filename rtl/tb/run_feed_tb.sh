#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Builds the Verilator test bench of rtl/tg_feed.v and runs it.
#   rtl/tb/run_feed_tb.sh [BUILD_DIR] [--quick]
# BUILD_DIR defaults to /tmp/build-rtlfeed; TG_SHARED_DIR to ../shared.
# TB_ONLY=substring runs the matching tests only; TB_SOAK=n adds n random
# runs of 20000 frames; TB_EVERY=n makes the random tests check every n
# frames and print the frames around a failure; TG_TRACE=1 builds with
# tracing (in BUILD_DIR/trace) and TB_VCD=file.vcd then dumps waveforms.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=/tmp/build-rtlfeed
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	build=$1
	shift
fi
shared=${TG_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}
jobs=${TG_JOBS:-2}
trace=()
if [ -n "${TG_TRACE:-}" ]; then
	trace=(--trace -CFLAGS -DTB_TRACE)
	build=$build/trace
fi

mkdir -p "$build"
verilator --lint-only -Wall -I"$root/rtl" --top-module tg_feed \
	"$root"/rtl/tg_feed.v "$root"/rtl/tg_feed_*.v "$root"/rtl/tg_itch_*.v

cc -O2 -std=gnu11 -I"$root/drivers" -c "$root/drivers/tg_itch.c" -o "$build/tg_itch.o"
verilator --cc --exe --build -j "$jobs" -O3 -Wno-fatal "${trace[@]}" \
	-I"$root/rtl" --top-module tg_feed -Mdir "$build/obj" \
	-CFLAGS "-O2 -std=c++17 -I$root/drivers -I$here -DTG_SHARED_DIR=\\\"$shared\\\"" \
	"$root"/rtl/tg_feed.v "$root"/rtl/tg_feed_*.v "$root"/rtl/tg_itch_*.v \
	"$here/tg_feed_tb.cpp" "$here/feed/tg_feed_ref.cpp" "$here/feed/tg_feed_frames.cpp" \
	"$build/tg_itch.o" -o tg_feed_tb >"$build/verilator.log" 2>&1 ||
	{ tail -40 "$build/verilator.log"; exit 1; }

"$build/obj/tg_feed_tb" "$@"
