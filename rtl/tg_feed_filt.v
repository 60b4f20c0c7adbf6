// SPDX-License-Identifier: BSD-3-Clause
// Filter table: N_FILTERS entries of destination address and port, each with
// VALID, ANY_IP and ANY_PORT, written by the host (BAR0 0x100 + 16*i). Two
// lookup ports, both combinational: one for the frame in flight and one for
// the replay of frames that ended early. A soft reset keeps the entries.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_filt #(
    parameter N_FILTERS = 8
) (
    input  wire         clk,
    input  wire         rst,
    // Register window 0x100..0x17F
    input  wire         reg_wr_en,
    input  wire [11:0]  reg_wr_addr,
    input  wire [31:0]  reg_wr_data,
    input  wire [11:0]  reg_rd_addr,
    output reg  [31:0]  reg_rd_data,    // combinational; 0 outside the window
    // Lookups
    input  wire [31:0]  a_ip,
    input  wire [15:0]  a_port,
    output wire         a_hit,
    input  wire [31:0]  b_ip,
    input  wire [15:0]  b_port,
    output wire         b_hit
);

`include "tg_card_abi.vh"

reg [31:0] ip_reg   [0:N_FILTERS-1];
reg [15:0] port_reg [0:N_FILTERS-1];
reg [2:0]  ctrl_reg [0:N_FILTERS-1];

wire       wr_win = reg_wr_en && reg_wr_addr[11:7] == 5'b00010 && reg_wr_addr[1:0] == 2'b00;
wire [2:0] wr_i   = reg_wr_addr[6:4];
wire       rd_win = reg_rd_addr[11:7] == 5'b00010 && reg_rd_addr[1:0] == 2'b00;
wire [2:0] rd_i   = reg_rd_addr[6:4];

reg [N_FILTERS-1:0] a_m, b_m;
integer i;

always @* begin
    for (i = 0; i < N_FILTERS; i = i + 1) begin
        a_m[i] = ctrl_reg[i][`TG_FILTER_VALID] &&
                 (ctrl_reg[i][`TG_FILTER_ANY_IP] || ip_reg[i] == a_ip) &&
                 (ctrl_reg[i][`TG_FILTER_ANY_PORT] || port_reg[i] == a_port);
        b_m[i] = ctrl_reg[i][`TG_FILTER_VALID] &&
                 (ctrl_reg[i][`TG_FILTER_ANY_IP] || ip_reg[i] == b_ip) &&
                 (ctrl_reg[i][`TG_FILTER_ANY_PORT] || port_reg[i] == b_port);
    end

    reg_rd_data = 32'd0;
    if (rd_win && {29'd0, rd_i} < N_FILTERS) begin
        case (reg_rd_addr[3:2])
        2'd0: reg_rd_data = ip_reg[rd_i];
        2'd1: reg_rd_data = {16'd0, port_reg[rd_i]};
        2'd2: reg_rd_data = {29'd0, ctrl_reg[rd_i]};
        default: reg_rd_data = 32'd0;
        endcase
    end
end

assign a_hit = |a_m;
assign b_hit = |b_m;

always @(posedge clk) begin
    if (rst) begin
        for (i = 0; i < N_FILTERS; i = i + 1) begin
            ip_reg[i] <= 32'd0;
            port_reg[i] <= 16'd0;
            ctrl_reg[i] <= 3'd0;
        end
    end else if (wr_win && {29'd0, wr_i} < N_FILTERS) begin
        case (reg_wr_addr[3:2])
        2'd0: ip_reg[wr_i] <= reg_wr_data;
        2'd1: port_reg[wr_i] <= reg_wr_data[15:0];
        2'd2: ctrl_reg[wr_i] <= reg_wr_data[2:0];
        default: ;
        endcase
    end
end

endmodule

`default_nettype wire
