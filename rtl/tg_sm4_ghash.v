// SPDX-License-Identifier: BSD-3-Clause
// GHASH (NIST SP 800-38D, GCM bit order, x^128 + x^7 + x^2 + x + 1) at one
// block per clock, for any number of messages back to back and any gaps
// between blocks.
//
// The multiplier is pipelined, so the Horner step Y = (Y ^ X) * H cannot
// close in one clock. Instead the RING = PP_STAGES + 2 pipeline stages form
// a ring of RING interleaved accumulators that go round all the time: the
// accumulator passing the entry at clock t absorbs the block entering at t
// (if any) and is multiplied by H^c, where c counts the blocks of the same
// message entering in [t, t + RING). Following one block, the factors it
// collects until the message ends then multiply to H^(blocks from it to the
// end), exactly its power in GHASH = sum X_j * H^(n-j+1). The count looks
// RING - 1 blocks ahead, so blocks first wait RING clocks in a delay line
// (the look-ahead and one clock to register the count).
// When the window holds the message's last block the pass is the final one
// for that accumulator: its product leaves the ring into a collector
// instead of coming back; the pass that carried the last block itself is
// the last to leave, and closes the message. A new message starts in the
// accumulators freed that way.
//
// H^1 .. H^RING are kept per key slot (written on the h_* port: computed
// once per key load); H^0 = 1 needs no store.
//
// Latency: the GHASH of a message leaves 2 * RING + 1 clocks after its last
// block entered (13 with the default four partial-product stages).

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_ghash #(
    parameter N_SLOTS = 16,
    parameter SLOT_BITS = (N_SLOTS > 1) ? $clog2(N_SLOTS) : 1,
    parameter PP_STAGES = 4         // partial-product stages: 128 / PP_STAGES b bits each
) (
    input  wire                 clk,
    input  wire                 rst,

    // ---- blocks in (never stalls) ----
    input  wire [127:0]         s_data,
    input  wire                 s_valid,
    input  wire                 s_last,     // the message's last block
    input  wire [SLOT_BITS-1:0] s_slot,     // whose H; the same for a whole message

    // ---- GHASH of each message, in order ----
    output reg  [127:0]         m_data,
    output reg                  m_valid,

    // ---- hash-key powers: h_data = H^(h_idx + 1) ----
    input  wire                 h_we,
    input  wire [SLOT_BITS-1:0] h_slot,
    input  wire [2:0]           h_idx,
    input  wire [127:0]         h_data
);

localparam RING = PP_STAGES + 2;
localparam SLICE = 128 / PP_STAGES;

// GCM numbers bits from the left: coefficient of x^i is block bit 127 - i
function [127:0] rev128(input [127:0] v);
    integer i;
    begin
        for (i = 0; i < 128; i = i + 1)
            rev128[i] = v[127-i];
    end
endfunction

// ---- hash-key powers (coefficient order) ----
reg [127:0] hpow_mem [0:N_SLOTS*8-1];

always @(posedge clk) begin
    if (h_we)
        hpow_mem[{h_slot, h_idx}] <= rev128(h_data);
end

// ---- delay line: dl_*[RING-1] is the block at the entry ----
reg [127:0]         dl_data  [0:RING-1];
reg                 dl_valid [0:RING-1];
reg                 dl_last  [0:RING-1];
reg [SLOT_BITS-1:0] dl_slot  [0:RING-1];

// what the entry needs, worked out as the block moves into dl_*[RING-1]
reg [2:0]           e_idx_reg, e_idx_next;     // c - 1: H^c is hpow_mem[{slot, c - 1}]
reg                 e_zero_reg, e_zero_next;   // c = 0: multiply by 1
reg                 e_fin_reg, e_fin_next;
reg [SLOT_BITS-1:0] e_slot_reg, e_slot_next;

// window positions in time order: the block entering next, then younger ones
reg                 w_valid [0:RING-1];
reg                 w_last  [0:RING-1];
reg [SLOT_BITS-1:0] w_slot  [0:RING-1];

// blocks counted in a window of RING positions, minus one (the store's
// index of H^c), as a table in LUTs: an adder chain here would be the
// unit's longest path
function [3*(1<<RING)-1:0] pop_table(input integer n);
    integer v, i, c;
    begin
        pop_table = {3*(1<<RING){1'b0}};
        for (v = 0; v < (1 << n); v = v + 1) begin
            c = 0;
            for (i = 0; i < n; i = i + 1)
                c = c + ((v >> i) & 1);
            pop_table[3*v +: 3] = (c == 0) ? 3'd0 : c[2:0] - 3'd1;
        end
    end
endfunction

localparam [3*(1<<RING)-1:0] POP = pop_table(RING);

integer j;
reg stop, found;
reg [RING-1:0] counted;     // window positions that belong to the entry's message

always @* begin
    for (j = 0; j < RING - 1; j = j + 1) begin
        w_valid[j] = dl_valid[RING-2-j];
        w_last[j] = dl_last[RING-2-j];
        w_slot[j] = dl_slot[RING-2-j];
    end
    w_valid[RING-1] = s_valid;
    w_last[RING-1] = s_last;
    w_slot[RING-1] = s_slot;

    // a message's blocks up to its last; later ones start the next message
    e_fin_next = 1'b0;
    e_slot_next = w_slot[0];
    stop = 1'b0;
    found = 1'b0;
    for (j = 0; j < RING; j = j + 1) begin
        counted[j] = !stop && w_valid[j];
        if (!stop && w_valid[j]) begin
            if (!found)
                e_slot_next = w_slot[j];
            found = 1'b1;
            if (w_last[j]) begin
                stop = 1'b1;
                e_fin_next = 1'b1;
            end
        end
    end
    e_idx_next = POP[3*counted +: 3];
    e_zero_next = counted == {RING{1'b0}};
end

// ---- the ring: entry register, PP_STAGES partial products, reduction ----
reg [127:0] ea_reg, eb_reg;             // entry: a = Y ^ X, b = H^c
reg         ef_reg, ee_reg, el_reg;     // final pass, closes the message, live
reg [254:0] pp_acc  [0:PP_STAGES-1];
reg [127:0] pp_a    [0:PP_STAGES-1];
reg [127:0] pp_b    [0:PP_STAGES-1];
reg         pp_fin  [0:PP_STAGES-1];
reg         pp_end  [0:PP_STAGES-1];
reg         pp_live [0:PP_STAGES-1];
reg [127:0] z_reg;
reg         z_fin, z_end, z_live;

wire [127:0] y_back = (z_live && !z_fin) ? z_reg : 128'd0;
wire [127:0] x_in = dl_valid[RING-1] ? rev128(dl_data[RING-1]) : 128'd0;
wire [127:0] b_in = e_zero_reg ? 128'd1 : hpow_mem[{e_slot_reg, e_idx_reg}];

// one slice of the carry-less product: acc ^ sum over j of b_j * (a << j)
function [254:0] pp_slice(input [254:0] acc, input [127:0] a, input [127:0] b, input integer lo);
    integer i;
    begin
        pp_slice = acc;
        for (i = lo; i < lo + SLICE; i = i + 1)
            if (b[i])
                pp_slice = pp_slice ^ ({127'd0, a} << i);
    end
endfunction

// fold x^128..x^254 back with x^128 = x^7 + x^2 + x + 1
function [127:0] reduce(input [254:0] p);
    integer i;
    reg [254:0] r;
    begin
        r = p;
        for (i = 254; i >= 128; i = i - 1)
            if (r[i]) begin
                r[i-128] = ~r[i-128];
                r[i-127] = ~r[i-127];
                r[i-126] = ~r[i-126];
                r[i-121] = ~r[i-121];
            end
        reduce = r[127:0];
    end
endfunction

integer s;

always @(posedge clk) begin
    dl_data[0] <= s_data;
    dl_valid[0] <= s_valid;
    dl_last[0] <= s_last;
    dl_slot[0] <= s_slot;
    for (s = 1; s < RING; s = s + 1) begin
        dl_data[s] <= dl_data[s-1];
        dl_valid[s] <= dl_valid[s-1];
        dl_last[s] <= dl_last[s-1];
        dl_slot[s] <= dl_slot[s-1];
    end
    e_idx_reg <= e_idx_next;
    e_zero_reg <= e_zero_next;
    e_fin_reg <= e_fin_next;
    e_slot_reg <= e_slot_next;

    ea_reg <= y_back ^ x_in;
    eb_reg <= b_in;
    ef_reg <= e_fin_reg;
    ee_reg <= dl_valid[RING-1] && dl_last[RING-1];
    el_reg <= 1'b1;

    pp_acc[0] <= pp_slice(255'd0, ea_reg, eb_reg, 0);
    pp_a[0] <= ea_reg;
    pp_b[0] <= eb_reg;
    pp_fin[0] <= ef_reg;
    pp_end[0] <= ee_reg;
    pp_live[0] <= el_reg;
    for (s = 1; s < PP_STAGES; s = s + 1) begin
        pp_acc[s] <= pp_slice(pp_acc[s-1], pp_a[s-1], pp_b[s-1], s * SLICE);
        pp_a[s] <= pp_a[s-1];
        pp_b[s] <= pp_b[s-1];
        pp_fin[s] <= pp_fin[s-1];
        pp_end[s] <= pp_end[s-1];
        pp_live[s] <= pp_live[s-1];
    end

    z_reg <= reduce(pp_acc[PP_STAGES-1]);
    z_fin <= pp_fin[PP_STAGES-1];
    z_end <= pp_end[PP_STAGES-1];
    z_live <= pp_live[PP_STAGES-1];

    if (rst) begin
        for (s = 0; s < RING; s = s + 1)
            dl_valid[s] <= 1'b0;
        e_zero_reg <= 1'b1;
        e_fin_reg <= 1'b0;
        el_reg <= 1'b0;
        ef_reg <= 1'b0;
        ee_reg <= 1'b0;
        for (s = 0; s < PP_STAGES; s = s + 1) begin
            pp_live[s] <= 1'b0;
            pp_fin[s] <= 1'b0;
            pp_end[s] <= 1'b0;
        end
        z_live <= 1'b0;
        z_fin <= 1'b0;
        z_end <= 1'b0;
    end
end

// ---- collector: the final passes of a message, closed by its last ----
reg [127:0] col_reg, col_next;
reg [127:0] m_data_next;
reg         m_valid_next;

always @* begin
    col_next = col_reg;
    m_data_next = m_data;
    m_valid_next = 1'b0;
    if (z_live && z_fin) begin
        col_next = col_reg ^ z_reg;
        if (z_end) begin
            m_data_next = rev128(col_reg ^ z_reg);
            m_valid_next = 1'b1;
            col_next = 128'd0;
        end
    end
end

always @(posedge clk) begin
    col_reg <= col_next;
    m_data <= m_data_next;
    m_valid <= m_valid_next;
    if (rst) begin
        col_reg <= 128'd0;
        m_valid <= 1'b0;
    end
end

endmodule

`default_nettype wire
