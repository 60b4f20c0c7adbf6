// SPDX-License-Identifier: BSD-3-Clause
// SM4 key expansion for the key slots. The 128-bit key is written as four
// 32-bit words (word 0 = the first four key bytes) and expanded by a "load
// slot" command, one round key per clock: rk_i leaves on the rk_* port at
// cycle i of the expansion, for the cipher pipeline's per-stage round-key
// stores. There is no read path for the key words; they and the expansion
// state are cleared when an expansion ends, so the raw key lives in the
// card only between the key writes and the end of the load.

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_keyexp #(
    parameter N_SLOTS = 16,
    parameter SLOT_BITS = (N_SLOTS > 1) ? $clog2(N_SLOTS) : 1
) (
    input  wire                 clk,
    input  wire                 rst,

    // ---- key registers (write only) ----
    input  wire                 key_we,
    input  wire [1:0]           key_addr,
    input  wire [31:0]          key_wdata,
    input  wire                 key_load,       // expand the written key into key_load_slot
    input  wire [SLOT_BITS-1:0] key_load_slot,
    output wire                 busy,           // an expansion is running; key_load is ignored

    // ---- round keys out ----
    output reg                  rk_we,
    output reg  [SLOT_BITS-1:0] rk_slot,
    output reg  [4:0]           rk_idx,
    output reg  [31:0]          rk_data
);

localparam [127:0] FK = 128'ha3b1bac6_56aa3350_677d9197_b27022dc;

reg [31:0] key_reg [0:3];
reg [127:0] k_reg, k_next;
reg [4:0] idx_reg, idx_next;
reg run_reg, run_next;
reg [SLOT_BITS-1:0] slot_reg, slot_next;

// CK_i byte j = (4i + j) * 7 mod 256
wire [7:0] ck_base = {1'b0, idx_reg, 2'b00};
wire [7:0] ck0 = ck_base * 8'd7;
wire [7:0] ck1 = (ck_base + 8'd1) * 8'd7;
wire [7:0] ck2 = (ck_base + 8'd2) * 8'd7;
wire [7:0] ck3 = (ck_base + 8'd3) * 8'd7;

wire [127:0] k_round;

tg_sm4_round #(.KEY_SCHED(1)) round (
    .x(k_reg), .rk({ck0, ck1, ck2, ck3}), .y(k_round)
);

assign busy = run_reg;

always @* begin
    k_next = k_reg;
    idx_next = idx_reg;
    run_next = run_reg;
    slot_next = slot_reg;

    if (run_reg) begin
        k_next = k_round;
        idx_next = idx_reg + 5'd1;
        if (idx_reg == 5'd31) begin
            run_next = 1'b0;
            k_next = 128'd0;
        end
    end else if (key_load) begin
        k_next = {key_reg[0], key_reg[1], key_reg[2], key_reg[3]} ^ FK;
        idx_next = 5'd0;
        run_next = 1'b1;
        slot_next = key_load_slot;
    end
end

always @(posedge clk) begin
    k_reg <= k_next;
    idx_reg <= idx_next;
    run_reg <= run_next;
    slot_reg <= slot_next;

    // the words are spent by the load that reads them
    if (!run_reg && key_load) begin
        key_reg[0] <= 32'd0;
        key_reg[1] <= 32'd0;
        key_reg[2] <= 32'd0;
        key_reg[3] <= 32'd0;
    end else if (key_we) begin
        key_reg[key_addr] <= key_wdata;
    end

    rk_we <= run_reg;
    rk_slot <= slot_reg;
    rk_idx <= idx_reg;
    rk_data <= run_reg ? k_round[31:0] : 32'd0;

    if (rst) begin
        run_reg <= 1'b0;
        rk_we <= 1'b0;
        k_reg <= 128'd0;
        key_reg[0] <= 32'd0;
        key_reg[1] <= 32'd0;
        key_reg[2] <= 32'd0;
        key_reg[3] <= 32'd0;
    end
end

endmodule

`default_nettype wire
