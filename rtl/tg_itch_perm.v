// SPDX-License-Identifier: BSD-3-Clause
// ITCH 5.0 record body: message bytes 11..len-1 at body offset (wire - 11),
// every integer field (u, p4, p8 of 4 and 8 bytes) byte-reversed to
// little-endian, alpha and character fields as sent, bytes past the end 0.
// The field table is the one of drivers/tg_itch.c; each body byte becomes a
// small mux over the few wire offsets any type can put there, selected by
// the type index (registered upstream, so the mux is the whole path).
`timescale 1ns / 1ps
`default_nettype none

module tg_itch_perm (
    input  wire [4:0]   tidx,   // type index, counter order
    input  wire [311:0] msg,    // message bytes 11..49, byte w in [8(w-11)+7:8(w-11)]
    output wire [319:0] body    // record body bytes 0..39
);

// Wire offset that lands on wire offset w of the body for type t, or 63
// when the body byte is past the message (reads 0).
function integer src_of;
    input integer t;
    input integer w;
    integer n, s;
    begin
        s = w;
        n = 0;
        case (t)
        0:  n = 12;                                             // S
        1:  begin n = 39;                                       // R
                if (w >= 21 && w < 25) s = 45 - w;              //  round_lot_size u4
                if (w >= 34 && w < 38) s = 71 - w;              //  etp_leverage_factor u4
            end
        2:  n = 25;                                             // H
        3:  n = 20;                                             // Y
        4:  n = 26;                                             // L
        5:  begin n = 35;                                       // V
                if (w >= 11 && w < 19) s = 29 - w;              //  level1 p8
                if (w >= 19 && w < 27) s = 45 - w;              //  level2 p8
                if (w >= 27 && w < 35) s = 61 - w;              //  level3 p8
            end
        6:  n = 12;                                             // W
        7:  begin n = 28;                                       // K
                if (w >= 19 && w < 23) s = 41 - w;              //  release time u4
                if (w >= 24 && w < 28) s = 51 - w;              //  ipo_price p4
            end
        8:  begin n = 35;                                       // J
                if (w >= 19 && w < 23) s = 41 - w;
                if (w >= 23 && w < 27) s = 49 - w;
                if (w >= 27 && w < 31) s = 57 - w;
                if (w >= 31 && w < 35) s = 65 - w;
            end
        9:  n = 21;                                             // h
        10, 11: begin n = (t == 10) ? 36 : 40;                  // A, F
                if (w >= 11 && w < 19) s = 29 - w;              //  order ref u8
                if (w >= 20 && w < 24) s = 43 - w;              //  shares u4
                if (w >= 32 && w < 36) s = 67 - w;              //  price p4
            end
        12, 13: begin n = (t == 12) ? 31 : 36;                  // E, C
                if (w >= 11 && w < 19) s = 29 - w;              //  order ref u8
                if (w >= 19 && w < 23) s = 41 - w;              //  executed shares u4
                if (w >= 23 && w < 31) s = 53 - w;              //  match number u8
                if (t == 13 && w >= 32 && w < 36) s = 67 - w;   //  execution price p4
            end
        14: begin n = 23;                                       // X
                if (w >= 11 && w < 19) s = 29 - w;
                if (w >= 19 && w < 23) s = 41 - w;
            end
        15, 19: begin n = 19;                                   // D, B
                if (w >= 11 && w < 19) s = 29 - w;
            end
        16: begin n = 35;                                       // U
                if (w >= 11 && w < 19) s = 29 - w;
                if (w >= 19 && w < 27) s = 45 - w;
                if (w >= 27 && w < 31) s = 57 - w;
                if (w >= 31 && w < 35) s = 65 - w;
            end
        17: begin n = 44;                                       // P
                if (w >= 11 && w < 19) s = 29 - w;
                if (w >= 20 && w < 24) s = 43 - w;
                if (w >= 32 && w < 36) s = 67 - w;
                if (w >= 36 && w < 44) s = 79 - w;
            end
        18: begin n = 40;                                       // Q
                if (w >= 11 && w < 19) s = 29 - w;              //  shares u8
                if (w >= 27 && w < 31) s = 57 - w;              //  cross price p4
                if (w >= 31 && w < 39) s = 69 - w;              //  match number u8
            end
        20: begin n = 50;                                       // I
                if (w >= 11 && w < 19) s = 29 - w;
                if (w >= 19 && w < 27) s = 45 - w;
                if (w >= 36 && w < 40) s = 75 - w;
                if (w >= 40 && w < 44) s = 83 - w;
                if (w >= 44 && w < 48) s = 91 - w;
            end
        21: n = 20;                                             // N
        22: begin n = 48;                                       // O
                if (w >= 20 && w < 24) s = 43 - w;
                if (w >= 24 && w < 28) s = 51 - w;
                if (w >= 28 && w < 32) s = 59 - w;
                if (w >= 32 && w < 40) s = 71 - w;
                if (w >= 40 && w < 44) s = 83 - w;
                if (w >= 44 && w < 48) s = 91 - w;
            end
        default: n = 0;
        endcase
        src_of = (w < n) ? s : 63;
    end
endfunction

genvar b, t;
generate
for (b = 0; b < 40; b = b + 1) begin : g_byte
    wire [7:0] cand [0:31];
    for (t = 0; t < 32; t = t + 1) begin : g_type
        localparam integer S = src_of(t, b + 11);
        if (S == 63) begin : g_zero
            assign cand[t] = 8'd0;
        end else begin : g_src
            assign cand[t] = msg[8*(S-11) +: 8];
        end
    end
    assign body[8*b +: 8] = cand[tidx];
end
endgenerate

endmodule

`default_nettype wire
