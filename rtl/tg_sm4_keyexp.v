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

// CK_i, byte j = (4i + j) * 7 mod 256, as a table: a 5-input ROM in LUTs
// instead of multipliers on the round's path
reg [31:0] ck;

always @* begin
    case (idx_reg)
    5'd0: ck = 32'h00070e15;
    5'd1: ck = 32'h1c232a31;
    5'd2: ck = 32'h383f464d;
    5'd3: ck = 32'h545b6269;
    5'd4: ck = 32'h70777e85;
    5'd5: ck = 32'h8c939aa1;
    5'd6: ck = 32'ha8afb6bd;
    5'd7: ck = 32'hc4cbd2d9;
    5'd8: ck = 32'he0e7eef5;
    5'd9: ck = 32'hfc030a11;
    5'd10: ck = 32'h181f262d;
    5'd11: ck = 32'h343b4249;
    5'd12: ck = 32'h50575e65;
    5'd13: ck = 32'h6c737a81;
    5'd14: ck = 32'h888f969d;
    5'd15: ck = 32'ha4abb2b9;
    5'd16: ck = 32'hc0c7ced5;
    5'd17: ck = 32'hdce3eaf1;
    5'd18: ck = 32'hf8ff060d;
    5'd19: ck = 32'h141b2229;
    5'd20: ck = 32'h30373e45;
    5'd21: ck = 32'h4c535a61;
    5'd22: ck = 32'h686f767d;
    5'd23: ck = 32'h848b9299;
    5'd24: ck = 32'ha0a7aeb5;
    5'd25: ck = 32'hbcc3cad1;
    5'd26: ck = 32'hd8dfe6ed;
    5'd27: ck = 32'hf4fb0209;
    5'd28: ck = 32'h10171e25;
    5'd29: ck = 32'h2c333a41;
    5'd30: ck = 32'h484f565d;
    5'd31: ck = 32'h646b7279;
    endcase
end

wire [127:0] k_round;

tg_sm4_round #(.KEY_SCHED(1)) round (
    .x(k_reg), .rk(ck), .y(k_round)
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
