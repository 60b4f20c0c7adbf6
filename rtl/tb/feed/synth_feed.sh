#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Size and logic depth of the tg_feed blocks (docs/rtl-feed.md): each block
# synthesized alone with Yosys for UltraScale+, flattened with the modules
# under it, then the longest path between flops (ltp), once with carry
# chains and once with them cut. Prints one table row per block.
#   rtl/tb/feed/synth_feed.sh [BUILD_DIR]   (default /tmp/build-rtlfeed/syn)
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-/tmp/build-rtlfeed/syn}
mkdir -p "$out"
cd "$out"
rtl="$root/rtl"
src=$(echo "$rtl"/tg_feed.v "$rtl"/tg_feed_*.v "$rtl"/tg_itch_*.v)

# ltp -noff only knows Yosys' own flops: map the Xilinx ones back so paths end there
cat > ff2dff.v <<'EOF'
module FDRE (output Q, input C, input CE, input D, input R);
  parameter [0:0] INIT = 1'b0; parameter [0:0] IS_C_INVERTED = 1'b0;
  parameter [0:0] IS_D_INVERTED = 1'b0; parameter [0:0] IS_R_INVERTED = 1'b0;
  \$_DFF_P_ _TECHMAP_REPLACE_ (.C(C), .D(D), .Q(Q));
endmodule
module FDSE (output Q, input C, input CE, input D, input S);
  parameter [0:0] INIT = 1'b1; parameter [0:0] IS_C_INVERTED = 1'b0;
  parameter [0:0] IS_D_INVERTED = 1'b0; parameter [0:0] IS_S_INVERTED = 1'b0;
  \$_DFF_P_ _TECHMAP_REPLACE_ (.C(C), .D(D), .Q(Q));
endmodule
module SRL16E (output Q, input A0, input A1, input A2, input A3, input CE, input CLK, input D);
  parameter [15:0] INIT = 16'h0; parameter [0:0] IS_CLK_INVERTED = 1'b0;
  \$_DFF_P_ _TECHMAP_REPLACE_ (.C(CLK), .D(D), .Q(Q));
endmodule
EOF
# and, for the second run, carry cells as flops: the deepest LUT logic alone
cat > carrycut.v <<'EOF'
module CARRY4 (output [3:0] CO, output [3:0] O, input CI, input CYINIT, input [3:0] DI, input [3:0] S);
  genvar i;
  for (i = 0; i < 4; i = i + 1) begin : g
    \$_DFF_P_ o (.C(1'b0), .D(S[i]), .Q(O[i]));
    \$_DFF_P_ c (.C(1'b0), .D(DI[i]), .Q(CO[i]));
  end
endmodule
EOF
cat > ltp_row.py <<'EOF'
import json, re, sys
top = sys.argv[1]

def path(tag):
    types = {}
    for m in json.load(open(f"{tag}_{top}.json"))["modules"].values():
        for name, c in m["cells"].items():
            types[name] = c["type"]
    cells = []
    for l in open(f"{tag}_{top}.ltp"):
        m = re.search(r"\(via (.*)\)\s*$", l)
        if re.match(r"^ +\d+: ", l) and m:
            cells.append(types.get(m.group(1), "?"))
    luts = sum(1 for t in cells if t.startswith("LUT"))
    carry = sum(1 for t in cells if t.startswith("CARRY"))
    return f"{len(cells)} ({luts} LUT" + (f", {carry} CARRY4)" if carry else ")")

cnt = {}
for m in re.finditer(r"^\s+(\w+)\s+(\d+)$", open(f"b_{top}.stat").read(), re.M):
    cnt[m.group(1)] = int(m.group(2))
def s(p):
    return sum(v for k, v in cnt.items() if k.startswith(p))
print(f"| `{top}` | {s('LUT')} | {s('FD')} | {s('SRL')} | {s('MUXF')} | {s('CARRY')} "
      f"| {s('RAMB')} | {s('DSP')} | {path('b')} | {path('c')} |")
EOF

echo "| block | LUT | FF | SRL16E | MUXF7/8/9 | CARRY4 | BRAM | DSP | longest path: cells (LUT levels) | without carry chains |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for top in tg_feed_in tg_feed_hdr tg_feed_filt tg_feed_sess tg_feed_walk tg_feed_cnt tg_feed; do
	cat > "b_$top.ys" <<EOF
read_verilog -sv -I$rtl $src
synth_xilinx -family xcup -noiopad -flatten -top $top
tee -q -o b_$top.stat stat
techmap -map ff2dff.v t:FDRE t:FDSE t:SRL16E
tee -q -o b_$top.ltp ltp -noff
write_json b_$top.json
techmap -map carrycut.v t:CARRY4
tee -q -o c_$top.ltp ltp -noff
write_json c_$top.json
EOF
	yosys -q -l "b_$top.log" "b_$top.ys" >/dev/null 2>&1 || { echo "$top: yosys failed, see $out/b_$top.log"; exit 1; }
	python3 ltp_row.py "$top"
done
