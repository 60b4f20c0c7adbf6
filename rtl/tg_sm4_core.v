// SPDX-License-Identifier: BSD-3-Clause
// The SM4 cipher, fully unrolled: an input register, 32 registered rounds,
// one 128-bit block accepted every clock and never a stall, so there is no
// ready. Each block carries its key slot, an encrypt/decrypt flag and a tag
// that leave with it, so blocks of different keys, directions and jobs mix
// freely in the pipeline.
//
// Round keys: stage k keeps its own small store of 2 * N_SLOTS words,
// {0, slot} holding rk_k (encrypt) and {1, slot} holding rk_{31-k}
// (decrypt), written from the key expansion's rk_* port (rk_i lands in
// stage i as an encrypt key and in stage 31-i as a decrypt key, so a stage
// never sees two writes in one clock). 32 stores of 32 x 32 bits: LUT RAM,
// read one clock ahead of the round that uses it so the read is off the
// round's path. Loading a slot while blocks of that slot are in flight
// gives those blocks a mix of keys: the user does not.

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_core #(
    parameter N_SLOTS = 16,
    parameter SLOT_BITS = (N_SLOTS > 1) ? $clog2(N_SLOTS) : 1,
    parameter TAG_WIDTH = 16
) (
    input  wire                 clk,
    input  wire                 rst,

    // ---- blocks in ----
    input  wire [127:0]         s_data,
    input  wire                 s_valid,
    input  wire [SLOT_BITS-1:0] s_slot,
    input  wire                 s_decrypt,
    input  wire [TAG_WIDTH-1:0] s_tag,

    // ---- blocks out, 33 clocks later ----
    output wire [127:0]         m_data,
    output wire                 m_valid,
    output wire [TAG_WIDTH-1:0] m_tag,

    // ---- round keys from tg_sm4_keyexp ----
    input  wire                 rk_we,
    input  wire [SLOT_BITS-1:0] rk_slot,
    input  wire [4:0]           rk_idx,
    input  wire [31:0]          rk_data
);

// st_*[0] is the input register; st_*[k+1] holds the state after round k
reg [127:0]         st_data  [0:32];
reg                 st_valid [0:32];
reg [SLOT_BITS-1:0] st_slot  [0:32];
reg                 st_dec   [0:32];
reg [TAG_WIDTH-1:0] st_tag   [0:32];

always @(posedge clk) begin
    st_data[0] <= s_data;
    st_valid[0] <= s_valid;
    st_slot[0] <= s_slot;
    st_dec[0] <= s_decrypt;
    st_tag[0] <= s_tag;
    if (rst)
        st_valid[0] <= 1'b0;
end

genvar k;
generate
for (k = 0; k < 32; k = k + 1) begin : g_stage
    reg [31:0] rk_mem [0:2*N_SLOTS-1];
    reg [31:0] rk_reg;
    wire [127:0] round_out;

    wire wr_enc = rk_idx == k;
    wire wr_dec = rk_idx == 31 - k;

    // read for the block that enters st_*[k] on this edge: the input for
    // stage 0, else the block in st_*[k-1]
    wire [SLOT_BITS-1:0] rd_slot;
    wire rd_dec;
    if (k == 0) begin : g_rd_in
        assign rd_slot = s_slot;
        assign rd_dec = s_decrypt;
    end else begin : g_rd_st
        assign rd_slot = st_slot[k-1];
        assign rd_dec = st_dec[k-1];
    end

    tg_sm4_round #(.KEY_SCHED(0)) round (
        .x(st_data[k]), .rk(rk_reg), .y(round_out)
    );

    always @(posedge clk) begin
        if (rk_we && (wr_enc || wr_dec))
            rk_mem[{wr_dec, rk_slot}] <= rk_data;
        rk_reg <= rk_mem[{rd_dec, rd_slot}];

        st_data[k+1] <= round_out;
        st_valid[k+1] <= st_valid[k];
        st_slot[k+1] <= st_slot[k];
        st_dec[k+1] <= st_dec[k];
        st_tag[k+1] <= st_tag[k];
        if (rst)
            st_valid[k+1] <= 1'b0;
    end
end
endgenerate

// the final reverse R: (X35, X34, X33, X32)
assign m_data = {st_data[32][31:0], st_data[32][63:32], st_data[32][95:64], st_data[32][127:96]};
assign m_valid = st_valid[32];
assign m_tag = st_tag[32];

endmodule

`default_nettype wire
