// SPDX-License-Identifier: BSD-3-Clause
// The crypto jobs' output writer (docs/card-interface.md section 9): the
// data blocks of one job after another, 16 bytes each, become 64-byte line
// writes with byte strobes at the job's destination, which may have any
// alignment.
//
// A job's blocks form a byte stream that starts at dst. With r = dst mod
// 16, the aligned 16-byte chunk j of the destination holds the last r bytes
// of block j - 1 and the first 16 - r of block j. Each block is rotated by
// r bytes (a per-job constant) as it comes; chunk j is then the rotated
// block j above byte r and the rotated block j - 1 (kept) below it, so one
// rotator makes a chunk per block, plus one more after the last block when
// its bytes spill over. Chunks go into their slot of the line register
// (each slot loads on its own, no multiplexer in front of the 512 bits),
// which is offered to the write port when its last slot is in or the job
// ends; while it is offered, the next chunk waits. A 16-byte aligned dst
// makes one write per four blocks, any other one or two more per job, and
// a chunk can enter in the clock its line is taken, so the writer keeps up
// with one block per clock. Bytes are little-endian in the line (byte k at
// [8k+7:8k]), as on the write port; blocks come in the same order (byte i
// at [8i+7:8i]).
//
// job_done pulses when the last line of a job has been taken by the write
// port: its result record may then be written behind it.

`timescale 1ns / 1ps
`default_nettype none

module tg_dma_dst (
    input  wire         clk,
    input  wire         rst,          // sync, active high: drops everything held

    // ---- the next job's destination ----
    input  wire [63:0]  j_dst,
    input  wire         j_valid,
    output wire         j_ready,

    // ---- data blocks, in job order ----
    input  wire [127:0] s_data,       // byte i at [8i+7:8i]
    input  wire [15:0]  s_keep,       // bit i: byte i (the first n bits of an n-byte block)
    input  wire         s_last,       // the job's last block
    input  wire         s_valid,
    output wire         s_ready,

    // ---- line writes ----
    output wire         m_valid,
    input  wire         m_ready,
    output wire [63:0]  m_addr,
    output wire [511:0] m_data,
    output wire [63:0]  m_strb,

    // ---- status ----
    output wire         job_done,     // a job's last line was taken
    output wire         busy
);

// current job
reg         have_reg, have_next;       // its destination is loaded
reg  [3:0]  r_reg, r_next;             // dst mod 16
reg  [59:0] addr_reg, addr_next;       // next chunk's address / 16
reg         flush_reg, flush_next;     // the spill-over chunk is next
reg [127:0] prev_reg;                  // the previous block, rotated
reg  [15:0] pkeep_reg, pkeep_next;     // its byte enables, rotated

// the line: gathered, then offered
reg [511:0] line_data_reg;
reg  [63:0] line_strb_reg, line_strb_next;
reg  [57:0] line_addr_reg;
reg         line_valid_reg, line_valid_next;   // offered to the write port
reg         line_last_reg, line_last_next;     // a job's last line

// the block rotated by r bytes: byte i holds block byte (i - r) mod 16; in
// four steps of 1, 2, 4 and 8 bytes (two LUT levels, no wide multiplexer)
function [127:0] rot_bytes(input [127:0] x, input [3:0] n);
    reg [127:0] y;
    begin
        y = x;
        if (n[0]) y = {y[119:0], y[127:120]};
        if (n[1]) y = {y[111:0], y[127:112]};
        if (n[2]) y = {y[95:0], y[127:96]};
        if (n[3]) y = {y[63:0], y[127:64]};
        rot_bytes = y;
    end
endfunction

function [15:0] rot_bits(input [15:0] x, input [3:0] n);
    reg [15:0] y;
    begin
        y = x;
        if (n[0]) y = {y[14:0], y[15]};
        if (n[1]) y = {y[13:0], y[15:14]};
        if (n[2]) y = {y[11:0], y[15:12]};
        if (n[3]) y = {y[7:0], y[15:8]};
        rot_bits = y;
    end
endfunction

wire [127:0] rot_data = rot_bytes(flush_reg ? 128'd0 : s_data, r_reg);
wire [15:0]  rot_keep = rot_bits(flush_reg ? 16'd0 : s_keep, r_reg);

// the chunk: bytes r and up from this block, below r from the previous one
wire [15:0]  hi_bytes = 16'hFFFF << r_reg;
reg  [127:0] hi_mask;
integer b;

always @* begin
    for (b = 0; b < 16; b = b + 1)
        hi_mask[8*b +: 8] = {8{hi_bytes[b]}};
end

wire [127:0] c_data = (rot_data & hi_mask) | (prev_reg & ~hi_mask);
wire [15:0]  c_keep = (rot_keep & hi_bytes) | (pkeep_reg & ~hi_bytes);
wire [1:0]   c_slot = addr_reg[1:0];

// a last block with bytes at 16 - r or above spills into one more chunk
wire [3:0]   spill_at   = 4'd0 - r_reg;
wire         blk_last   = !flush_reg && s_last;
wire         need_flush = blk_last && r_reg != 4'd0 && s_keep[spill_at];
wire         c_final    = flush_reg || (blk_last && !need_flush);
wire         c_emit     = c_slot == 2'b11 || c_final;
wire         line_free  = !line_valid_reg || m_ready;
wire         c_fire     = have_reg && (flush_reg || s_valid) && line_free;

assign j_ready = !have_reg;
assign s_ready = have_reg && !flush_reg && line_free;

integer k;

always @* begin
    have_next = have_reg;
    r_next = r_reg;
    addr_next = addr_reg;
    flush_next = flush_reg;
    pkeep_next = pkeep_reg;
    line_valid_next = line_valid_reg && !m_ready;
    line_last_next = line_last_reg;
    line_strb_next = (line_valid_reg && m_ready) ? 64'd0 : line_strb_reg;

    if (!have_reg && j_valid) begin
        have_next = 1'b1;
        r_next = j_dst[3:0];
        addr_next = j_dst[63:4];
        pkeep_next = 16'd0;
    end
    if (c_fire) begin
        addr_next = addr_reg + 60'd1;
        pkeep_next = rot_keep;
        if (need_flush)
            flush_next = 1'b1;
        if (c_final) begin
            have_next = 1'b0;
            flush_next = 1'b0;
        end
        for (k = 0; k < 4; k = k + 1)
            if (c_slot == k[1:0])
                line_strb_next[16*k +: 16] = c_keep;
        if (c_emit) begin
            line_valid_next = 1'b1;
            line_last_next = c_final;
        end
    end
end

always @(posedge clk) begin
    have_reg <= have_next;
    flush_reg <= flush_next;
    line_strb_reg <= line_strb_next;
    line_valid_reg <= line_valid_next;
    if (rst) begin
        have_reg <= 1'b0;
        flush_reg <= 1'b0;
        line_strb_reg <= 64'd0;
        line_valid_reg <= 1'b0;
    end
end

// datapath registers: no reset; each slot of the line loads its chunk
always @(posedge clk) begin
    r_reg <= r_next;
    addr_reg <= addr_next;
    pkeep_reg <= pkeep_next;
    line_last_reg <= line_last_next;
    if (c_fire) begin
        prev_reg <= rot_data;
        line_addr_reg <= addr_reg[59:2];
        for (k = 0; k < 4; k = k + 1)
            if (c_slot == k[1:0])
                line_data_reg[128*k +: 128] <= c_data;
    end
end

assign m_valid  = line_valid_reg;
assign m_addr   = {line_addr_reg, 6'd0};
assign m_data   = line_data_reg;
assign m_strb   = line_strb_reg;
assign job_done = line_valid_reg && m_ready && line_last_reg;
assign busy     = have_reg || line_valid_reg;

endmodule

`default_nettype wire
