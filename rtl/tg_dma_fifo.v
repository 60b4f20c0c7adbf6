// SPDX-License-Identifier: BSD-3-Clause
// A small first-word-fall-through FIFO for the DMA engine's bookkeeping
// (read tags, descriptors, frames in flight). The head is read
// asynchronously so a word pushed in one cycle is at the output the next,
// which the engine relies on to see its own in-flight state without a gap.
// Small depths map to distributed RAM.

`timescale 1ns / 1ps
`default_nettype none

module tg_dma_fifo #(
    parameter WIDTH = 8,
    parameter DEPTH_LOG2 = 3
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

    // ---- status ----
    output wire [DEPTH_LOG2:0]   count
);

localparam DEPTH = 1 << DEPTH_LOG2;

reg [WIDTH-1:0] mem [0:DEPTH-1];

reg [DEPTH_LOG2:0] wr_ptr_reg, wr_ptr_next;
reg [DEPTH_LOG2:0] rd_ptr_reg, rd_ptr_next;

wire full  = (wr_ptr_reg[DEPTH_LOG2] != rd_ptr_reg[DEPTH_LOG2]) &&
             (wr_ptr_reg[DEPTH_LOG2-1:0] == rd_ptr_reg[DEPTH_LOG2-1:0]);
wire empty = wr_ptr_reg == rd_ptr_reg;
wire push  = s_valid && !full;
wire pop   = m_ready && !empty;

assign s_ready = !full;
assign m_valid = !empty;
assign m_data  = mem[rd_ptr_reg[DEPTH_LOG2-1:0]];
assign count   = wr_ptr_reg - rd_ptr_reg;

always @* begin
    wr_ptr_next = wr_ptr_reg + {{DEPTH_LOG2{1'b0}}, push};
    rd_ptr_next = rd_ptr_reg + {{DEPTH_LOG2{1'b0}}, pop};
end

always @(posedge clk) begin
    if (push)
        mem[wr_ptr_reg[DEPTH_LOG2-1:0]] <= s_data;

    wr_ptr_reg <= wr_ptr_next;
    rd_ptr_reg <= rd_ptr_next;
    if (rst) begin
        wr_ptr_reg <= {(DEPTH_LOG2+1){1'b0}};
        rd_ptr_reg <= {(DEPTH_LOG2+1){1'b0}};
    end
end

endmodule

`default_nettype wire
