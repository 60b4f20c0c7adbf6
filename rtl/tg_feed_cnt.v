// SPDX-License-Identifier: BSD-3-Clause
// Counters of the feed pipeline (section 6 of docs/card-interface.md,
// counters 0..20 and 32 + t) and the sequencing of message blocks: for the
// blocks the walker completed in a beat, which are inside the packet's
// message count, which are duplicates, and what the others count as. The
// number of blocks that used a sequence number goes back to the session
// table. All counters are 64-bit and take increments, one stage after the
// events that produce them; counters 21..31 (the DMA engine's, and unused)
// read 0 here.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_cnt (
    input  wire         clk,
    input  wire         rst,
    input  wire         soft_reset,
    // Frames
    input  wire         fr_go,
    input  wire         fr_line,
    // Frames dropped before their MoldUDP64 header
    input  wire         ed_go,
    input  wire [3:0]   ed_code,
    // Verdicts
    input  wire         ve_go,
    input  wire [3:0]   ve_code,
    input  wire         ve_hb,
    input  wire         ve_eos,
    input  wire         ve_gap,
    input  wire [63:0]  ve_gapmsg,
    // Frame ended before L3 + TL (pulse at its last beat)
    input  wire         tx_go,
    // Current packet
    input  wire         pk_acc,
    input  wire         pk_blk,
    input  wire [15:0]  pk_n,
    input  wire [15:0]  pk_dup,
    // Blocks the walker completed (see tg_feed_walk)
    input  wire         ev_v,
    input  wire [15:0]  ev_k0,
    input  wire         ev_cd,
    input  wire [1:0]   ev_ccls,
    input  wire [3:0]   ev_cend,
    input  wire [6:0]   ev_cs,
    input  wire [27:0]  ev_succ,
    input  wire [13:0]  ev_cls,
    input  wire         ev_ends,
    input  wire [3:0]   ev_de,
    input  wire         ev_bnd,
    // MSG records leaving
    input  wire         msg_go,
    input  wire [4:0]   msg_tidx,
    // Sequence numbers used by the packet's blocks
    output reg          nx_go,
    output reg  [2:0]   nx_inc,
    // Register window 0x400..0x5BF
    input  wire [11:0]  reg_rd_addr,
    output reg  [31:0]  reg_rd_data,    // combinational; 0 outside the window
    // Status
    output wire         busy
);

`include "tg_card_abi.vh"

localparam [1:0] CLS_LENGTH  = 2'd1;
localparam [1:0] CLS_UNKNOWN = 2'd2;

// ---- W2: the walker's events, one more stage so the verdict has landed ----
reg         w2_v;
reg  [15:0] w2_k0;
reg         w2_cd;
reg  [1:0]  w2_ccls;
reg  [3:0]  w2_cend;
reg  [6:0]  w2_cs;
reg  [27:0] w2_succ;
reg  [13:0] w2_cls;
reg         w2_ends;
reg  [3:0]  w2_de;
reg         w2_bnd;
reg  [1:0]  tx_d;

// ---- C1: which completed blocks are inside the datagram, their ranks ----
reg         c1_blk;
reg         c1_cv;
reg  [1:0]  c1_ccls;
reg  [6:0]  c1_jv;
reg  [13:0] c1_cls;
reg  [20:0] c1_rank;        // [3j+2:3j] rank of the block completed on lane j
reg  [3:0]  c1_total;
reg  [3:0]  c1_rn;          // blocks still inside the message count (clamped)
reg  [3:0]  c1_rd;          // blocks still duplicates (clamped)
reg         c1_ends;
reg         c1_bnd;

// Bit counts as small tables, so they map to LUTs rather than adder chains.
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

function [3:0] pc8;
    input [7:0] v;
    begin
        pc8 = {1'b0, pc4(v[3:0])} + {1'b0, pc4(v[7:4])};
    end
endfunction

// at most 4 blocks complete in a beat
function [2:0] cnt8;
    input [7:0] v;
    begin
        cnt8 = pc4(v[3:0]) + pc4(v[7:4]);
    end
endfunction

function [3:0] clamp;
    input [16:0] d;
    begin
        clamp = d[16] ? 4'd0 : (d[15:4] != 12'd0) ? 4'hF : d[3:0];
    end
endfunction

// C1: the completions inside the datagram (they form a prefix, in order:
// the carried block, then lanes 0..6), and the rank of each
reg         cv;
reg  [6:0]  jv;
reg  [20:0] rank;
reg  [3:0]  total;
reg  [16:0] dn, dd;
integer j;

always @* begin
    cv = w2_cd && (!w2_ends || w2_cend <= w2_de);
    for (j = 0; j < 7; j = j + 1)
        jv[j] = w2_cs[j] && (!w2_ends || w2_succ[4*j +: 4] <= w2_de);
    for (j = 0; j < 7; j = j + 1) begin
        rank[3*j +: 3] = cnt8({cv, jv & ~(7'h7F << j)});
    end
    total = pc8({cv, jv});
    dn = {1'b0, pk_n} - {1'b0, w2_k0};
    dd = {1'b0, pk_dup} - {1'b0, w2_k0};
end

// C2: inside the message count, duplicate, or a new sequence number
reg  [7:0]  v_dup, v_new, v_len, v_unk;
reg  [2:0]  n_dup, n_len, n_unk, n_new;
reg         f_short, f_over;
reg  [3:0]  rk_i;
reg  [1:0]  cl;
reg         cval;
integer i;

always @* begin
    for (i = 0; i < 8; i = i + 1) begin
        if (i == 0) begin
            cval = c1_cv;
            rk_i = 4'd0;
            cl = c1_ccls;
        end else begin
            cval = c1_jv[i-1];
            rk_i = {1'b0, c1_rank[3*(i-1) +: 3]};
            cl = c1_cls[2*(i-1) +: 2];
        end
        v_dup[i] = c1_blk && cval && rk_i < c1_rn && rk_i < c1_rd;
        v_new[i] = c1_blk && cval && rk_i < c1_rn && !(rk_i < c1_rd);
        v_len[i] = v_new[i] && cl == CLS_LENGTH;
        v_unk[i] = v_new[i] && cl == CLS_UNKNOWN;
    end
    n_dup = cnt8(v_dup);
    n_new = cnt8(v_new);
    n_len = cnt8(v_len);
    n_unk = cnt8(v_unk);
    f_short = c1_blk && c1_ends && {1'b0, c1_total} < {1'b0, c1_rn} && c1_bnd;
    f_over  = c1_blk && c1_ends && {1'b0, c1_total} < {1'b0, c1_rn} && !c1_bnd;
end

// ---- increments ----
reg  [62:0] i_small;        // [3c+2:3c] for counters 0..20
reg  [63:0] i_gapmsg;
reg  [22:0] i_type;
reg  [2:0]  s_inc [0:20];
integer c;

always @* begin
    for (c = 0; c < 21; c = c + 1)
        s_inc[c] = 3'd0;
    s_inc[`TG_CNT_FRAMES_A] = {2'd0, fr_go && !fr_line};
    s_inc[`TG_CNT_FRAMES_B] = {2'd0, fr_go && fr_line};
    for (c = `TG_CNT_NON_FEED; c <= `TG_CNT_ERR_SESSION_FULL; c = c + 1)
        s_inc[c] = {2'd0, ed_go && {28'd0, ed_code} == c} + {2'd0, ve_go && {28'd0, ve_code} == c};
    s_inc[`TG_CNT_ERR_TRUNCATED] = s_inc[`TG_CNT_ERR_TRUNCATED] + {2'd0, tx_d[1] && pk_acc};
    s_inc[`TG_CNT_MOLD_PACKETS] = {2'd0, ve_go && ve_code == 4'd0};
    s_inc[`TG_CNT_HEARTBEATS] = {2'd0, ve_go && ve_hb};
    s_inc[`TG_CNT_END_OF_SESSION] = {2'd0, ve_go && ve_eos};
    s_inc[`TG_CNT_MESSAGES] = {2'd0, msg_go};
    s_inc[`TG_CNT_DUPLICATES] = n_dup;
    s_inc[`TG_CNT_GAPS] = {2'd0, ve_go && ve_gap};
    s_inc[`TG_CNT_ERR_MSG_OVERRUN] = {2'd0, f_over};
    s_inc[`TG_CNT_ERR_UNKNOWN_TYPE] = n_unk;
    s_inc[`TG_CNT_ERR_MSG_LENGTH] = n_len;
    s_inc[`TG_CNT_ERR_SHORT_PACKET] = {2'd0, f_short};
end

// ---- the bank ----
// An array, so the register read below is one index rather than a mux
// over a 3520-bit concatenation (which also costs a simulator that
// rebuilds it every clock).
wire [63:0] cnt_arr [0:63];
genvar g;
generate
for (g = 0; g < 64; g = g + 1) begin : g_cnt
    if (g <= `TG_CNT_ERR_SHORT_PACKET || (g >= `TG_CNT_MSG_TYPE0 && g < `TG_CNT_NUM)) begin : g_feed
        reg  [63:0] q;
        wire [63:0] inc = (g == `TG_CNT_GAP_MESSAGES) ? i_gapmsg :
                          (g >= `TG_CNT_MSG_TYPE0) ? {63'd0, i_type[(g >= 32 ? g - 32 : 0)]} :
                          {61'd0, i_small[3*(g <= 20 ? g : 0) +: 3]};
        always @(posedge clk) begin
            if (rst || soft_reset)
                q <= 64'd0;
            else
                q <= q + inc;
        end
        assign cnt_arr[g] = q;
    end else begin : g_none
        assign cnt_arr[g] = 64'd0;
    end
end
endgenerate

wire        rd_win = reg_rd_addr[11:9] == 3'b010 && reg_rd_addr[1:0] == 2'b00;
wire [63:0] rd_cnt = cnt_arr[reg_rd_addr[8:3]];

always @* begin
    reg_rd_data = 32'd0;
    if (rd_win)
        reg_rd_data = reg_rd_addr[2] ? rd_cnt[63:32] : rd_cnt[31:0];
end

assign busy = w2_v || c1_blk || nx_go || (|tx_d) || (|i_small) || (|i_type) || (|i_gapmsg);

always @(posedge clk) begin
    w2_k0 <= ev_k0;
    w2_cd <= ev_cd;
    w2_ccls <= ev_ccls;
    w2_cend <= ev_cend;
    w2_cs <= ev_cs;
    w2_succ <= ev_succ;
    w2_cls <= ev_cls;
    w2_ends <= ev_ends;
    w2_de <= ev_de;
    w2_bnd <= ev_bnd;

    c1_cv <= cv;
    c1_ccls <= w2_ccls;
    c1_jv <= jv;
    c1_cls <= w2_cls;
    c1_rank <= rank;
    c1_total <= total;
    c1_rn <= clamp(dn);
    c1_rd <= clamp(dd);
    c1_ends <= w2_ends;
    c1_bnd <= w2_bnd;

    nx_inc <= n_new;
    for (c = 0; c < 21; c = c + 1)
        i_small[3*c +: 3] <= s_inc[c];
    i_gapmsg <= (ve_go && ve_gap) ? ve_gapmsg : 64'd0;
    for (c = 0; c < 23; c = c + 1)
        i_type[c] <= msg_go && {27'd0, msg_tidx} == c;

    if (rst || soft_reset) begin
        w2_v <= 1'b0;
        c1_blk <= 1'b0;
        nx_go <= 1'b0;
        tx_d <= 2'd0;
        i_small <= 63'd0;
        i_gapmsg <= 64'd0;
        i_type <= 23'd0;
    end else begin
        w2_v <= ev_v;
        c1_blk <= w2_v && pk_blk;
        nx_go <= n_new != 3'd0;
        tx_d <= {tx_d[0], tx_go};
    end
end

endmodule

`default_nettype wire
