// SPDX-License-Identifier: BSD-3-Clause
// The record FIFO between the feed pipeline and the C2H ring writer: wide
// (one 64-byte record per word) and deep, so it lives in block RAM. The
// RAM's registered read port is the FIFO's output register, so the head
// is first-word-fall-through and one word can leave per clock.

`timescale 1ns / 1ps
`default_nettype none

module tg_dma_rec_fifo #(
    parameter WIDTH = 512,
    parameter DEPTH_LOG2 = 9
) (
    input  wire                  clk,
    input  wire                  rst,        // sync, active high: empties the FIFO

    // ---- input ----
    input  wire [WIDTH-1:0]      s_data,
    input  wire                  s_valid,
    output wire                  s_ready,

    // ---- output (head) ----
    output wire [WIDTH-1:0]      m_data,
    output wire                  m_valid,
    input  wire                  m_ready,

    // ---- status: words held, output register included ----
    output wire [DEPTH_LOG2+1:0] count
);

localparam DEPTH = 1 << DEPTH_LOG2;

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [WIDTH-1:0] out_reg;
reg             out_valid_reg, out_valid_next;

reg [DEPTH_LOG2:0] wr_ptr_reg, wr_ptr_next;
reg [DEPTH_LOG2:0] rd_ptr_reg, rd_ptr_next;

// words in the RAM that have not moved to the output register yet
wire [DEPTH_LOG2:0] mem_count = wr_ptr_reg - rd_ptr_reg;
wire mem_full  = mem_count[DEPTH_LOG2];
wire mem_empty = mem_count == {(DEPTH_LOG2+1){1'b0}};
wire push = s_valid && !mem_full;
wire load = !mem_empty && (!out_valid_reg || m_ready);

assign s_ready = !mem_full;
assign m_valid = out_valid_reg;
assign m_data  = out_reg;
assign count   = {1'b0, mem_count} + {{(DEPTH_LOG2+1){1'b0}}, out_valid_reg};

always @* begin
    wr_ptr_next = wr_ptr_reg + {{DEPTH_LOG2{1'b0}}, push};
    rd_ptr_next = rd_ptr_reg + {{DEPTH_LOG2{1'b0}}, load};
    out_valid_next = out_valid_reg;
    if (load)
        out_valid_next = 1'b1;
    else if (m_ready)
        out_valid_next = 1'b0;
end

always @(posedge clk) begin
    if (push)
        mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_data;
    if (load)
        out_reg <= mem[rd_ptr_reg[DEPTH_LOG2-1:0]];

    wr_ptr_reg <= wr_ptr_next;
    rd_ptr_reg <= rd_ptr_next;
    out_valid_reg <= out_valid_next;
    if (rst) begin
        wr_ptr_reg <= {(DEPTH_LOG2+1){1'b0}};
        rd_ptr_reg <= {(DEPTH_LOG2+1){1'b0}};
        out_valid_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
