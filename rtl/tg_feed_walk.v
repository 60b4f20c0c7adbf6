// SPDX-License-Identifier: BSD-3-Clause
// Message walker: follows the MoldUDP64 message blocks (2-byte length, then
// the message) through the datagram one R1 beat per clock, and forms the
// MSG record of each message whose last byte is in the beat.
//
// The walker's loop only picks rows of the tables tg_feed_lanes computed
// for the beat (where a chain of short blocks starting on a lane leads),
// so any mix of block lengths, malformed ones included, walks at one beat
// per clock. At most one valid message (>= 14 bytes with its length) ends
// per beat, and it is always a block that started in an earlier beat: its
// type, length check and place in the packet are registered before its last
// beat, which then only has to be muxed into the record (2 cycles from the
// beat at the input to m_rec_valid).
//
// The bytes of the block open at the end of a beat are kept in a message
// buffer, one beat late, rotated so that message byte o sits at o. Every
// block completed in a beat is reported to the counter stage with its class
// and its end, which also applies the packet's count and duplicates.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_walk (
    input  wire         clk,
    input  wire         rst,
    input  wire         soft_reset,
    // R1 beat and its tables
    input  wire         r1_valid,
    input  wire [63:0]  r1_data,
    input  wire [63:0]  r1d_data,
    input  wire [3:0]   r1_kc,
    input  wire         r1_last,
    input  wire [6:0]   ln_fits,
    input  wire [27:0]  ln_succ,
    input  wire [13:0]  ln_cls,
    input  wire [118:0] ln_nxm8,
    input  wire [6:0]   ln_nx_le7,
    input  wire [6:0]   ln_nx_eq8,
    input  wire [5:0]   ln_lenok,
    input  wire [15:0]  ln_len6,
    input  wire [7:0]   ln_known,
    input  wire [39:0]  ln_tidx,
    input  wire [11:0]  ln_tlen,    // type lengths of lanes 0 and 1
    input  wire [71:0]  ln_reach,
    input  wire [7:0]   ln_openv,
    input  wire [23:0]  ln_openq,
    input  wire [23:0]  ln_ncomp,
    // Datagram
    input  wire         w_start,
    input  wire [2:0]   w_p0,
    input  wire [18:0]  de_rem,
    // Current packet
    input  wire         pk_blk,
    input  wire [15:0]  pk_n,
    input  wire [15:0]  pk_dup,
    input  wire [63:0]  pk_seq,
    input  wire [2:0]   pk_slot,
    input  wire         pk_line,
    // MSG record of this beat (combinational)
    output wire         mrec_valid,
    output reg  [511:0] mrec_data,
    output wire [4:0]   mrec_tidx,
    // Blocks completed in the previous beat
    output reg          ev_v,
    output reg  [15:0]  ev_k0,      // blocks completed before the beat
    output reg          ev_cd,      // the block carried in completed, first
    output reg  [1:0]   ev_ccls,
    output reg  [3:0]   ev_cend,    // its end (exclusive) in the beat
    output reg  [6:0]   ev_cs,      // lanes where a block started and completed
    output reg  [27:0]  ev_succ,    // their ends
    output reg  [13:0]  ev_cls,     // their classes
    output reg          ev_ends,    // the datagram ended in the beat
    output reg  [3:0]   ev_de,      // at this position
    output reg          ev_bnd,     // exactly on a block boundary
    // Status
    output wire         busy
);

`include "tg_card_abi.vh"

localparam [1:0] CLS_VALID   = 2'd0;
localparam [1:0] CLS_LENGTH  = 2'd1;
localparam [1:0] CLS_UNKNOWN = 2'd2;

function [7:0] lane;
    input [63:0] d;
    input integer k;
    begin
        lane = d[8*k +: 8];
    end
endfunction

// Row x of a table of 8 rows, as plain muxes (no index arithmetic).
function [8:0] row9;
    input [2:0]  x;
    input [71:0] tab;
    integer i;
    begin
        row9 = 9'd0;
        for (i = 0; i < 8; i = i + 1)
            if (x == i[2:0])
                row9 = tab[9*i +: 9];
    end
endfunction

function [2:0] row3;
    input [2:0]  x;
    input [23:0] tab;
    integer i;
    begin
        row3 = 3'd0;
        for (i = 0; i < 8; i = i + 1)
            if (x == i[2:0])
                row3 = tab[3*i +: 3];
    end
endfunction

function [4:0] row5;
    input [2:0]  x;
    input [39:0] tab;
    integer i;
    begin
        row5 = 5'd0;
        for (i = 0; i < 8; i = i + 1)
            if (x == i[2:0])
                row5 = tab[5*i +: 5];
    end
endfunction

function [16:0] row17;
    input [2:0]   x;
    input [118:0] tab;      // rows 0..6
    integer i;
    begin
        row17 = 17'd0;
        for (i = 0; i < 7; i = i + 1)
            if (x == i[2:0])
                row17 = tab[17*i +: 17];
    end
endfunction

// lane r first: byte x of the result is lane (x + r) mod 8
function [63:0] rotate;
    input [63:0] d;
    input [2:0]  r;
    begin
        case (r)
        3'd0: rotate = d;
        3'd1: rotate = {d[7:0],  d[63:8]};
        3'd2: rotate = {d[15:0], d[63:16]};
        3'd3: rotate = {d[23:0], d[63:24]};
        3'd4: rotate = {d[31:0], d[63:32]};
        3'd5: rotate = {d[39:0], d[63:40]};
        3'd6: rotate = {d[47:0], d[63:48]};
        default: rotate = {d[55:0], d[63:56]};
        endcase
    end
endfunction

// ---- walker state ----
reg         w_act_reg, w_act_next;
reg         w_len1_reg, w_len1_next;    // a block's length straddles into this beat
reg  [16:0] w_ns_reg, w_ns_next;        // next block start, relative to this beat
reg         w_z_reg, w_z_next;          //  ... is 0
reg         w_le7_reg, w_le7_next;      //  ... is on a lane of this beat
reg         w_eq8_reg, w_eq8_next;      //  ... is lane 0 of the next beat
reg  [7:0]  w_hi_reg, w_hi_next;        // high length byte of the straddling block
reg  [15:0] w_k_reg, w_k_next;          // blocks completed in the packet
// ---- the open block ----
reg  [2:0]  o_rot_reg, o_rot_next;      // lane of its message byte 0, mod 8
reg  [50:0] o_th1_reg, o_th1_next;      // [o+1]: message byte o (-1..49) is in this beat or later
reg  [49:0] o_thd_reg, o_thd_next;      // [o]: message byte o is in the previous beat or later
reg  [1:0]  o_tpend_reg, o_tpend_next;  // type byte on lane 0 (1) or 1 (2) of this beat
reg  [15:0] o_len_reg, o_len_next;
reg         o_known_reg, o_known_next;
reg  [4:0]  o_tidx_reg, o_tidx_next;
reg         o_ok_reg, o_ok_next;        // known type and length matches
reg  [399:0] mbuf_reg;

// ---- where the beat's blocks are ----
// The straddling block (w_len1) has length lc and ends at 1 + lc; every
// comparison of a next start against the beat is a registered flag, so the
// loop is: first start, its row of the walk tables, the open block's row.
wire        run     = r1_valid && (w_act_reg || w_start);
wire [7:0]  d0      = lane(r1_data, 0);
wire [15:0] lc      = {w_hi_reg, d0};
wire        hi0     = w_hi_reg == 8'd0;
wire        cur_z   = !w_len1_reg && w_z_reg;
wire        cur_le7 = w_len1_reg ? (hi0 && d0 <= 8'd6) : w_le7_reg;
wire        cur_eq8 = w_len1_reg ? (hi0 && d0 == 8'd7) : w_eq8_reg;
wire [3:0]  cur_lo  = w_len1_reg ? d0[3:0] + 4'd1 : w_ns_reg[3:0];  // 1..8 when it ends here
wire        carr    = !w_start && !cur_z;
wire        c_done  = carr && (cur_le7 || cur_eq8);
wire        p0v     = w_start || cur_le7;
wire [2:0]  p0      = w_start ? w_p0 : cur_lo[2:0];
wire [8:0]  reach_s = p0v ? row9(p0, ln_reach) : 9'd0;
wire        openv_s = p0v && ln_openv[p0];
wire [2:0]  q       = row3(p0, ln_openq);
wire [2:0]  ncomp_s = p0v ? row3(p0, ln_ncomp) : 3'd0;
wire [16:0] nxm8_q  = row17(q, ln_nxm8);
// type of a block opening on lane q: the byte on lane q + 2
wire [7:0]  known_q = {ln_known[1:0], ln_known[7:2]};
wire [4:0]  tidx_q  = row5(q, {ln_tidx[9:0], ln_tidx[39:10]});
wire [8:0]  starts  = reach_s | (c_done ? (9'd1 << cur_lo) : 9'd0);

// ---- datagram end ----
wire        de_le8 = $signed(de_rem) <= $signed(19'sd8);
wire [3:0]  de_pos = de_rem[18] ? 4'd0 : de_rem[3:0];
wire        ends   = r1_last || de_le8;
wire [3:0]  de_rel = (de_le8 && (!r1_last || de_pos <= r1_kc)) ? de_pos : r1_kc;
wire        bnd    = starts[de_rel];

// ---- the carried block's class ----
reg         c_known;
reg         c_zero;
reg         c_valid;
always @* begin
    if (w_len1_reg) begin
        c_known = ln_known[1];
        c_zero = lc == 16'd0;
        c_valid = 1'b0;
    end else if (o_tpend_reg == 2'd1) begin
        c_known = ln_known[0];
        c_zero = 1'b0;
        c_valid = 1'b0;
    end else begin
        c_known = o_known_reg;
        c_zero = 1'b0;
        c_valid = o_ok_reg;
    end
end
wire [1:0]  c_cls = c_zero ? CLS_LENGTH : !c_known ? CLS_UNKNOWN : c_valid ? CLS_VALID : CLS_LENGTH;

assign mrec_valid = run && c_done && c_valid &&
                    (!ends || cur_lo <= de_rel) &&
                    pk_blk && w_k_reg < pk_n && w_k_reg >= pk_dup;
assign mrec_tidx = o_tidx_reg;
assign busy = w_act_reg || ev_v;

// message byte o of a block opening on lane j sits on lane j + 2 + o: bytes
// 6 - j and on are in the next beat (bit o + 1)
function [50:0] th_open;
    input [2:0] j;
    begin
        case (j)
        3'd0: th_open = {{44{1'b1}}, 7'b0000000};
        3'd1: th_open = {{45{1'b1}}, 6'b000000};
        3'd2: th_open = {{46{1'b1}}, 5'b00000};
        3'd3: th_open = {{47{1'b1}}, 4'b0000};
        3'd4: th_open = {{48{1'b1}}, 3'b000};
        3'd5: th_open = {{49{1'b1}}, 2'b00};
        3'd6: th_open = {{50{1'b1}}, 1'b0};
        default: th_open = {51{1'b1}};
        endcase
    end
endfunction

always @* begin
    w_act_next = w_act_reg;
    w_len1_next = w_len1_reg;
    w_ns_next = w_ns_reg;
    w_z_next = w_z_reg;
    w_le7_next = w_le7_reg;
    w_eq8_next = w_eq8_reg;
    w_hi_next = w_hi_reg;
    w_k_next = w_k_reg;
    o_rot_next = o_rot_reg;
    o_th1_next = o_th1_reg;
    o_thd_next = o_thd_reg;
    o_tpend_next = o_tpend_reg;
    o_len_next = o_len_reg;
    o_known_next = o_known_reg;
    o_tidx_next = o_tidx_reg;
    o_ok_next = o_ok_reg;

    if (run) begin
        w_act_next = !ends;
        w_k_next = (w_start ? 16'd0 : w_k_reg) + {15'd0, c_done} + {13'd0, ncomp_s};
        w_hi_next = lane(r1_data, 7);
        if (openv_s) begin
            // a block opens on lane q
            w_len1_next = q == 3'd7;
            w_ns_next = nxm8_q;
            w_z_next = 1'b0;
            w_le7_next = ln_nx_le7[q];
            w_eq8_next = ln_nx_eq8[q];
        end else if (p0v) begin
            // the beat's last block ended on its last lane
            w_len1_next = 1'b0;
            w_ns_next = 17'd0;
            w_z_next = 1'b1;
            w_le7_next = 1'b1;
            w_eq8_next = 1'b0;
        end else if (w_len1_reg) begin
            // the straddling block goes on past this beat
            w_len1_next = 1'b0;
            w_ns_next = {1'b0, lc} - 17'd7;
            w_z_next = lc == 16'd7;
            w_le7_next = lc <= 16'd14;
            w_eq8_next = lc == 16'd15;
        end else begin
            w_len1_next = 1'b0;
            w_ns_next = w_ns_reg - 17'd8;
            w_z_next = w_eq8_reg;
            w_le7_next = w_ns_reg <= 17'd15;
            w_eq8_next = w_ns_reg == 17'd16;
        end

        if (openv_s) begin
            // its message starts on lane q + 2
            o_rot_next = q + 3'd2;
            o_th1_next = th_open(q);
            o_thd_next = {50{1'b1}};
            o_tpend_next = 2'd0;
            o_len_next = ln_len6;
            o_known_next = known_q[q];
            o_tidx_next = tidx_q;
            o_ok_next = ln_lenok[q];
            if (q == 3'd6)
                o_tpend_next = 2'd1;
            else if (q == 3'd7)
                o_tpend_next = 2'd2;
        end else if (!p0v) begin
            // the carried block goes on: its bytes move one beat back
            o_th1_next = {o_th1_reg[42:0], 8'd0};
            o_thd_next = o_th1_reg[50:1];
            o_tpend_next = 2'd0;
            if (o_tpend_reg == 2'd1) begin
                o_known_next = ln_known[0];
                o_tidx_next = ln_tidx[4:0];
                o_ok_next = ln_known[0] && o_len_reg == {10'd0, ln_tlen[5:0]};
            end else if (o_tpend_reg == 2'd2) begin
                o_known_next = ln_known[1];
                o_tidx_next = ln_tidx[9:5];
                o_ok_next = ln_known[1] && lc == {10'd0, ln_tlen[11:6]};
            end
        end
    end
end

// ---- the message bytes: earlier beats, previous beat, this beat ----
// lane o_rot first: message byte o on lane (o mod 8) of the rotated beat
wire [63:0]  rot1 = rotate(r1_data, o_rot_reg);
wire [63:0]  rotd = rotate(r1d_data, o_rot_reg);
reg  [399:0] msg;
integer x;
always @* begin
    for (x = 0; x < 50; x = x + 1)
        msg[8*x +: 8] = o_th1_reg[x+1] ? rot1[8*(x % 8) +: 8] :
                        o_thd_reg[x] ? rotd[8*(x % 8) +: 8] : mbuf_reg[8*x +: 8];
end

wire [319:0] body;
tg_itch_perm u_perm (
    .tidx(o_tidx_reg),
    .msg(msg[399:88]),
    .body(body)
);

wire [63:0] rec_seq = pk_seq + {48'd0, w_k_reg};
integer o;

always @* begin
    mrec_data = 512'd0;
    mrec_data[7:0]     = `TG_EV_MSG;
    mrec_data[15:8]    = msg[7:0];
    mrec_data[23:16]   = {5'd0, pk_slot};
    mrec_data[31:24]   = {7'd0, pk_line};
    mrec_data[39:32]   = msg[8*2 +: 8];
    mrec_data[47:40]   = msg[8*1 +: 8];
    mrec_data[55:48]   = msg[8*4 +: 8];
    mrec_data[63:56]   = msg[8*3 +: 8];
    mrec_data[127:64]  = rec_seq;
    for (x = 0; x < 6; x = x + 1)
        mrec_data[128 + 8*x +: 8] = msg[8*(10 - x) +: 8];
    mrec_data[511:192] = body;
end

always @(posedge clk) begin
    w_len1_reg <= w_len1_next;
    w_ns_reg <= w_ns_next;
    w_z_reg <= w_z_next;
    w_le7_reg <= w_le7_next;
    w_eq8_reg <= w_eq8_next;
    w_hi_reg <= w_hi_next;
    w_k_reg <= w_k_next;
    o_rot_reg <= o_rot_next;
    o_th1_reg <= o_th1_next;
    o_thd_reg <= o_thd_next;
    o_tpend_reg <= o_tpend_next;
    o_len_reg <= o_len_next;
    o_known_reg <= o_known_next;
    o_tidx_reg <= o_tidx_next;
    o_ok_reg <= o_ok_next;
    if (run && !w_start)
        for (o = 0; o < 50; o = o + 1)
            if (o_thd_reg[o] && !o_th1_reg[o+1])
                mbuf_reg[8*o +: 8] <= rotd[8*(o % 8) +: 8];

    ev_k0 <= w_start ? 16'd0 : w_k_reg;
    ev_cd <= c_done;
    ev_ccls <= c_cls;
    ev_cend <= cur_lo;
    ev_cs <= reach_s[6:0] & ln_fits;
    ev_succ <= ln_succ;
    ev_cls <= ln_cls;
    ev_ends <= ends;
    ev_de <= de_rel;
    ev_bnd <= bnd;

    if (rst || soft_reset) begin
        w_act_reg <= 1'b0;
        ev_v <= 1'b0;
    end else begin
        w_act_reg <= w_act_next;
        ev_v <= run;
    end
end

endmodule

`default_nettype wire
