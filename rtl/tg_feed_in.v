// SPDX-License-Identifier: BSD-3-Clause
// Input stage of the feed pipeline: a round-robin frame arbiter between
// lines A and B, and the first register of the pipeline (R1), which holds
// the granted beat together with the walker tables of tg_feed_lanes.
//
// tready is a register (the grant): within a frame the granted line is never
// stalled. At a tlast the grant passes to the other line if it has a frame
// waiting, so alternating lines cost no idle cycle; an idle granted line
// hands over in one cycle. A soft reset in the middle of a frame drops the
// rest of that frame, so the pipeline behind restarts on a frame boundary.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_in (
    input  wire         clk,
    input  wire         rst,
    input  wire         soft_reset,
    // Line A
    input  wire [63:0]  s_axis_a_tdata,
    input  wire [7:0]   s_axis_a_tkeep,
    input  wire         s_axis_a_tvalid,
    output wire         s_axis_a_tready,
    input  wire         s_axis_a_tlast,
    // Line B
    input  wire [63:0]  s_axis_b_tdata,
    input  wire [7:0]   s_axis_b_tkeep,
    input  wire         s_axis_b_tvalid,
    output wire         s_axis_b_tready,
    input  wire         s_axis_b_tlast,
    // R1: the accepted beat
    output reg          r1_valid,
    output reg  [63:0]  r1_data,
    output reg  [63:0]  r1d_data,   // the beat before r1_data in the same frame
    output reg  [3:0]   r1_kc,      // bytes in the beat (meaningful on the tlast beat)
    output reg          r1_last,
    output reg          r1_sof,
    output reg          r1_line,    // 1 = line B
    output reg  [13:0]  r1_bt,      // beat index in the frame (saturates)
    // R1: walker tables of the beat (see tg_feed_lanes)
    output reg  [6:0]   ln_fits,
    output reg  [27:0]  ln_succ,
    output reg  [13:0]  ln_cls,
    output reg  [118:0] ln_nxm8,
    output reg  [6:0]   ln_nx_le7,
    output reg  [6:0]   ln_nx_eq8,
    output reg  [5:0]   ln_lenok,
    output reg  [15:0]  ln_len6,
    output reg  [7:0]   ln_known,
    output reg  [39:0]  ln_tidx,
    output reg  [11:0]  ln_tlen,
    output reg  [71:0]  ln_reach,
    output reg  [7:0]   ln_openv,
    output reg  [23:0]  ln_openq,
    output reg  [23:0]  ln_ncomp,
    // Status
    output wire         in_frame
);

reg         run_reg, run_next;
reg         grant_b_reg, grant_b_next;
reg         inf_reg, inf_next;
reg         skip_reg, skip_next;
reg  [13:0] bt_reg, bt_next;

wire [63:0] sel_data  = grant_b_reg ? s_axis_b_tdata  : s_axis_a_tdata;
wire [7:0]  sel_keep  = grant_b_reg ? s_axis_b_tkeep  : s_axis_a_tkeep;
wire        sel_valid = grant_b_reg ? s_axis_b_tvalid : s_axis_a_tvalid;
wire        sel_last  = grant_b_reg ? s_axis_b_tlast  : s_axis_a_tlast;
wire        oth_valid = grant_b_reg ? s_axis_a_tvalid : s_axis_b_tvalid;
wire        take      = run_reg && sel_valid;
wire [13:0] cur_bt    = inf_reg ? bt_reg : 14'd0;

assign s_axis_a_tready = run_reg && !grant_b_reg;
assign s_axis_b_tready = run_reg && grant_b_reg;
assign in_frame = inf_reg;

always @* begin
    run_next = 1'b1;
    grant_b_next = grant_b_reg;
    inf_next = inf_reg;
    skip_next = skip_reg;
    bt_next = bt_reg;

    if (take) begin
        inf_next = !sel_last;
        bt_next = (cur_bt == 14'h3FFF) ? cur_bt : cur_bt + 14'd1;
        if (sel_last) begin
            skip_next = 1'b0;
            if (oth_valid)
                grant_b_next = !grant_b_reg;
        end
    end else if (!inf_reg && oth_valid) begin
        grant_b_next = !grant_b_reg;
    end

    if (soft_reset)
        skip_next = inf_next;
end

function [3:0] keep_count;
    input [7:0] keep;
    integer i;
    begin
        keep_count = 4'd0;
        for (i = 0; i < 8; i = i + 1)
            if (keep[i])
                keep_count = i[3:0] + 4'd1;
    end
endfunction

wire [6:0]   l_fits;
wire [27:0]  l_succ;
wire [13:0]  l_cls;
wire [118:0] l_nxm8;
wire [6:0]   l_nx_le7;
wire [6:0]   l_nx_eq8;
wire [5:0]   l_lenok;
wire [15:0]  l_len6;
wire [7:0]   l_known;
wire [39:0]  l_tidx;
wire [11:0]  l_tlen;
wire [71:0]  l_reach;
wire [7:0]   l_openv;
wire [23:0]  l_openq;
wire [23:0]  l_ncomp;

tg_feed_lanes u_lanes (
    .data(sel_data),
    .fits(l_fits),
    .succ(l_succ),
    .cls(l_cls),
    .nxm8(l_nxm8),
    .nx_le7(l_nx_le7),
    .nx_eq8(l_nx_eq8),
    .lenok(l_lenok),
    .len6(l_len6),
    .known(l_known),
    .tidx(l_tidx),
    .tlen01(l_tlen),
    .reach(l_reach),
    .openv(l_openv),
    .openq(l_openq),
    .ncomp(l_ncomp)
);

always @(posedge clk) begin
    // datapath: loaded every cycle, meaningful when r1_valid
    r1_data  <= sel_data;
    r1_kc    <= keep_count(sel_keep);
    r1_last  <= sel_last;
    r1_sof   <= !inf_reg;
    r1_line  <= grant_b_reg;
    r1_bt    <= cur_bt;
    ln_fits  <= l_fits;
    ln_succ  <= l_succ;
    ln_cls   <= l_cls;
    ln_nxm8  <= l_nxm8;
    ln_nx_le7 <= l_nx_le7;
    ln_nx_eq8 <= l_nx_eq8;
    ln_lenok <= l_lenok;
    ln_len6  <= l_len6;
    ln_known <= l_known;
    ln_tidx  <= l_tidx;
    ln_tlen  <= l_tlen;
    ln_reach <= l_reach;
    ln_openv <= l_openv;
    ln_openq <= l_openq;
    ln_ncomp <= l_ncomp;
    if (r1_valid)
        r1d_data <= r1_data;

    if (rst) begin
        run_reg <= 1'b0;
        grant_b_reg <= 1'b0;
        inf_reg <= 1'b0;
        skip_reg <= 1'b0;
        bt_reg <= 14'd0;
        r1_valid <= 1'b0;
    end else begin
        run_reg <= run_next;
        grant_b_reg <= grant_b_next;
        inf_reg <= inf_next;
        skip_reg <= skip_next;
        bt_reg <= bt_next;
        r1_valid <= take && !skip_reg && !soft_reset;
    end
end

endmodule

`default_nettype wire
