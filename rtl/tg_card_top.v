// SPDX-License-Identifier: BSD-3-Clause
// The card (docs/card-interface.md): the register block, the DMA engine
// and the feed pipeline, on the three ports of section 7 that a PCIe DMA
// core or the Verilator shim in sim/ serves.
//
// Register reads take one cycle in both tg_regs and tg_feed; the window of
// the address read is registered beside them and picks whose data leaves.

`timescale 1ns / 1ps
`default_nettype none

`include "tg_card_abi.vh"

module tg_card_top (
    input  wire         clk,
    input  wire         rst,          // sync, active high

    // ---- registers (BAR0) ----
    input  wire         reg_wr_en,
    input  wire [11:0]  reg_wr_addr,
    input  wire [31:0]  reg_wr_data,
    input  wire         reg_rd_en,
    input  wire [11:0]  reg_rd_addr,
    output wire [31:0]  reg_rd_data,
    output wire         reg_rd_valid,

    // ---- host memory: read requests and responses ----
    output wire         mem_rd_req_valid,
    input  wire         mem_rd_req_ready,
    output wire [63:0]  mem_rd_req_addr,
    output wire [15:0]  mem_rd_req_len,
    input  wire         mem_rd_resp_valid,
    output wire         mem_rd_resp_ready,
    input  wire [63:0]  mem_rd_resp_data,
    input  wire         mem_rd_resp_last,

    // ---- host memory: line writes ----
    output wire         mem_wr_valid,
    input  wire         mem_wr_ready,
    output wire [63:0]  mem_wr_addr,
    output wire [511:0] mem_wr_data,
    output wire [63:0]  mem_wr_strb
);

localparam N_FILTERS  = `TG_CARD_N_FILTERS;
localparam N_SESSIONS = `TG_CARD_N_SESSIONS;
localparam [7:0] CAPS_FILTERS  = N_FILTERS;
localparam [7:0] CAPS_SESSIONS = N_SESSIONS;
// filters, sessions, 8 bytes per beat, feed decoder; no SM4 in this build
localparam [31:0] CAPS = {6'd0, 1'b0, 1'b1, 8'd8, CAPS_SESSIONS, CAPS_FILTERS};

// the DMA engine's counters, inside the feed's counter window
localparam [11:0] DMA_CNT_LO = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_C2H_DROPS;
localparam [11:0] DMA_CNT_HI = `TG_REG_COUNTER_BASE + 12'd8 * (`TG_CNT_ERR_DESC + 1);
localparam [11:0] CNT_END    = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_NUM;

// ---------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------
wire        enable;
wire        soft_reset;
wire [63:0] h2c_base;
wire [4:0]  h2c_size;
wire [31:0] h2c_tail;
wire [63:0] h2c_wb;
wire [63:0] c2h_base;
wire [4:0]  c2h_size;
wire [31:0] c2h_head;
wire [31:0] h2c_head;
wire [31:0] c2h_tail;
wire        dma_idle;
wire        feed_busy;
wire [63:0] cnt_c2h_drops;
wire [63:0] cnt_h2c_descs;
wire [63:0] cnt_err_desc;
wire [31:0] regs_rd_data;
wire [31:0] feed_rd_data;

tg_regs #(.CAPS(CAPS)) regs (
    .clk(clk), .rst(rst),
    .reg_wr_en(reg_wr_en), .reg_wr_addr(reg_wr_addr), .reg_wr_data(reg_wr_data),
    .reg_rd_en(reg_rd_en), .reg_rd_addr(reg_rd_addr), .reg_rd_data(regs_rd_data),
    .enable(enable), .soft_reset(soft_reset),
    .h2c_base(h2c_base), .h2c_size(h2c_size), .h2c_tail(h2c_tail), .h2c_wb(h2c_wb),
    .c2h_base(c2h_base), .c2h_size(c2h_size), .c2h_head(c2h_head),
    .idle(dma_idle && !feed_busy),
    .h2c_head(h2c_head), .c2h_tail(c2h_tail),
    .cnt_c2h_drops(cnt_c2h_drops), .cnt_h2c_descs(cnt_h2c_descs),
    .cnt_err_desc(cnt_err_desc)
);

// feed windows: filters, sessions, counters other than the DMA engine's
wire rd_in_feed =
    (reg_rd_addr >= `TG_REG_FILTER_BASE && reg_rd_addr < `TG_REG_FILTER_BASE + 12'd16 * N_FILTERS) ||
    (reg_rd_addr >= `TG_REG_SESSION_BASE && reg_rd_addr < `TG_REG_SESSION_BASE + 12'd32 * N_SESSIONS) ||
    (reg_rd_addr >= `TG_REG_COUNTER_BASE && reg_rd_addr < CNT_END &&
     !(reg_rd_addr >= DMA_CNT_LO && reg_rd_addr < DMA_CNT_HI));

reg rd_valid_reg;
reg rd_feed_reg;

always @(posedge clk) begin
    rd_valid_reg <= reg_rd_en;
    rd_feed_reg  <= rd_in_feed;
    if (rst)
        rd_valid_reg <= 1'b0;
end

assign reg_rd_data  = rd_feed_reg ? feed_rd_data : regs_rd_data;
assign reg_rd_valid = rd_valid_reg;

// ---------------------------------------------------------------------------
// DMA engine
// ---------------------------------------------------------------------------
wire [63:0]  axis_tdata;
wire [7:0]   axis_tkeep;
wire         axis_tlast;
wire         axis_a_tvalid;
wire         axis_a_tready;
wire         axis_b_tvalid;
wire         axis_b_tready;
wire [511:0] rec_data;
wire         rec_valid;

tg_dma dma (
    .clk(clk), .rst(rst), .soft_reset(soft_reset),
    .enable(enable),
    .h2c_base(h2c_base), .h2c_size(h2c_size), .h2c_tail(h2c_tail), .h2c_wb(h2c_wb),
    .c2h_base(c2h_base), .c2h_size(c2h_size), .c2h_head(c2h_head),
    .h2c_head(h2c_head), .c2h_tail(c2h_tail), .idle(dma_idle),
    .cnt_c2h_drops(cnt_c2h_drops), .cnt_h2c_descs(cnt_h2c_descs),
    .cnt_err_desc(cnt_err_desc),
    .mem_rd_req_valid(mem_rd_req_valid), .mem_rd_req_ready(mem_rd_req_ready),
    .mem_rd_req_addr(mem_rd_req_addr), .mem_rd_req_len(mem_rd_req_len),
    .mem_rd_resp_valid(mem_rd_resp_valid), .mem_rd_resp_ready(mem_rd_resp_ready),
    .mem_rd_resp_data(mem_rd_resp_data), .mem_rd_resp_last(mem_rd_resp_last),
    .mem_wr_valid(mem_wr_valid), .mem_wr_ready(mem_wr_ready),
    .mem_wr_addr(mem_wr_addr), .mem_wr_data(mem_wr_data), .mem_wr_strb(mem_wr_strb),
    .m_axis_tdata(axis_tdata), .m_axis_tkeep(axis_tkeep), .m_axis_tlast(axis_tlast),
    .m_axis_a_tvalid(axis_a_tvalid), .m_axis_a_tready(axis_a_tready),
    .m_axis_b_tvalid(axis_b_tvalid), .m_axis_b_tready(axis_b_tready),
    .s_rec_data(rec_data), .s_rec_valid(rec_valid), .feed_busy(feed_busy)
);

// ---------------------------------------------------------------------------
// Feed pipeline
// ---------------------------------------------------------------------------
tg_feed #(.N_FILTERS(N_FILTERS), .N_SESSIONS(N_SESSIONS)) feed (
    .clk(clk), .rst(rst), .soft_reset(soft_reset),
    .s_axis_a_tdata(axis_tdata), .s_axis_a_tkeep(axis_tkeep),
    .s_axis_a_tvalid(axis_a_tvalid), .s_axis_a_tready(axis_a_tready),
    .s_axis_a_tlast(axis_tlast),
    .s_axis_b_tdata(axis_tdata), .s_axis_b_tkeep(axis_tkeep),
    .s_axis_b_tvalid(axis_b_tvalid), .s_axis_b_tready(axis_b_tready),
    .s_axis_b_tlast(axis_tlast),
    .m_rec_data(rec_data), .m_rec_valid(rec_valid),
    .reg_wr_en(reg_wr_en), .reg_wr_addr(reg_wr_addr), .reg_wr_data(reg_wr_data),
    .reg_rd_addr(reg_rd_addr), .reg_rd_data(feed_rd_data),
    .busy(feed_busy)
);

endmodule

`default_nettype wire
