// SPDX-License-Identifier: BSD-3-Clause
// SM4 engine: the key slots (write-only key registers, expansion into
// per-stage round-key stores) and the unrolled cipher pipeline. Blocks go
// straight through (ECB); the modes are built around it.

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_engine #(
    parameter N_SLOTS = 16,
    parameter SLOT_BITS = (N_SLOTS > 1) ? $clog2(N_SLOTS) : 1,
    parameter TAG_WIDTH = 16
) (
    input  wire                 clk,
    input  wire                 rst,

    // ---- key registers (write only) ----
    input  wire                 key_we,
    input  wire [1:0]           key_addr,
    input  wire [31:0]          key_wdata,
    input  wire                 key_load,
    input  wire [SLOT_BITS-1:0] key_load_slot,
    output wire                 key_busy,

    // ---- blocks in (never stalls) ----
    input  wire [127:0]         s_data,
    input  wire                 s_valid,
    input  wire [SLOT_BITS-1:0] s_slot,
    input  wire                 s_decrypt,
    input  wire [TAG_WIDTH-1:0] s_tag,

    // ---- blocks out ----
    output wire [127:0]         m_data,
    output wire                 m_valid,
    output wire [TAG_WIDTH-1:0] m_tag
);

wire                 rk_we;
wire [SLOT_BITS-1:0] rk_slot;
wire [4:0]           rk_idx;
wire [31:0]          rk_data;

tg_sm4_keyexp #(.N_SLOTS(N_SLOTS), .SLOT_BITS(SLOT_BITS)) keyexp (
    .clk(clk), .rst(rst),
    .key_we(key_we), .key_addr(key_addr), .key_wdata(key_wdata),
    .key_load(key_load), .key_load_slot(key_load_slot), .busy(key_busy),
    .rk_we(rk_we), .rk_slot(rk_slot), .rk_idx(rk_idx), .rk_data(rk_data)
);

tg_sm4_core #(.N_SLOTS(N_SLOTS), .SLOT_BITS(SLOT_BITS), .TAG_WIDTH(TAG_WIDTH)) core (
    .clk(clk), .rst(rst),
    .s_data(s_data), .s_valid(s_valid), .s_slot(s_slot),
    .s_decrypt(s_decrypt), .s_tag(s_tag),
    .m_data(m_data), .m_valid(m_valid), .m_tag(m_tag),
    .rk_we(rk_we), .rk_slot(rk_slot), .rk_idx(rk_idx), .rk_data(rk_data)
);

endmodule

`default_nettype wire
