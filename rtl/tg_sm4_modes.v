// SPDX-License-Identifier: BSD-3-Clause
// SM4 modes around the engine: ECB, CTR and GCM jobs at one block per
// clock. A job is a header (mode, op, key slot, IV or counter block, AAD
// and data lengths in bytes, GCM tag to verify, job id) followed on the
// block stream by its AAD blocks, then its data blocks, the last of each
// zero-padded: the lengths decide what a block is and how many bytes of it
// count; bytes past the end are ignored. Out come the processed data blocks
// with byte enables, then one result per job (the GCM tag and, on decrypt,
// whether it matched the header's), every job in order.
//
// Everything a block needs later (its data, byte enables, kind, job id)
// rides through the cipher pipeline in the core's tag, so blocks of any mix
// of jobs stay in order without a separate queue. The pipeline also carries
// the blocks that need no cipher (GCM AAD, the job's closing block), keeping
// them in order with the data they are hashed with. Per job the input
// spends one extra clock on a closing block (GCM: the length block) and
// GCM one more on E(K, J0). Outputs never stall: the consumer takes a
// block or a result whenever it is valid.
//
// Loading a key also computes the GCM hash key H = E(K, 0^128) through the
// pipeline and H^2 .. H^RING with a bit-serial multiplier, for the GHASH
// unit's per-slot store. A slot must not be loaded while a job using it is
// in flight. GCM decrypt streams its plaintext before the tag is known:
// the consumer discards it when tag_ok is 0.

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_modes #(
    parameter N_SLOTS = 16,
    parameter SLOT_BITS = (N_SLOTS > 1) ? $clog2(N_SLOTS) : 1,
    parameter ID_WIDTH = 16,
    parameter PP_STAGES = 4
) (
    input  wire                 clk,
    input  wire                 rst,

    // ---- key registers (write only) ----
    input  wire                 key_we,
    input  wire [1:0]           key_addr,
    input  wire [31:0]          key_wdata,
    input  wire                 key_load,
    input  wire [SLOT_BITS-1:0] key_load_slot,
    output wire                 key_busy,       // expansion or hash-key powers running

    // ---- job header ----
    input  wire                 h_valid,
    output wire                 h_ready,
    input  wire [1:0]           h_mode,         // 1 ECB, 2 CTR, 3 GCM
    input  wire                 h_decrypt,
    input  wire [SLOT_BITS-1:0] h_slot,
    input  wire [127:0]         h_iv,           // CTR: counter block; GCM: IV in [127:32]
    input  wire [31:0]          h_aad_len,      // bytes, GCM only
    input  wire [31:0]          h_data_len,     // bytes
    input  wire [127:0]         h_tag,          // GCM decrypt: the tag to verify
    input  wire [ID_WIDTH-1:0]  h_id,

    // ---- blocks in: AAD then data, byte 0 in [127:120] ----
    input  wire [127:0]         s_data,
    input  wire                 s_valid,
    output wire                 s_ready,

    // ---- data blocks out ----
    output reg  [127:0]         m_data,
    output reg  [15:0]          m_keep,         // bit i: byte lane data[8i+7:8i] (block byte 15-i)
    output reg                  m_valid,
    output reg                  m_last,
    output reg  [ID_WIDTH-1:0]  m_id,

    // ---- one result per job ----
    output reg                  r_valid,
    output reg  [ID_WIDTH-1:0]  r_id,
    output reg  [127:0]         r_tag,          // GCM: the computed tag; else 0
    output reg                  r_tag_ok        // GCM decrypt: tag matched; else 1
);

localparam RING = PP_STAGES + 2;

localparam [1:0] MODE_ECB = 2'd1;     // 2: CTR
localparam [1:0] MODE_GCM = 2'd3;

localparam [2:0] KIND_NONE = 3'd0;
localparam [2:0] KIND_DATA = 3'd1;
localparam [2:0] KIND_AAD  = 3'd2;
localparam [2:0] KIND_J0   = 3'd3;
localparam [2:0] KIND_FIN  = 3'd4;
localparam [2:0] KIND_HKEY = 3'd5;

localparam [2:0] ST_IDLE = 3'd0;
localparam [2:0] ST_J0   = 3'd1;
localparam [2:0] ST_AAD  = 3'd2;
localparam [2:0] ST_DATA = 3'd3;
localparam [2:0] ST_FIN  = 3'd4;

// core tag: {kind, mode, op, last, keep, data, id}
localparam TAG_W = 3 + 2 + 1 + 1 + 16 + 128 + ID_WIDTH;

// ---- input side: job state ----
reg [2:0]           state_reg, state_next;
reg [1:0]           mode_reg, mode_next;
reg                 dec_reg, dec_next;
reg [SLOT_BITS-1:0] slot_reg, slot_next;
reg [127:0]         ctr_reg, ctr_next;
reg [2:0]           ones_reg, ones_next;    // 32-bit counter piece k is all ones
reg [127:0]         iv_reg, iv_next;
reg [127:0]         etag_reg, etag_next;
reg [31:0]          aad_len_reg, aad_len_next;
reg [31:0]          data_len_reg, data_len_next;
reg [28:0]          aad_left_reg, aad_left_next;     // blocks still to come
reg [28:0]          data_left_reg, data_left_next;
reg [ID_WIDTH-1:0]  id_reg, id_next;

// ---- key load: H through the pipeline, then its powers ----
localparam [1:0] KS_IDLE = 2'd0;
localparam [1:0] KS_EXP  = 2'd1;
localparam [1:0] KS_HKEY = 2'd2;
localparam [1:0] KS_POW  = 2'd3;

reg [1:0]           ks_reg, ks_next;
reg [SLOT_BITS-1:0] ks_slot_reg, ks_slot_next;
reg                 ks_inject;                  // H = E(K, 0) enters the core now

wire exp_busy;

// ---- core ----
reg [127:0]         c_in_data;
reg                 c_in_valid;
reg [SLOT_BITS-1:0] c_in_slot;
reg                 c_in_dec;
reg [TAG_W-1:0]     c_in_tag;
wire [127:0]        c_out_data;
wire                c_out_valid;
wire [TAG_W-1:0]    c_out_tag;

tg_sm4_engine #(.N_SLOTS(N_SLOTS), .SLOT_BITS(SLOT_BITS), .TAG_WIDTH(TAG_W)) engine (
    .clk(clk), .rst(rst),
    .key_we(key_we), .key_addr(key_addr), .key_wdata(key_wdata),
    .key_load(key_load && ks_reg == KS_IDLE), .key_load_slot(key_load_slot),
    .key_busy(exp_busy),
    .s_data(c_in_data), .s_valid(c_in_valid), .s_slot(c_in_slot),
    .s_decrypt(c_in_dec), .s_tag(c_in_tag),
    .m_data(c_out_data), .m_valid(c_out_valid), .m_tag(c_out_tag)
);

// byte enables of a block holding the last len % 16 bytes (all when 0)
function [15:0] keep_of(input [3:0] rem);
    begin
        keep_of = (rem == 4'd0) ? 16'hffff : ~(16'hffff >> rem);
    end
endfunction

function [127:0] mask_of(input [15:0] keep);
    integer i;
    begin
        for (i = 0; i < 16; i = i + 1)
            mask_of[8*i +: 8] = {8{keep[i]}};
    end
endfunction

wire [28:0] h_aad_blocks = h_aad_len[31:4] + {28'd0, h_aad_len[3:0] != 4'd0};
wire [28:0] h_data_blocks = h_data_len[31:4] + {28'd0, h_data_len[3:0] != 4'd0};

wire [15:0] aad_keep = (aad_left_reg == 29'd1) ? keep_of(aad_len_reg[3:0]) : 16'hffff;
wire [15:0] data_keep = (data_left_reg == 29'd1) ? keep_of(data_len_reg[3:0]) : 16'hffff;

integer p;
// counter piece p steps: the lowest always, a higher one (CTR only) when
// every piece below it is all ones
wire [3:0] ctr_inc = {4{mode_reg != MODE_GCM}} & {&ones_reg[2:0], &ones_reg[1:0], ones_reg[0], 1'b1} |
                     4'b0001;

always @* begin
    state_next = state_reg;
    mode_next = mode_reg;
    dec_next = dec_reg;
    slot_next = slot_reg;
    ctr_next = ctr_reg;
    ones_next = ones_reg;
    iv_next = iv_reg;
    etag_next = etag_reg;
    aad_len_next = aad_len_reg;
    data_len_next = data_len_reg;
    aad_left_next = aad_left_reg;
    data_left_next = data_left_reg;
    id_next = id_reg;

    c_in_valid = 1'b0;
    c_in_data = ctr_reg;
    c_in_slot = slot_reg;
    c_in_dec = 1'b0;
    c_in_tag = {KIND_NONE, mode_reg, dec_reg, 1'b0, 16'd0, 128'd0, id_reg};

    case (state_reg)
    ST_IDLE: begin
        if (h_valid && ks_reg == KS_IDLE) begin
            mode_next = h_mode;
            dec_next = h_decrypt;
            slot_next = h_slot;
            iv_next = h_iv;
            etag_next = h_tag;
            aad_len_next = h_aad_len;
            data_len_next = h_data_len;
            id_next = h_id;
            data_left_next = h_data_blocks;
            if (h_mode == MODE_GCM) begin
                aad_left_next = h_aad_blocks;
                ctr_next = {h_iv[127:32], 32'd2};
                state_next = ST_J0;
            end else begin
                aad_left_next = 29'd0;
                ctr_next = h_iv;
                for (p = 0; p < 3; p = p + 1)
                    ones_next[p] = h_iv[32*p +: 32] == 32'hffffffff;
                state_next = (h_data_blocks != 29'd0) ? ST_DATA : ST_FIN;
            end
        end
    end
    ST_J0: begin
        if (!ks_inject) begin
            c_in_valid = 1'b1;
            c_in_data = {iv_reg[127:32], 32'd1};
            c_in_tag = {KIND_J0, mode_reg, dec_reg, 1'b0, 16'd0, etag_reg, id_reg};
            state_next = (aad_left_reg != 29'd0) ? ST_AAD :
                         (data_left_reg != 29'd0) ? ST_DATA : ST_FIN;
        end
    end
    ST_AAD: begin
        if (s_valid && !ks_inject) begin
            c_in_valid = 1'b1;
            c_in_tag = {KIND_AAD, mode_reg, dec_reg, 1'b0, aad_keep,
                        s_data & mask_of(aad_keep), id_reg};
            aad_left_next = aad_left_reg - 29'd1;
            if (aad_left_reg == 29'd1)
                state_next = (data_left_reg != 29'd0) ? ST_DATA : ST_FIN;
        end
    end
    ST_DATA: begin
        if (s_valid && !ks_inject) begin
            c_in_valid = 1'b1;
            c_in_data = (mode_reg == MODE_ECB) ? s_data : ctr_reg;
            c_in_dec = (mode_reg == MODE_ECB) && dec_reg;
            c_in_tag = {KIND_DATA, mode_reg, dec_reg, data_left_reg == 29'd1, data_keep,
                        s_data & mask_of(data_keep), id_reg};
            // GCM: inc32. CTR: one 128-bit integer, carried between 32-bit
            // pieces by registered all-ones flags (set from the pieces
            // before the add), so no carry chain is longer than 32 bits
            for (p = 0; p < 4; p = p + 1)
                ctr_next[32*p +: 32] = ctr_reg[32*p +: 32] + {31'd0, ctr_inc[p]};
            for (p = 0; p < 3; p = p + 1)
                ones_next[p] = ctr_inc[p] ? (ctr_reg[32*p +: 32] == 32'hfffffffe)
                                          : (ctr_reg[32*p +: 32] == 32'hffffffff);
            data_left_next = data_left_reg - 29'd1;
            if (data_left_reg == 29'd1)
                state_next = ST_FIN;
        end
    end
    ST_FIN: begin
        if (!ks_inject) begin
            c_in_valid = 1'b1;
            // GCM's length block: [len(A)]64 || [len(C)]64 in bits
            c_in_tag = {KIND_FIN, mode_reg, dec_reg, 1'b0, 16'd0,
                        29'd0, aad_len_reg, 3'd0, 29'd0, data_len_reg, 3'd0, id_reg};
            state_next = ST_IDLE;
        end
    end
    default: state_next = ST_IDLE;
    endcase

    if (ks_inject) begin
        c_in_valid = 1'b1;
        c_in_data = 128'd0;
        c_in_slot = ks_slot_reg;
        c_in_dec = 1'b0;
        c_in_tag = {KIND_HKEY, 2'd0, 1'b0, 1'b0, 16'd0, 128'd0, {ID_WIDTH{1'b0}}};
    end
end

assign h_ready = state_reg == ST_IDLE && ks_reg == KS_IDLE;
assign s_ready = (state_reg == ST_AAD || state_reg == ST_DATA) && !ks_inject;

always @(posedge clk) begin
    state_reg <= state_next;
    mode_reg <= mode_next;
    dec_reg <= dec_next;
    slot_reg <= slot_next;
    ctr_reg <= ctr_next;
    ones_reg <= ones_next;
    iv_reg <= iv_next;
    etag_reg <= etag_next;
    aad_len_reg <= aad_len_next;
    data_len_reg <= data_len_next;
    aad_left_reg <= aad_left_next;
    data_left_reg <= data_left_next;
    id_reg <= id_next;
    if (rst)
        state_reg <= ST_IDLE;
end

// ---- output side ----
wire [2:0]          o_kind = c_out_tag[TAG_W-1 -: 3];
wire [1:0]          o_mode = c_out_tag[TAG_W-4 -: 2];
wire                o_dec  = c_out_tag[TAG_W-6];
wire                o_last = c_out_tag[TAG_W-7];
wire [15:0]         o_keep = c_out_tag[TAG_W-8 -: 16];
wire [127:0]        o_data = c_out_tag[ID_WIDTH +: 128];
wire [ID_WIDTH-1:0] o_id   = c_out_tag[ID_WIDTH-1:0];
wire                o_is   = c_out_valid;

// the slot travels beside the core (it is in the core but not in its tag)
reg [SLOT_BITS-1:0] slot_dl [0:32];
integer d;
always @(posedge clk) begin
    slot_dl[0] <= c_in_slot;
    for (d = 1; d <= 32; d = d + 1)
        slot_dl[d] <= slot_dl[d-1];
end
wire [SLOT_BITS-1:0] o_slot = slot_dl[32];   // slot of the block leaving the core

reg [127:0] ekj0_reg, ekj0_next;       // E(K, J0) of the job leaving the core
reg [127:0] otag_reg, otag_next;       // its tag to verify

// GHASH input, registered
reg [127:0]         g_data_reg, g_data_next;
reg                 g_valid_reg, g_valid_next;
reg                 g_last_reg, g_last_next;
reg [SLOT_BITS-1:0] g_slot_reg, g_slot_next;

// jobs closed by the core and waiting for their GHASH: a small in-order queue
localparam QW = 1 + 2 + ID_WIDTH + 128 + 128;
reg [QW-1:0] q_mem [0:15];
reg [4:0]    q_wr_reg, q_wr_next;
reg [4:0]    q_rd_reg, q_rd_next;
reg          q_push;
reg [QW-1:0] q_in;

reg [127:0]        m_data_next;
reg [15:0]         m_keep_next;
reg                m_valid_next;
reg                m_last_next;
reg [ID_WIDTH-1:0] m_id_next;

wire [127:0] o_xored = (o_mode == MODE_ECB) ? c_out_data : (c_out_data ^ o_data);
wire [127:0] o_masked = o_xored & mask_of(o_keep);

always @* begin
    ekj0_next = ekj0_reg;
    otag_next = otag_reg;
    g_data_next = 128'd0;
    g_valid_next = 1'b0;
    g_last_next = 1'b0;
    g_slot_next = o_slot;
    q_push = 1'b0;
    q_in = {o_dec, o_mode, o_id, ekj0_reg, otag_reg};
    m_data_next = o_masked;
    m_keep_next = o_keep;
    m_valid_next = 1'b0;
    m_last_next = o_last;
    m_id_next = o_id;

    if (o_is) begin
        case (o_kind)
        KIND_J0: begin
            ekj0_next = c_out_data;
            otag_next = o_data;
        end
        KIND_AAD: begin
            g_valid_next = 1'b1;
            g_data_next = o_data;
        end
        KIND_DATA: begin
            m_valid_next = 1'b1;
            if (o_mode == MODE_GCM) begin
                g_valid_next = 1'b1;
                g_data_next = o_dec ? o_data : o_masked;
            end
        end
        KIND_FIN: begin
            // every job closes a GHASH message so results keep job order
            g_valid_next = 1'b1;
            g_last_next = 1'b1;
            g_data_next = (o_mode == MODE_GCM) ? o_data : 128'd0;
            q_push = 1'b1;
        end
        default: ;
        endcase
    end
end


wire [127:0] gh_out;
wire         gh_valid;

reg                 hw_we;
reg [2:0]           hw_idx;
reg [127:0]         hw_data;

tg_sm4_ghash #(.N_SLOTS(N_SLOTS), .SLOT_BITS(SLOT_BITS), .PP_STAGES(PP_STAGES)) ghash (
    .clk(clk), .rst(rst),
    .s_data(g_data_reg), .s_valid(g_valid_reg), .s_last(g_last_reg), .s_slot(g_slot_reg),
    .m_data(gh_out), .m_valid(gh_valid),
    .h_we(hw_we), .h_slot(ks_slot_reg), .h_idx(hw_idx), .h_data(hw_data)
);

wire [QW-1:0] q_head = q_mem[q_rd_reg[3:0]];
wire          q_h_dec = q_head[QW-1];
wire [1:0]    q_h_mode = q_head[QW-2 -: 2];
wire [ID_WIDTH-1:0] q_h_id = q_head[256 +: ID_WIDTH];
wire [127:0]  q_h_ekj0 = q_head[128 +: 128];
wire [127:0]  q_h_tag = q_head[127:0];
wire [127:0]  gcm_tag = q_h_ekj0 ^ gh_out;

always @* begin
    q_wr_next = q_wr_reg + {4'd0, q_push};
    q_rd_next = q_rd_reg + {4'd0, gh_valid};
end

always @(posedge clk) begin
    ekj0_reg <= ekj0_next;
    otag_reg <= otag_next;
    g_data_reg <= g_data_next;
    g_valid_reg <= g_valid_next;
    g_last_reg <= g_last_next;
    g_slot_reg <= g_slot_next;
    if (q_push)
        q_mem[q_wr_reg[3:0]] <= q_in;
    q_wr_reg <= q_wr_next;
    q_rd_reg <= q_rd_next;

    m_data <= m_data_next;
    m_keep <= m_keep_next;
    m_valid <= m_valid_next;
    m_last <= m_last_next;
    m_id <= m_id_next;

    r_valid <= gh_valid;
    r_id <= q_h_id;
    r_tag <= (q_h_mode == MODE_GCM) ? gcm_tag : 128'd0;
    r_tag_ok <= !(q_h_mode == MODE_GCM && q_h_dec) || (gcm_tag == q_h_tag);

    if (rst) begin
        g_valid_reg <= 1'b0;
        q_wr_reg <= 5'd0;
        q_rd_reg <= 5'd0;
        m_valid <= 1'b0;
        r_valid <= 1'b0;
    end
end

// ---- key load sequencer ----
// H^(k+1) = H^k * H, SP 800-38D algorithm 1, one bit of H per clock
reg [127:0] hk_reg, hk_next;            // H
reg [127:0] pz_reg, pz_next;            // Z
reg [127:0] pv_reg, pv_next;            // V
reg [127:0] px_reg, px_next;            // the bits of H still to use
reg [6:0]   pbit_reg, pbit_next;
reg [2:0]   pidx_reg, pidx_next;        // power being computed: H^(pidx + 1)
reg         hkey_sent_reg, hkey_sent_next;

always @* begin
    ks_next = ks_reg;
    ks_slot_next = ks_slot_reg;
    hk_next = hk_reg;
    pz_next = pz_reg;
    pv_next = pv_reg;
    px_next = px_reg;
    pbit_next = pbit_reg;
    pidx_next = pidx_reg;
    hkey_sent_next = hkey_sent_reg;
    ks_inject = 1'b0;
    hw_we = 1'b0;
    hw_idx = pidx_reg;
    hw_data = pz_reg;

    case (ks_reg)
    KS_IDLE: begin
        if (key_load) begin
            ks_next = KS_EXP;
            ks_slot_next = key_load_slot;
        end
    end
    KS_EXP: begin
        // the last round key is written one clock after busy falls
        if (!exp_busy) begin
            ks_next = KS_HKEY;
            hkey_sent_next = 1'b0;
        end
    end
    KS_HKEY: begin
        if (!hkey_sent_reg) begin
            ks_inject = 1'b1;
            hkey_sent_next = 1'b1;
        end else if (o_is && o_kind == KIND_HKEY) begin
            hk_next = c_out_data;
            hw_we = 1'b1;
            hw_idx = 3'd0;
            hw_data = c_out_data;
            pz_next = 128'd0;
            pv_next = c_out_data;
            px_next = c_out_data;
            pbit_next = 7'd0;
            pidx_next = 3'd1;
            ks_next = (RING > 1) ? KS_POW : KS_IDLE;
        end
    end
    KS_POW: begin
        if (px_reg[127])
            pz_next = pz_reg ^ pv_reg;
        pv_next = {1'b0, pv_reg[127:1]} ^ (pv_reg[0] ? {8'he1, 120'd0} : 128'd0);
        px_next = {px_reg[126:0], 1'b0};
        pbit_next = pbit_reg + 7'd1;
        if (pbit_reg == 7'd127) begin
            hw_we = 1'b1;
            hw_data = pz_next;
            px_next = pz_next;
            pz_next = 128'd0;
            pv_next = hk_reg;
            pidx_next = pidx_reg + 3'd1;
            if (pidx_reg == RING - 1)
                ks_next = KS_IDLE;
        end
    end
    default: ks_next = KS_IDLE;
    endcase
end

always @(posedge clk) begin
    ks_reg <= ks_next;
    ks_slot_reg <= ks_slot_next;
    hk_reg <= hk_next;
    pz_reg <= pz_next;
    pv_reg <= pv_next;
    px_reg <= px_next;
    pbit_reg <= pbit_next;
    pidx_reg <= pidx_next;
    hkey_sent_reg <= hkey_sent_next;
    if (rst)
        ks_reg <= KS_IDLE;
end

assign key_busy = ks_reg != KS_IDLE;

endmodule

`default_nettype wire
