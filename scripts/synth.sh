#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Synthesis figures for the card's blocks with Yosys for UltraScale+:
# LUT/FF/BRAM/DSP counts and the longest register-to-register path in
# cells. Flattened, because ltp sees no path across modules otherwise;
# flip-flops and RAMs are cut out of the graph, because ltp -noff does not
# know the Xilinx cells. Usage: scripts/synth.sh [MODULE...] (default: the
# top blocks; rtl/tb/feed/synth_feed.sh breaks tg_feed down further).
# Logs go to build/synth/MODULE.log.
set -euo pipefail
cd "$(dirname "$0")/.."
mods=("$@")
[ ${#mods[@]} -gt 0 ] || mods=(tg_feed tg_dma tg_card_top)
mkdir -p build/synth
srcs=$(echo rtl/*.v)
for m in "${mods[@]}"; do
	log=build/synth/$m.log
	yosys -q -l "$log" -p "read_verilog -sv -Irtl $srcs; synth_xilinx -family xcup -noiopad -flatten -top $m; tee -o build/synth/$m.stat stat; tee -o build/synth/$m.ltp ltp -noff t:FD* t:RAM* %u %n" >/dev/null 2>&1
	echo "== $m"
	grep -E '^\s+(LUT[0-9]|FD[A-Z]+|RAMB|RAM[0-9]|DSP|CARRY|MUXF|SRL)' build/synth/$m.stat | awk '{printf "  %-10s %s\n", $2, $1}'
	grep -i 'longest' build/synth/$m.ltp | tail -1 | sed 's/^/  /'
done
