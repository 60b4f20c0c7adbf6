// SPDX-License-Identifier: BSD-3-Clause
// MoldUDP64 session table and sequencer. Sessions are learned in order of
// first sight, keyed by the 10-byte name; each slot keeps the next expected
// sequence number and whether the session has ended.
//
// A packet is looked up in three steps, each a pipeline stage, as its
// header bytes pass: the name is matched when its last byte is in R1, the
// sequence number is compared with the slot's next when its last byte is,
// and the verdict (accept, learn, GAP, EOS) is taken with the rest of the
// checks. The walker then reports how many messages of the packet used a
// sequence number, and the slot's next moves on by that many.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_sess #(
    parameter N_SESSIONS = 8
) (
    input  wire         clk,
    input  wire         rst,
    input  wire         soft_reset,
    // Name complete: match it against the table
    input  wire         lk_go,
    input  wire [79:0]  lk_name,
    // Sequence number complete: compare it with the slot's next
    input  wire         dc_go,
    input  wire [63:0]  dc_seq,
    // Verdict
    input  wire         vd_go,
    input  wire         vd_ok,
    input  wire [3:0]   vd_code,
    input  wire [15:0]  vd_n,
    input  wire         vd_line,
    // Messages of the current packet that used a sequence number
    input  wire         nx_go,
    input  wire [2:0]   nx_inc,
    // Current packet
    output reg          pk_acc,     // accepted (counts MOLD_PACKETS)
    output reg          pk_blk,     // accepted and carries message blocks
    output reg  [15:0]  pk_n,
    output reg  [15:0]  pk_dup,     // leading blocks already seen (saturated)
    output reg  [63:0]  pk_seq,
    output reg  [2:0]   pk_slot,
    output reg          pk_line,
    // GAP and EOS records
    output wire         hrec_valid,
    output reg  [511:0] hrec_data,
    // Verdict counts
    output reg          ve_go,
    output reg  [3:0]   ve_code,    // counter of a dropped frame, 0 if accepted
    output reg          ve_hb,
    output reg          ve_eos,
    output reg          ve_gap,
    output reg  [63:0]  ve_gapmsg,
    // Register window 0x200..0x2FF
    input  wire [11:0]  reg_rd_addr,
    output reg  [31:0]  reg_rd_data,    // combinational; 0 outside the window
    // Status
    output wire         busy
);

`include "tg_card_abi.vh"

reg         sv [0:N_SESSIONS-1];
reg         se [0:N_SESSIONS-1];
reg  [79:0] sn [0:N_SESSIONS-1];
reg  [63:0] sx [0:N_SESSIONS-1];
reg  [3:0]  nval;

// lookup stage
reg         l_any;
reg  [2:0]  l_slot;
reg         l_full;
reg  [63:0] l_next;
reg         l_ended;
reg  [79:0] l_name;
// compare stage
reg  [63:0] d_seq;
reg         d_gapf;
reg  [63:0] d_gap;
reg         d_isdup;
reg  [63:0] d_dup;
reg  [63:0] d_after;
// packet state
reg  [63:0] cur_next;
reg         eos_pend;

// lookup: which slot holds the name
reg  [N_SESSIONS-1:0] hit;
reg  [2:0]  hit_slot;
integer s;

always @* begin
    hit_slot = 3'd0;
    for (s = 0; s < N_SESSIONS; s = s + 1) begin
        hit[s] = sv[s] && sn[s] == lk_name;
        if (hit[s])
            hit_slot = hit_slot | s[2:0];
    end
end

// compare: that slot's next and ended flag
reg  [N_SESSIONS-1:0] l_hit;
reg  [63:0] c_next;
reg         c_ended;

always @* begin
    c_next = 64'd0;
    c_ended = 1'b0;
    for (s = 0; s < N_SESSIONS; s = s + 1)
        if (l_hit[s]) begin
            c_next = c_next | sx[s];
            c_ended = c_ended | se[s];
        end
end

wire [64:0] sub_gap = {1'b0, dc_seq} - {1'b0, c_next};    // seq - next
wire [64:0] sub_dup = {1'b0, c_next} - {1'b0, dc_seq};    // next - seq
wire        is_gap  = l_any && sub_dup[64];               // next < seq
wire        is_dup  = l_any && sub_gap[64];               // seq < next

wire        accept  = vd_ok && !l_full;
wire        n_hb    = vd_n == 16'h0000;
wire        n_eos   = vd_n == 16'hFFFF;
wire        gap_now = vd_go && accept && d_gapf;

assign hrec_valid = gap_now || eos_pend;
assign busy = eos_pend || ve_go;

always @* begin
    hrec_data = 512'd0;
    if (eos_pend) begin
        hrec_data[7:0]    = `TG_EV_EOS;
        hrec_data[23:16]  = {5'd0, pk_slot};
        hrec_data[31:24]  = {7'd0, pk_line};
        hrec_data[127:64] = pk_seq;
    end else begin
        hrec_data[7:0]    = `TG_EV_GAP;
        hrec_data[23:16]  = {5'd0, l_slot};
        hrec_data[31:24]  = {7'd0, vd_line};
        hrec_data[127:64] = l_next;
        hrec_data[191:128] = d_gap;
    end
end

// registers: SESSION[s] at 0x200 + 32*s
wire       rd_win = reg_rd_addr[11:8] == 4'h2 && reg_rd_addr[1:0] == 2'b00;
wire [2:0] rd_s   = reg_rd_addr[7:5];

always @* begin
    reg_rd_data = 32'd0;
    if (rd_win && {29'd0, rd_s} < N_SESSIONS) begin
        case (reg_rd_addr[4:2])
        3'd0: reg_rd_data = sn[rd_s][31:0];
        3'd1: reg_rd_data = sn[rd_s][63:32];
        3'd2: reg_rd_data = {16'd0, sn[rd_s][79:64]};
        3'd3: reg_rd_data = {30'd0, se[rd_s], sv[rd_s]};
        3'd4: reg_rd_data = sx[rd_s][31:0];
        3'd5: reg_rd_data = sx[rd_s][63:32];
        default: reg_rd_data = 32'd0;
        endcase
    end
end

wire [63:0] adv_next = cur_next + {61'd0, nx_inc};

always @(posedge clk) begin
    if (lk_go) begin
        l_hit <= hit;
        l_any <= |hit;
        l_slot <= (|hit) ? hit_slot : nval[2:0];
        l_full <= !(|hit) && nval == N_SESSIONS;
        l_name <= lk_name;
    end
    if (dc_go) begin
        l_next <= c_next;
        l_ended <= c_ended;
        d_seq <= dc_seq;
        d_gapf <= is_gap;
        d_gap <= sub_gap[63:0];
        d_isdup <= is_dup;
        d_dup <= sub_dup[63:0];
        d_after <= (l_any && !is_gap) ? c_next : dc_seq;
    end

    ve_code <= !vd_ok ? vd_code : l_full ? `TG_CNT_ERR_SESSION_FULL : 4'd0;
    ve_hb <= accept && n_hb;
    ve_eos <= accept && n_eos;
    ve_gap <= accept && d_gapf;
    ve_gapmsg <= d_gap;

    if (vd_go) begin
        pk_n <= vd_n;
        pk_dup <= !d_isdup ? 16'd0 : (d_dup[63:16] != 48'd0) ? 16'hFFFF : d_dup[15:0];
        pk_seq <= d_seq;
        pk_slot <= l_slot;
        pk_line <= vd_line;
        cur_next <= d_after;
    end else if (nx_go) begin
        cur_next <= adv_next;
    end

    if (rst || soft_reset) begin
        for (s = 0; s < N_SESSIONS; s = s + 1) begin
            sv[s] <= 1'b0;
            se[s] <= 1'b0;
            sn[s] <= 80'd0;
            sx[s] <= 64'd0;
        end
        nval <= 4'd0;
        pk_acc <= 1'b0;
        pk_blk <= 1'b0;
        eos_pend <= 1'b0;
        ve_go <= 1'b0;
    end else begin
        ve_go <= vd_go;
        eos_pend <= vd_go && accept && n_eos && !(l_any && l_ended);
        if (vd_go) begin
            pk_acc <= accept;
            pk_blk <= accept && !n_hb && !n_eos;
            if (accept) begin
                if (!l_any) begin
                    sv[l_slot] <= 1'b1;
                    sn[l_slot] <= l_name;
                    se[l_slot] <= n_eos;
                    sx[l_slot] <= d_seq;
                    nval <= nval + 4'd1;
                end else begin
                    if (d_gapf)
                        sx[l_slot] <= d_seq;
                    if (n_eos)
                        se[l_slot] <= 1'b1;
                end
            end
        end else if (nx_go) begin
            sx[pk_slot] <= adv_next;
        end
    end
end

endmodule

`default_nettype wire
