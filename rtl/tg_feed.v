// SPDX-License-Identifier: BSD-3-Clause
// The card's feed pipeline (sections 4-6 of docs/card-interface.md): frames
// from lines A and B, a round-robin frame arbiter, Ethernet / 802.1Q / IPv4
// / UDP checks, the filter table, MoldUDP64 sessions and sequencing, ITCH
// 5.0 message extraction and the 64-byte event records, with the feed's
// counters and register windows. docs/rtl-feed.md describes the stages.
//
// One beat per clock on the granted line, never stalled inside a frame; a
// MSG record leaves 2 cycles after the beat holding the message's last byte
// is accepted; at most one record per clock, no back-pressure.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed #(
    parameter N_FILTERS  = 8,
    parameter N_SESSIONS = 8
) (
    input  wire         clk,
    input  wire         rst,          // synchronous, active high
    input  wire         soft_reset,   // one-cycle pulse from CTRL.RESET: clear counters, sessions, sequencer state (filters keep their values)
    // Line A frames (AXI-Stream, 64-bit; tkeep contiguous from bit 0; only the tlast beat may be partial; byte k of the frame-beat in tdata[8k+7:8k])
    input  wire [63:0]  s_axis_a_tdata,
    input  wire [7:0]   s_axis_a_tkeep,
    input  wire         s_axis_a_tvalid,
    output wire         s_axis_a_tready,
    input  wire         s_axis_a_tlast,
    // Line B frames
    input  wire [63:0]  s_axis_b_tdata,
    input  wire [7:0]   s_axis_b_tkeep,
    input  wire         s_axis_b_tvalid,
    output wire         s_axis_b_tready,
    input  wire         s_axis_b_tlast,
    // Event records: at most one per clock, no back-pressure (the consumer always accepts)
    output wire [511:0] m_rec_data,   // byte k of the record in bits [8k+7:8k]; phase bit (byte 3 bit 7) left 0, the DMA engine sets it
    output wire         m_rec_valid,
    // Register window: filters 0x100-0x17F (RW), sessions 0x200-0x2FF (RO), counters 0x400-0x5BF (RO); full 12-bit BAR offsets
    input  wire         reg_wr_en,
    input  wire [11:0]  reg_wr_addr,
    input  wire [31:0]  reg_wr_data,
    input  wire [11:0]  reg_rd_addr,
    output wire [31:0]  reg_rd_data,  // registered: data for reg_rd_addr of the previous cycle; 0 for offsets outside the window
    // Status
    output wire         busy          // a frame or record is in the pipeline (for STATUS.IDLE)
);

// ---- input stage: R1 ----
wire         r1_valid;
wire [63:0]  r1_data;
wire [63:0]  r1d_data;
wire [3:0]   r1_kc;
wire         r1_last;
wire         r1_sof;
wire         r1_line;
wire [13:0]  r1_bt;
wire [6:0]   ln_fits;
wire [27:0]  ln_succ;
wire [13:0]  ln_cls;
wire [118:0] ln_nxm8;
wire [6:0]   ln_nx_le7;
wire [6:0]   ln_nx_eq8;
wire [5:0]   ln_lenok;
wire [15:0]  ln_len6;
wire [7:0]   ln_known;
wire [39:0]  ln_tidx;
wire [11:0]  ln_tlen;
wire [71:0]  ln_reach;
wire [7:0]   ln_openv;
wire [23:0]  ln_openq;
wire [23:0]  ln_ncomp;
wire         in_frame;

tg_feed_in u_in (
    .clk(clk),
    .rst(rst),
    .soft_reset(soft_reset),
    .s_axis_a_tdata(s_axis_a_tdata),
    .s_axis_a_tkeep(s_axis_a_tkeep),
    .s_axis_a_tvalid(s_axis_a_tvalid),
    .s_axis_a_tready(s_axis_a_tready),
    .s_axis_a_tlast(s_axis_a_tlast),
    .s_axis_b_tdata(s_axis_b_tdata),
    .s_axis_b_tkeep(s_axis_b_tkeep),
    .s_axis_b_tvalid(s_axis_b_tvalid),
    .s_axis_b_tready(s_axis_b_tready),
    .s_axis_b_tlast(s_axis_b_tlast),
    .r1_valid(r1_valid),
    .r1_data(r1_data),
    .r1d_data(r1d_data),
    .r1_kc(r1_kc),
    .r1_last(r1_last),
    .r1_sof(r1_sof),
    .r1_line(r1_line),
    .r1_bt(r1_bt),
    .ln_fits(ln_fits),
    .ln_succ(ln_succ),
    .ln_cls(ln_cls),
    .ln_nxm8(ln_nxm8),
    .ln_nx_le7(ln_nx_le7),
    .ln_nx_eq8(ln_nx_eq8),
    .ln_lenok(ln_lenok),
    .ln_len6(ln_len6),
    .ln_known(ln_known),
    .ln_tidx(ln_tidx),
    .ln_tlen(ln_tlen),
    .ln_reach(ln_reach),
    .ln_openv(ln_openv),
    .ln_openq(ln_openq),
    .ln_ncomp(ln_ncomp),
    .in_frame(in_frame)
);

// ---- headers and checks ----
wire [31:0]  fl_ip, fe_ip;
wire [15:0]  fl_port, fe_port;
wire         fl_hit, fe_hit;
wire         lk_go, dc_go, vd_go, vd_ok, vd_line;
wire [79:0]  lk_name;
wire [63:0]  dc_seq;
wire [3:0]   vd_code;
wire [15:0]  vd_n;
wire         ed_go;
wire [3:0]   ed_code;
wire         w_start;
wire [2:0]   w_p0;
wire [18:0]  de_rem;
wire         tx_go;
wire         hdr_busy;

tg_feed_hdr u_hdr (
    .clk(clk),
    .rst(rst),
    .soft_reset(soft_reset),
    .r1_valid(r1_valid),
    .r1_data(r1_data),
    .r1_kc(r1_kc),
    .r1_last(r1_last),
    .r1_sof(r1_sof),
    .r1_line(r1_line),
    .r1_bt(r1_bt),
    .fl_ip(fl_ip),
    .fl_port(fl_port),
    .fl_hit(fl_hit),
    .fe_ip(fe_ip),
    .fe_port(fe_port),
    .fe_hit(fe_hit),
    .lk_go(lk_go),
    .lk_name(lk_name),
    .dc_go(dc_go),
    .dc_seq(dc_seq),
    .vd_go(vd_go),
    .vd_ok(vd_ok),
    .vd_code(vd_code),
    .vd_n(vd_n),
    .vd_line(vd_line),
    .ed_go(ed_go),
    .ed_code(ed_code),
    .w_start(w_start),
    .w_p0(w_p0),
    .de_rem(de_rem),
    .tx_go(tx_go),
    .busy(hdr_busy)
);

wire [31:0]  filt_rd;

tg_feed_filt #(
    .N_FILTERS(N_FILTERS)
) u_filt (
    .clk(clk),
    .rst(rst),
    .reg_wr_en(reg_wr_en),
    .reg_wr_addr(reg_wr_addr),
    .reg_wr_data(reg_wr_data),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(filt_rd),
    .a_ip(fl_ip),
    .a_port(fl_port),
    .a_hit(fl_hit),
    .b_ip(fe_ip),
    .b_port(fe_port),
    .b_hit(fe_hit)
);

// ---- sessions and sequencer ----
wire         nx_go;
wire [2:0]   nx_inc;
wire         pk_acc, pk_blk, pk_line;
wire [15:0]  pk_n, pk_dup;
wire [63:0]  pk_seq;
wire [2:0]   pk_slot;
wire         hrec_valid;
wire [511:0] hrec_data;
wire         ve_go, ve_hb, ve_eos, ve_gap;
wire [3:0]   ve_code;
wire [63:0]  ve_gapmsg;
wire [31:0]  sess_rd;
wire         sess_busy;

tg_feed_sess #(
    .N_SESSIONS(N_SESSIONS)
) u_sess (
    .clk(clk),
    .rst(rst),
    .soft_reset(soft_reset),
    .lk_go(lk_go),
    .lk_name(lk_name),
    .dc_go(dc_go),
    .dc_seq(dc_seq),
    .vd_go(vd_go),
    .vd_ok(vd_ok),
    .vd_code(vd_code),
    .vd_n(vd_n),
    .vd_line(vd_line),
    .nx_go(nx_go),
    .nx_inc(nx_inc),
    .pk_acc(pk_acc),
    .pk_blk(pk_blk),
    .pk_n(pk_n),
    .pk_dup(pk_dup),
    .pk_seq(pk_seq),
    .pk_slot(pk_slot),
    .pk_line(pk_line),
    .hrec_valid(hrec_valid),
    .hrec_data(hrec_data),
    .ve_go(ve_go),
    .ve_code(ve_code),
    .ve_hb(ve_hb),
    .ve_eos(ve_eos),
    .ve_gap(ve_gap),
    .ve_gapmsg(ve_gapmsg),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(sess_rd),
    .busy(sess_busy)
);

// ---- message walker ----
wire         mrec_valid;
wire [511:0] mrec_data;
wire [4:0]   mrec_tidx;
wire         ev_v, ev_cd, ev_ends, ev_bnd;
wire [15:0]  ev_k0;
wire [1:0]   ev_ccls;
wire [3:0]   ev_cend, ev_de;
wire [6:0]   ev_cs;
wire [27:0]  ev_succ;
wire [13:0]  ev_cls;
wire         walk_busy;

tg_feed_walk u_walk (
    .clk(clk),
    .rst(rst),
    .soft_reset(soft_reset),
    .r1_valid(r1_valid),
    .r1_data(r1_data),
    .r1d_data(r1d_data),
    .r1_kc(r1_kc),
    .r1_last(r1_last),
    .ln_fits(ln_fits),
    .ln_succ(ln_succ),
    .ln_cls(ln_cls),
    .ln_nxm8(ln_nxm8),
    .ln_nx_le7(ln_nx_le7),
    .ln_nx_eq8(ln_nx_eq8),
    .ln_lenok(ln_lenok),
    .ln_len6(ln_len6),
    .ln_known(ln_known),
    .ln_tidx(ln_tidx),
    .ln_tlen(ln_tlen),
    .ln_reach(ln_reach),
    .ln_openv(ln_openv),
    .ln_openq(ln_openq),
    .ln_ncomp(ln_ncomp),
    .w_start(w_start),
    .w_p0(w_p0),
    .de_rem(de_rem),
    .pk_blk(pk_blk),
    .pk_n(pk_n),
    .pk_dup(pk_dup),
    .pk_seq(pk_seq),
    .pk_slot(pk_slot),
    .pk_line(pk_line),
    .mrec_valid(mrec_valid),
    .mrec_data(mrec_data),
    .mrec_tidx(mrec_tidx),
    .ev_v(ev_v),
    .ev_k0(ev_k0),
    .ev_cd(ev_cd),
    .ev_ccls(ev_ccls),
    .ev_cend(ev_cend),
    .ev_cs(ev_cs),
    .ev_succ(ev_succ),
    .ev_cls(ev_cls),
    .ev_ends(ev_ends),
    .ev_de(ev_de),
    .ev_bnd(ev_bnd),
    .busy(walk_busy)
);

// ---- record output (R2); GAP/EOS and MSG records never meet ----
reg          rec_valid_reg;
reg  [511:0] rec_data_reg;
reg          rec_msg_reg;
reg  [4:0]   rec_tidx_reg;

always @(posedge clk) begin
    rec_data_reg <= hrec_valid ? hrec_data : mrec_data;
    rec_tidx_reg <= mrec_tidx;
    if (rst || soft_reset) begin
        rec_valid_reg <= 1'b0;
        rec_msg_reg <= 1'b0;
    end else begin
        rec_valid_reg <= hrec_valid || mrec_valid;
        rec_msg_reg <= mrec_valid && !hrec_valid;
    end
end

assign m_rec_valid = rec_valid_reg;
assign m_rec_data = rec_data_reg;

// ---- counters ----
wire [31:0]  cnt_rd;
wire         cnt_busy;

tg_feed_cnt u_cnt (
    .clk(clk),
    .rst(rst),
    .soft_reset(soft_reset),
    .fr_go(r1_valid && r1_sof),
    .fr_line(r1_line),
    .ed_go(ed_go),
    .ed_code(ed_code),
    .ve_go(ve_go),
    .ve_code(ve_code),
    .ve_hb(ve_hb),
    .ve_eos(ve_eos),
    .ve_gap(ve_gap),
    .ve_gapmsg(ve_gapmsg),
    .tx_go(tx_go),
    .pk_acc(pk_acc),
    .pk_blk(pk_blk),
    .pk_n(pk_n),
    .pk_dup(pk_dup),
    .ev_v(ev_v),
    .ev_k0(ev_k0),
    .ev_cd(ev_cd),
    .ev_ccls(ev_ccls),
    .ev_cend(ev_cend),
    .ev_cs(ev_cs),
    .ev_succ(ev_succ),
    .ev_cls(ev_cls),
    .ev_ends(ev_ends),
    .ev_de(ev_de),
    .ev_bnd(ev_bnd),
    .msg_go(rec_msg_reg),
    .msg_tidx(rec_tidx_reg),
    .nx_go(nx_go),
    .nx_inc(nx_inc),
    .reg_rd_addr(reg_rd_addr),
    .reg_rd_data(cnt_rd),
    .busy(cnt_busy)
);

// ---- register reads, one cycle ----
reg [31:0] rd_reg;
always @(posedge clk) begin
    if (rst)
        rd_reg <= 32'd0;
    else
        rd_reg <= filt_rd | sess_rd | cnt_rd;
end
assign reg_rd_data = rd_reg;

assign busy = in_frame || r1_valid || hdr_busy || sess_busy || walk_busy ||
              cnt_busy || rec_valid_reg;

endmodule

`default_nettype wire
