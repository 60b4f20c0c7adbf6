// SPDX-License-Identifier: BSD-3-Clause
// The card (docs/card-interface.md): the register block, the DMA engine,
// the feed pipeline and the SM4 engine, on the three ports of section 7
// that a PCIe DMA core or the Verilator shim in sim/ serves.
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
// filters, sessions, 8 bytes per beat, feed decoder, SM4
localparam [31:0] CAPS = {6'd0, 1'b1, 1'b1, 8'd8, CAPS_SESSIONS, CAPS_FILTERS};

// the DMA engine's counters (21-28) and the unused 29-31, inside the
// feed's counter window: tg_regs answers them
localparam [11:0] DMA_CNT_LO = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_C2H_DROPS;
localparam [11:0] DMA_CNT_HI = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_MSG_TYPE0;
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
wire [63:0] cnt_crypto_jobs;
wire [63:0] cnt_crypto_bytes;
wire [63:0] cnt_crypto_tag_fail;
wire [63:0] cnt_crypto_bad_job;
wire [63:0] cnt_crypto_waits;
wire        key_we;
wire [1:0]  key_addr;
wire [31:0] key_wdata;
wire        key_load;
wire [3:0]  key_load_slot;
wire        key_busy;
wire [15:0] key_loaded;
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
    .cnt_err_desc(cnt_err_desc),
    .cnt_crypto_jobs(cnt_crypto_jobs), .cnt_crypto_bytes(cnt_crypto_bytes),
    .cnt_crypto_tag_fail(cnt_crypto_tag_fail), .cnt_crypto_bad_job(cnt_crypto_bad_job),
    .cnt_crypto_waits(cnt_crypto_waits),
    .key_we(key_we), .key_addr(key_addr), .key_wdata(key_wdata),
    .key_load(key_load), .key_load_slot(key_load_slot), .key_busy(key_busy),
    .key_loaded(key_loaded)
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
wire         sm4_h_valid;
wire         sm4_h_ready;
wire [1:0]   sm4_h_mode;
wire         sm4_h_decrypt;
wire [3:0]   sm4_h_slot;
wire [127:0] sm4_h_iv;
wire [31:0]  sm4_h_aad_len;
wire [31:0]  sm4_h_data_len;
wire [127:0] sm4_h_tag;
wire [15:0]  sm4_h_id;
wire [127:0] sm4_s_data;
wire         sm4_s_valid;
wire         sm4_s_ready;
wire [127:0] sm4_m_data;
wire [15:0]  sm4_m_keep;
wire         sm4_m_valid;
wire         sm4_m_last;
wire         sm4_r_valid;
wire [127:0] sm4_r_tag;
wire         sm4_r_tag_ok;
wire         sm4_owed;

tg_dma dma (
    .clk(clk), .rst(rst), .soft_reset(soft_reset),
    .enable(enable),
    .h2c_base(h2c_base), .h2c_size(h2c_size), .h2c_tail(h2c_tail), .h2c_wb(h2c_wb),
    .c2h_base(c2h_base), .c2h_size(c2h_size), .c2h_head(c2h_head),
    .h2c_head(h2c_head), .c2h_tail(c2h_tail), .idle(dma_idle),
    .cnt_c2h_drops(cnt_c2h_drops), .cnt_h2c_descs(cnt_h2c_descs),
    .cnt_err_desc(cnt_err_desc),
    .cnt_crypto_jobs(cnt_crypto_jobs), .cnt_crypto_bytes(cnt_crypto_bytes),
    .cnt_crypto_tag_fail(cnt_crypto_tag_fail), .cnt_crypto_bad_job(cnt_crypto_bad_job),
    .cnt_crypto_waits(cnt_crypto_waits),
    .key_loaded(key_loaded),
    .mem_rd_req_valid(mem_rd_req_valid), .mem_rd_req_ready(mem_rd_req_ready),
    .mem_rd_req_addr(mem_rd_req_addr), .mem_rd_req_len(mem_rd_req_len),
    .mem_rd_resp_valid(mem_rd_resp_valid), .mem_rd_resp_ready(mem_rd_resp_ready),
    .mem_rd_resp_data(mem_rd_resp_data), .mem_rd_resp_last(mem_rd_resp_last),
    .mem_wr_valid(mem_wr_valid), .mem_wr_ready(mem_wr_ready),
    .mem_wr_addr(mem_wr_addr), .mem_wr_data(mem_wr_data), .mem_wr_strb(mem_wr_strb),
    .m_axis_tdata(axis_tdata), .m_axis_tkeep(axis_tkeep), .m_axis_tlast(axis_tlast),
    .m_axis_a_tvalid(axis_a_tvalid), .m_axis_a_tready(axis_a_tready),
    .m_axis_b_tvalid(axis_b_tvalid), .m_axis_b_tready(axis_b_tready),
    .s_rec_data(rec_data), .s_rec_valid(rec_valid), .feed_busy(feed_busy),
    .sm4_h_valid(sm4_h_valid), .sm4_h_ready(sm4_h_ready), .sm4_h_mode(sm4_h_mode),
    .sm4_h_decrypt(sm4_h_decrypt), .sm4_h_slot(sm4_h_slot), .sm4_h_iv(sm4_h_iv),
    .sm4_h_aad_len(sm4_h_aad_len), .sm4_h_data_len(sm4_h_data_len), .sm4_h_tag(sm4_h_tag),
    .sm4_h_id(sm4_h_id),
    .sm4_s_data(sm4_s_data), .sm4_s_valid(sm4_s_valid), .sm4_s_ready(sm4_s_ready),
    .sm4_m_data(sm4_m_data), .sm4_m_keep(sm4_m_keep), .sm4_m_valid(sm4_m_valid),
    .sm4_m_last(sm4_m_last),
    .sm4_r_valid(sm4_r_valid), .sm4_r_tag(sm4_r_tag), .sm4_r_tag_ok(sm4_r_tag_ok),
    .sm4_owed(sm4_owed)
);

// ---------------------------------------------------------------------------
// SM4 engine: key slots from the registers, jobs from the DMA engine. The
// job ids come back on its outputs; jobs are matched by order instead.
// ---------------------------------------------------------------------------
/* verilator lint_off UNUSEDSIGNAL */
wire [15:0] sm4_m_id;
wire [15:0] sm4_r_id;
/* verilator lint_on UNUSEDSIGNAL */

// Simulation speed only: a Verilated model evaluates all of the SM4 engine
// (32 rounds, the GHASH multiplier) every clock, which made the whole card
// three times slower to simulate even with no job. So in Verilator builds
// the engine's clock stops once it has been quiet for 64 clocks: nothing
// inside is valid by then (a block is out 34 clocks after it enters, a
// result 13 after its job's last block), and the engine takes gaps of any
// length, so skipping quiet clocks changes no output. The clock runs again
// in the clock where a reset, a key write or command, a header or a block
// is presented. The enable is taken at the falling edge, so the gated
// clock has no glitch. Synthesis sees no gate: the engine always runs
// (and a Verilated build with TG_SM4_NO_CLOCK_STOP defined neither).
`ifdef VERILATOR
`ifndef TG_SM4_NO_CLOCK_STOP
`define TG_SM4_CLOCK_STOP
`endif
`endif
`ifdef TG_SM4_CLOCK_STOP
reg  [5:0] sm4_quiet_reg;
reg        sm4_run_n;
wire       sm4_active = rst || key_we || key_load || key_busy || sm4_h_valid || sm4_s_valid ||
                        sm4_owed;

always @(posedge clk) begin
    if (sm4_active)
        sm4_quiet_reg <= 6'd0;
    else if (sm4_quiet_reg != 6'd63)
        sm4_quiet_reg <= sm4_quiet_reg + 6'd1;
end

always @(negedge clk)
    sm4_run_n <= sm4_active || sm4_quiet_reg != 6'd63;

wire       sm4_clk = clk & sm4_run_n;
`else
wire       sm4_clk = clk;
/* verilator lint_off UNUSEDSIGNAL */
wire       sm4_owed_unused = sm4_owed;      // only the clock stop needs it
/* verilator lint_on UNUSEDSIGNAL */
`endif

tg_sm4_modes #(.N_SLOTS(`TG_KEY_SLOTS), .ID_WIDTH(16)) sm4 (
    .clk(sm4_clk), .rst(rst),
    .key_we(key_we), .key_addr(key_addr), .key_wdata(key_wdata),
    .key_load(key_load), .key_load_slot(key_load_slot), .key_busy(key_busy),
    .h_valid(sm4_h_valid), .h_ready(sm4_h_ready), .h_mode(sm4_h_mode),
    .h_decrypt(sm4_h_decrypt), .h_slot(sm4_h_slot), .h_iv(sm4_h_iv),
    .h_aad_len(sm4_h_aad_len), .h_data_len(sm4_h_data_len), .h_tag(sm4_h_tag),
    .h_id(sm4_h_id),
    .s_data(sm4_s_data), .s_valid(sm4_s_valid), .s_ready(sm4_s_ready),
    .m_data(sm4_m_data), .m_keep(sm4_m_keep), .m_valid(sm4_m_valid), .m_last(sm4_m_last),
    .m_id(sm4_m_id),
    .r_valid(sm4_r_valid), .r_id(sm4_r_id), .r_tag(sm4_r_tag), .r_tag_ok(sm4_r_tag_ok)
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
