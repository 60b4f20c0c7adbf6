// SPDX-License-Identifier: BSD-3-Clause
// The card's own registers (docs/card-interface.md sections 2 and 9):
// identity, control and status, the two rings, the SM4 key slots and the
// DMA engine's counters (21-28: C2H_DROPS, H2C_DESCS, ERR_DESC and the
// crypto counters; 29-31 read 0). The filter, session and other counter
// windows belong to the feed pipeline; tg_card_top routes reads by window.
// Reads are registered: data for the address of the previous cycle.
//
// Key registers: KEY_DATA words go straight to the SM4 engine's write-only
// key words (which a load consumes and zeroes); KEY_CMD starts a load or
// marks a slot empty, and is ignored while the engine is busy. The loaded
// bitmap is what job blocks are checked against; a slot counts as loaded
// from the LOAD command on (a job naming it waits in the engine until the
// expansion is done). RESET touches none of it.

`timescale 1ns / 1ps
`default_nettype none

`include "tg_card_abi.vh"

module tg_regs #(
    parameter [31:0] CAPS = 32'h0308_0808
) (
    input  wire         clk,
    input  wire         rst,          // sync, active high

    // ---- register port ----
    input  wire         reg_wr_en,
    input  wire [11:0]  reg_wr_addr,
    input  wire [31:0]  reg_wr_data,
    input  wire         reg_rd_en,
    input  wire [11:0]  reg_rd_addr,
    output wire [31:0]  reg_rd_data,

    // ---- control ----
    output wire         enable,
    output wire         soft_reset,   // one-cycle pulse: the cycle of a CTRL write with RESET
    output wire [63:0]  h2c_base,
    output wire [4:0]   h2c_size,
    output wire [31:0]  h2c_tail,
    output wire [63:0]  h2c_wb,
    output wire [63:0]  c2h_base,
    output wire [4:0]   c2h_size,
    output wire [31:0]  c2h_head,

    // ---- status ----
    input  wire         idle,
    input  wire [31:0]  h2c_head,
    input  wire [31:0]  c2h_tail,
    input  wire [63:0]  cnt_c2h_drops,
    input  wire [63:0]  cnt_h2c_descs,
    input  wire [63:0]  cnt_err_desc,
    input  wire [63:0]  cnt_crypto_jobs,
    input  wire [63:0]  cnt_crypto_bytes,
    input  wire [63:0]  cnt_crypto_tag_fail,
    input  wire [63:0]  cnt_crypto_bad_job,
    input  wire [63:0]  cnt_crypto_waits,

    // ---- SM4 key slots ----
    output wire         key_we,
    output wire [1:0]   key_addr,
    output wire [31:0]  key_wdata,
    output wire         key_load,
    output wire [3:0]   key_load_slot,
    input  wire         key_busy,
    output wire [15:0]  key_loaded
);

localparam [11:0] CNT_DROPS = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_C2H_DROPS;
localparam [11:0] CNT_DESCS = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_H2C_DESCS;
localparam [11:0] CNT_ERR   = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_ERR_DESC;
localparam [11:0] KEY_DATA  = `TG_REG_KEY_DATA_BASE;
localparam [11:0] CNT_CJOBS = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_CRYPTO_JOBS;
localparam [11:0] CNT_CBYTE = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_CRYPTO_BYTES;
localparam [11:0] CNT_CTAGF = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_CRYPTO_TAG_FAIL;
localparam [11:0] CNT_CBAD  = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_CRYPTO_BAD_JOB;
localparam [11:0] CNT_CWAIT = `TG_REG_COUNTER_BASE + 12'd8 * `TG_CNT_CRYPTO_WAITS;

reg [31:0] scratch_reg;
reg        enable_reg;
reg [63:0] h2c_base_reg;
reg [4:0]  h2c_size_reg;
reg [31:0] h2c_tail_reg;
reg [63:0] h2c_wb_reg;
reg [63:0] c2h_base_reg;
reg [4:0]  c2h_size_reg;
reg [31:0] c2h_head_reg;
reg [31:0] rd_data_reg, rd_data_next;
reg [15:0] loaded_reg, loaded_next;

// RESET acts in the cycle of its write, so that a read in the next cycle
// already sees every index and counter cleared
wire wr_ctrl   = reg_wr_en && reg_wr_addr == `TG_REG_CTRL;
wire wr_reset  = wr_ctrl && reg_wr_data[`TG_CTRL_RESET];

// key slots: a command is taken only while no expansion runs
wire wr_key_cmd = reg_wr_en && reg_wr_addr == `TG_REG_KEY_CMD && !key_busy;
wire cmd_load   = wr_key_cmd && reg_wr_data[`TG_KEY_CMD_LOAD];
wire cmd_unload = wr_key_cmd && !reg_wr_data[`TG_KEY_CMD_LOAD] && reg_wr_data[`TG_KEY_CMD_UNLOAD];

always @* begin
    loaded_next = loaded_reg;
    if (cmd_load)
        loaded_next[reg_wr_data[3:0]] = 1'b1;
    else if (cmd_unload)
        loaded_next[reg_wr_data[3:0]] = 1'b0;
end

always @* begin
    rd_data_next = 32'd0;
    if (reg_rd_en) begin
        case (reg_rd_addr)
        `TG_REG_ID:          rd_data_next = `TG_CARD_ID;
        `TG_REG_VERSION:     rd_data_next = `TG_CARD_VERSION;
        `TG_REG_CAPS:        rd_data_next = CAPS;
        `TG_REG_SCRATCH:     rd_data_next = scratch_reg;
        `TG_REG_CTRL:        rd_data_next = {31'd0, enable_reg};
        `TG_REG_STATUS:      rd_data_next = {31'd0, idle};
        `TG_REG_H2C_BASE_LO: rd_data_next = h2c_base_reg[31:0];
        `TG_REG_H2C_BASE_HI: rd_data_next = h2c_base_reg[63:32];
        `TG_REG_H2C_SIZE:    rd_data_next = {27'd0, h2c_size_reg};
        `TG_REG_H2C_TAIL:    rd_data_next = h2c_tail_reg;
        `TG_REG_H2C_HEAD:    rd_data_next = h2c_head;
        `TG_REG_H2C_WB_LO:   rd_data_next = h2c_wb_reg[31:0];
        `TG_REG_H2C_WB_HI:   rd_data_next = h2c_wb_reg[63:32];
        `TG_REG_C2H_BASE_LO: rd_data_next = c2h_base_reg[31:0];
        `TG_REG_C2H_BASE_HI: rd_data_next = c2h_base_reg[63:32];
        `TG_REG_C2H_SIZE:    rd_data_next = {27'd0, c2h_size_reg};
        `TG_REG_C2H_HEAD:    rd_data_next = c2h_head_reg;
        `TG_REG_C2H_TAIL:    rd_data_next = c2h_tail;
        CNT_DROPS:           rd_data_next = cnt_c2h_drops[31:0];
        CNT_DROPS + 12'd4:   rd_data_next = cnt_c2h_drops[63:32];
        CNT_DESCS:           rd_data_next = cnt_h2c_descs[31:0];
        CNT_DESCS + 12'd4:   rd_data_next = cnt_h2c_descs[63:32];
        CNT_ERR:             rd_data_next = cnt_err_desc[31:0];
        CNT_ERR + 12'd4:     rd_data_next = cnt_err_desc[63:32];
        CNT_CJOBS:           rd_data_next = cnt_crypto_jobs[31:0];
        CNT_CJOBS + 12'd4:   rd_data_next = cnt_crypto_jobs[63:32];
        CNT_CBYTE:           rd_data_next = cnt_crypto_bytes[31:0];
        CNT_CBYTE + 12'd4:   rd_data_next = cnt_crypto_bytes[63:32];
        CNT_CTAGF:           rd_data_next = cnt_crypto_tag_fail[31:0];
        CNT_CTAGF + 12'd4:   rd_data_next = cnt_crypto_tag_fail[63:32];
        CNT_CBAD:            rd_data_next = cnt_crypto_bad_job[31:0];
        CNT_CBAD + 12'd4:    rd_data_next = cnt_crypto_bad_job[63:32];
        CNT_CWAIT:           rd_data_next = cnt_crypto_waits[31:0];
        CNT_CWAIT + 12'd4:   rd_data_next = cnt_crypto_waits[63:32];
        `TG_REG_KEY_STATUS:  rd_data_next = {loaded_reg, 15'd0, key_busy};
        default:             rd_data_next = 32'd0;
        endcase
    end
end

always @(posedge clk) begin
    rd_data_reg <= rd_data_next;
    loaded_reg  <= loaded_next;

    // RESET clears the host's two ring indices with the card's
    if (wr_reset) begin
        h2c_tail_reg <= 32'd0;
        c2h_head_reg <= 32'd0;
    end

    if (reg_wr_en) begin
        case (reg_wr_addr)
        `TG_REG_SCRATCH:     scratch_reg <= reg_wr_data;
        `TG_REG_CTRL:        enable_reg <= reg_wr_data[`TG_CTRL_ENABLE];
        `TG_REG_H2C_BASE_LO: h2c_base_reg[31:0] <= reg_wr_data;
        `TG_REG_H2C_BASE_HI: h2c_base_reg[63:32] <= reg_wr_data;
        `TG_REG_H2C_SIZE:    h2c_size_reg <= reg_wr_data[4:0];
        `TG_REG_H2C_TAIL:    h2c_tail_reg <= reg_wr_data;
        `TG_REG_H2C_WB_LO:   h2c_wb_reg[31:0] <= reg_wr_data;
        `TG_REG_H2C_WB_HI:   h2c_wb_reg[63:32] <= reg_wr_data;
        `TG_REG_C2H_BASE_LO: c2h_base_reg[31:0] <= reg_wr_data;
        `TG_REG_C2H_BASE_HI: c2h_base_reg[63:32] <= reg_wr_data;
        `TG_REG_C2H_SIZE:    c2h_size_reg <= reg_wr_data[4:0];
        `TG_REG_C2H_HEAD:    c2h_head_reg <= reg_wr_data;
        default: ;
        endcase
    end

    if (rst) begin
        scratch_reg    <= 32'd0;
        enable_reg     <= 1'b0;
        h2c_base_reg   <= 64'd0;
        h2c_size_reg   <= 5'd0;
        h2c_tail_reg   <= 32'd0;
        h2c_wb_reg     <= 64'd0;
        c2h_base_reg   <= 64'd0;
        c2h_size_reg   <= 5'd0;
        c2h_head_reg   <= 32'd0;
        loaded_reg     <= 16'd0;
    end
end

assign reg_rd_data = rd_data_reg;
assign enable      = enable_reg;
assign soft_reset  = wr_reset;
assign h2c_base    = h2c_base_reg;
assign h2c_size    = h2c_size_reg;
assign h2c_tail    = h2c_tail_reg;
assign h2c_wb      = h2c_wb_reg;
assign c2h_base    = c2h_base_reg;
assign c2h_size    = c2h_size_reg;
assign c2h_head    = c2h_head_reg;

assign key_we        = reg_wr_en && reg_wr_addr[11:4] == KEY_DATA[11:4] &&
                       reg_wr_addr[1:0] == 2'b00;
assign key_addr      = reg_wr_addr[3:2];
assign key_wdata     = reg_wr_data;
assign key_load      = cmd_load;
assign key_load_slot = reg_wr_data[3:0];
assign key_loaded    = loaded_reg;

endmodule

`default_nettype wire
