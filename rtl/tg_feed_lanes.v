// SPDX-License-Identifier: BSD-3-Clause
// Per-beat tables for the message walker, computed from the beat's bytes
// alone (no walker state), so that the walker's own loop only has to pick
// rows. For each lane j a message block could start on: its 2-byte length,
// whether it ends inside this beat (only blocks of length 0..6-j can), where
// the next block then starts, and its class. For each of the 8 possible
// first block starts p: the set of block starts reached inside the beat,
// the block left open at the end of the beat, and how many blocks completed.
// Byte lanes are numbered as on the AXI stream: lane k in data[8k+7:8k].
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_lanes (
    input  wire [63:0]  data,
    // blocks starting on lane j = 0..6
    output wire [6:0]   fits,     // j + 2 + len <= 8: the block ends in this beat
    output wire [27:0]  succ,     // [4j+3:4j] j + 2 + len, the next start (valid if fits)
    output wire [13:0]  cls,      // [2j+1:2j] class of that short block (1 length, 2 unknown type)
    output wire [118:0] nxm8,     // [17j+16:17j] j + 2 + len - 8: next start seen from the next beat
    output wire [6:0]   nx_le7,   // that next start is on a lane of the next beat
    output wire [6:0]   nx_eq8,   // that next start is lane 0 of the beat after
    output wire [5:0]   lenok,    // j = 0..5: type at lane j+2 known and len equals its length
    output wire [15:0]  len6,     // length of a block starting on lane 6 (its type is in the next beat)
    // type byte on lane k = 0..7
    output wire [7:0]   known,
    output wire [39:0]  tidx,
    output wire [11:0]  tlen01,   // lengths of lanes 0 and 1 (types of straddling blocks)
    // walk from first start p = 0..7
    output wire [71:0]  reach,    // [9p+8:9p] bit q: a block starts at position q (8 = next beat lane 0)
    output wire [7:0]   openv,    // a block is left open at the end of the beat
    output wire [23:0]  openq,    // [3p+2:3p] lane where that block starts
    output wire [23:0]  ncomp     // [3p+2:3p] blocks completed inside the beat
);

localparam [1:0] CLS_LENGTH  = 2'd1;
localparam [1:0] CLS_UNKNOWN = 2'd2;

wire [47:0] tlen;
assign tlen01 = tlen[11:0];

genvar k, j, p;

generate
for (k = 0; k < 8; k = k + 1) begin : g_type
    tg_itch_type u_type (
        .type_byte(data[8*k +: 8]),
        .known(known[k]),
        .idx(tidx[5*k +: 5]),
        .len(tlen[6*k +: 6])
    );
end

for (j = 0; j < 7; j = j + 1) begin : g_lane
    localparam [3:0] FITS = 6 - j;      // longest block that ends in the beat
    localparam [3:0] LE7  = 13 - j;     // longest whose successor is in the next beat
    localparam [3:0] EQ8  = 14 - j;
    localparam [3:0] STEP = j + 2;
    wire [15:0] blen = {data[8*j +: 8], data[8*(j+1) +: 8]};
    wire        hi0  = blen[15:4] == 12'd0;
    assign fits[j] = hi0 && blen[3:0] <= FITS;
    assign succ[4*j +: 4] = blen[3:0] + STEP;
    assign nxm8[17*j +: 17] = {1'b0, blen} + {13'd0, STEP} - 17'd8;
    assign nx_le7[j] = hi0 && blen[3:0] <= LE7;
    assign nx_eq8[j] = hi0 && blen[3:0] == EQ8;
    if (j < 6) begin : g_typed
        assign cls[2*j +: 2] = (blen != 16'd0 && !known[j+2]) ? CLS_UNKNOWN : CLS_LENGTH;
        assign lenok[j] = known[j+2] && blen == {10'd0, tlen[6*(j+2) +: 6]};
    end else begin : g_last
        assign cls[2*j +: 2] = CLS_LENGTH;
        assign len6 = blen;
    end
end
endgenerate

// bits set in 4, as a table (LUTs, not an adder chain)
function [2:0] pc4;
    input [3:0] v;
    begin
        case (v)
        4'h0: pc4 = 3'd0;
        4'h1, 4'h2, 4'h4, 4'h8: pc4 = 3'd1;
        4'h7, 4'hB, 4'hD, 4'hE: pc4 = 3'd3;
        4'hF: pc4 = 3'd4;
        default: pc4 = 3'd2;
        endcase
    end
endfunction

// The chain of short blocks from a given first start p: position x (0..8,
// 8 being lane 0 of the next beat) starts a block if some block before it
// does and has exactly the length that reaches x. Written on the length
// tests themselves (no adders, no table lookups), so it flattens into a few
// levels of sum-of-products.
reg [48:0] eqc;                 // [7j+v]: the block on lane j has length v (v <= 6 - j)
integer a, b;
always @* begin
    eqc = 49'd0;
    for (a = 0; a < 7; a = a + 1)
        for (b = 0; b <= 6 - a; b = b + 1)
            eqc[7*a + b] = {data[8*a +: 8], data[8*(a+1) +: 8]} == b[15:0];
end

generate
for (p = 0; p < 8; p = p + 1) begin : g_walk
    reg [8:0] r;
    reg [2:0] last;
    reg [2:0] cnt;
    integer x, y;
    always @* begin
        r = 9'd0;
        r[p] = 1'b1;
        for (x = p + 2; x <= 8; x = x + 1)
            for (y = p; y <= x - 2; y = y + 1)
                if (r[y] && eqc[7*y + (x - y - 2)])
                    r[x] = 1'b1;
        last = p;
        for (x = p + 1; x < 8; x = x + 1)
            if (r[x])
                last = x[2:0];
        // blocks completed: the starts after p (at most 4)
        cnt = pc4(r[4:1] & ~((4'd1 << p) - 4'd1)) +
              pc4(r[8:5] & ~((4'd1 << (p > 4 ? p - 4 : 0)) - 4'd1));
    end
    assign reach[9*p +: 9] = r;
    assign openv[p] = !r[8];
    assign openq[3*p +: 3] = last;
    assign ncomp[3*p +: 3] = cnt;
end
endgenerate

endmodule

`default_nettype wire
