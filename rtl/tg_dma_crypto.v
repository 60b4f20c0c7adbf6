// SPDX-License-Identifier: BSD-3-Clause
// Crypto jobs over the DMA rings (docs/card-interface.md section 9), the
// part of the DMA engine between the memory ports and tg_sm4_modes.
//
// tg_dma schedules a job descriptor (one C2H slot reserved) and reads its
// 80-byte job block; the block's beats arrive here, are checked, and the
// job goes into four small in-order queues: its reads (AAD, then source),
// its header for the cipher, its destination, and its result. A job that
// fails a check only has a result (BAD_JOB) and touches no other memory.
//
// Reads: the AAD and the source are read in requests of CHUNK bytes (the
// last of each shorter); the read port aligns each request's first byte to
// bit 0, so the beats of a stream join without shifting at any source
// alignment. A request is issued only when the beat buffer has room for
// all its beats, so data beats never hold up the shared response channel.
// Beats pair into 16-byte blocks (the last of a stream zero-padded) that go
// into tg_sm4_modes behind their job's header.
//
// tg_sm4_modes never stalls its outputs, so a data block enters it only
// when the output buffer has room for it, counting the blocks inside. Out
// of the buffer, tg_dma_dst writes the blocks to dst as lines; a job's
// result record is built once the cipher has given its result and the
// job's last line has been taken by the write port, so the record follows
// every byte of its output. Results leave in job order.
//
// RESET (soft_reset) drops every job. The cipher cannot be cleared (its key
// loads must survive): the job it is in the middle of is completed with
// zero blocks, and every output of jobs from before the reset is dropped
// as it comes out.

`timescale 1ns / 1ps
`default_nettype none

`include "tg_card_abi.vh"

module tg_dma_crypto #(
    parameter SLOT_LOG2 = 4,          // tg_dma's in-flight descriptor slots
    parameter JOBS_LOG2 = 4,          // jobs between scheduling and result
    parameter CHUNK_LOG2 = 9,         // bytes per data read request
    parameter BEATS_LOG2 = 9,         // input beat buffer
    parameter OUT_LOG2 = 5,           // output block buffer
    parameter ID_WIDTH = 16
) (
    input  wire                 clk,
    input  wire                 rst,          // sync, active high
    input  wire                 soft_reset,   // one-cycle pulse: CTRL.RESET

    // ---- key slots ----
    input  wire [15:0]          key_loaded,

    // ---- scheduling (tg_dma) ----
    output wire                 job_room,     // another job may be scheduled
    input  wire                 job_sched,    // a job's block read was issued

    // ---- job block beats (10 per job, never stalled) ----
    input  wire                 jb_valid,
    input  wire [63:0]          jb_data,
    input  wire                 jb_last,
    input  wire [SLOT_LOG2-1:0] jb_slot,

    // ---- AAD and source beats (never stalled: room was reserved) ----
    input  wire                 cd_valid,
    input  wire [63:0]          cd_data,
    input  wire                 cd_last,      // last beat of an AAD or source stream

    // ---- a job whose descriptor needs no more reads ----
    output wire                 done_valid,
    output wire [SLOT_LOG2-1:0] done_slot,

    // ---- read requests ----
    output wire                 rq_valid,
    input  wire                 rq_ready,
    output wire [63:0]          rq_addr,
    output wire [15:0]          rq_len,
    output wire                 rq_stream_last,
    output wire                 rq_job_last,
    output wire [SLOT_LOG2-1:0] rq_slot,

    // ---- tg_sm4_modes: job header ----
    output wire                 h_valid,
    input  wire                 h_ready,
    output wire [1:0]           h_mode,
    output wire                 h_decrypt,
    output wire [3:0]           h_slot,
    output wire [127:0]         h_iv,
    output wire [31:0]          h_aad_len,
    output wire [31:0]          h_data_len,
    output wire [127:0]         h_tag,
    output wire [ID_WIDTH-1:0]  h_id,

    // ---- tg_sm4_modes: blocks in (byte 0 in [127:120]) ----
    output wire [127:0]         s_data,
    output wire                 s_valid,
    input  wire                 s_ready,

    // ---- tg_sm4_modes: data blocks and results out ----
    input  wire [127:0]         m_data,
    input  wire [15:0]          m_keep,
    input  wire                 m_valid,
    input  wire                 m_last,
    input  wire                 r_valid,
    input  wire [127:0]         r_tag,
    input  wire                 r_tag_ok,

    // ---- destination line writes ----
    output wire                 ln_valid,
    input  wire                 ln_ready,
    output wire [63:0]          ln_addr,
    output wire [511:0]         ln_data,
    output wire [63:0]          ln_strb,

    // ---- result records (bytes 0..31; the rest of the line is 0) ----
    output wire                 rs_valid,
    input  wire                 rs_ready,
    output wire [255:0]         rs_data,
    output wire [1:0]           rs_status,
    output wire [24:0]          rs_len,

    output wire                 sm4_owed,     // the cipher has a job, blocks or results of ours
    output wire                 idle
);

localparam CHUNK = 1 << CHUNK_LOG2;
localparam BEATS = 1 << BEATS_LOG2;
localparam [BEATS_LOG2:0] CHUNK_BEATS = CHUNK >> 3;
localparam [BEATS_LOG2:0] BEATS_MAX = BEATS;
localparam [24:0] CHUNK_LEN = CHUNK;

localparam [1:0] MODE_ECB = `TG_SM4_ECB;
localparam [1:0] MODE_GCM = `TG_SM4_GCM;

wire clr = rst || soft_reset;

// byte order: a beat and a result line are little-endian (byte k at
// [8k+7:8k]); tg_sm4_modes has byte 0 of a block in [127:120]
function [63:0] bswap64(input [63:0] x);
    integer i;
    begin
        for (i = 0; i < 8; i = i + 1)
            bswap64[8*i +: 8] = x[8*(7-i) +: 8];
    end
endfunction

function [127:0] bswap128(input [127:0] x);
    integer i;
    begin
        for (i = 0; i < 16; i = i + 1)
            bswap128[8*i +: 8] = x[8*(15-i) +: 8];
    end
endfunction

function [15:0] brev16(input [15:0] x);
    integer i;
    begin
        for (i = 0; i < 16; i = i + 1)
            brev16[i] = x[15-i];
    end
endfunction

// ---------------------------------------------------------------------------
// Job block: 10 beats, checked as they come (section 9, in its order; all
// the checks end in the same status, so the order shows nowhere)
// ---------------------------------------------------------------------------
reg  [3:0]  jb_idx_reg;
reg  [7:0]  jb_mode_reg;
reg         jb_dec_reg;
reg  [3:0]  jb_kslot_reg;
reg  [24:0] jb_len_reg;
reg  [63:0] jb_src_reg, jb_dst_reg, jb_aad_reg;
reg  [16:0] jb_aad_len_reg;
reg  [63:0] jb_iv0_reg, jb_iv1_reg, jb_tag0_reg, jb_tag1_reg;
reg         jb_bad_reg;

wire [7:0]  b0_mode = jb_data[7:0];
wire [7:0]  b0_op   = jb_data[15:8];
wire [7:0]  b0_slot = jb_data[23:16];
wire [31:0] b0_len  = jb_data[63:32];
wire        b0_bad  = b0_mode == 8'd0 || b0_mode > 8'd3 || b0_op > 8'd1 ||
                      b0_slot > 8'd15 || !key_loaded[b0_slot[3:0]] ||
                      b0_len > `TG_CRYPTO_MAX_LEN ||
                      (b0_mode == {6'd0, MODE_ECB} && b0_len[3:0] != 4'd0);
wire [31:0] b4_aad_len = jb_data[31:0];
wire        b4_bad  = (b4_aad_len != 32'd0 && jb_mode_reg != {6'd0, MODE_GCM}) ||
                      b4_aad_len > `TG_CRYPTO_MAX_AAD;

wire jb_end      = jb_valid && jb_last;
wire jb_good     = !jb_bad_reg;
wire jb_has_data = jb_good && jb_len_reg != 25'd0;
wire jb_has_aad  = jb_good && jb_aad_len_reg != 17'd0;
wire jb_gcm_enc  = jb_mode_reg[1:0] == MODE_GCM && !jb_dec_reg;

always @(posedge clk) begin
    if (jb_valid) begin
        jb_idx_reg <= jb_last ? 4'd0 : jb_idx_reg + 4'd1;
        case (jb_idx_reg)
        4'd0: begin
            jb_mode_reg <= b0_mode;
            jb_dec_reg <= b0_op == 8'd1;
            jb_kslot_reg <= b0_slot[3:0];
            jb_len_reg <= b0_len[24:0];
            jb_bad_reg <= b0_bad;
        end
        4'd1: jb_src_reg <= jb_data;
        4'd2: jb_dst_reg <= jb_data;
        4'd3: jb_aad_reg <= jb_data;
        4'd4: begin
            jb_aad_len_reg <= b4_aad_len[16:0];
            jb_bad_reg <= jb_bad_reg || b4_bad;
        end
        4'd5: jb_iv0_reg <= jb_data;
        4'd6: jb_iv1_reg <= jb_data;
        4'd7: jb_tag0_reg <= jb_data;
        4'd8: jb_tag1_reg <= jb_data;
        default: ;
        endcase
    end
    if (clr)
        jb_idx_reg <= 4'd0;
end

// a job with nothing to read has passed the H2C head once its block is in
reg                 done_valid_reg;
reg [SLOT_LOG2-1:0] done_slot_reg;

always @(posedge clk) begin
    done_valid_reg <= jb_end && !jb_has_data && !jb_has_aad && !soft_reset;
    done_slot_reg <= jb_slot;
    if (rst)
        done_valid_reg <= 1'b0;
end

assign done_valid = done_valid_reg;
assign done_slot  = done_slot_reg;

// ---------------------------------------------------------------------------
// Job queues, all in job order; JOBS jobs at most in flight, so none of
// them can overflow
// ---------------------------------------------------------------------------
// reads: source, AAD, lengths, descriptor slot
localparam RDQ_W = 64 + 64 + 17 + 25 + SLOT_LOG2;
// header: mode, decrypt, key slot, IV, tag, lengths
localparam HQ_W = 2 + 1 + 4 + 128 + 128 + 17 + 25;
// result: cookie, mode, decrypt, len, bad, has data, GCM encrypt (a bad
// job's record carries only its kind, status and cookie)
localparam RQ_W = 64 + 2 + 1 + 25 + 1 + 1 + 1;
// cipher results: tag, tag_ok
localparam MRQ_W = 128 + 1;

wire [RDQ_W-1:0] rdq_out;
wire             rdq_valid;
wire             rdq_pop;
wire [HQ_W-1:0]  hq_out;
wire             hq_valid;
wire [63:0]      oq_out;
wire             oq_valid;
wire             oq_pop;
wire [RQ_W-1:0]  rq_out;
wire             rq_valid_q;
wire             rq_pop;
wire [MRQ_W-1:0] mrq_out;
wire             mrq_valid;
wire             mrq_pop;
wire             mrq_push;

/* verilator lint_off PINCONNECTEMPTY */
tg_dma_fifo #(.WIDTH(RDQ_W), .DEPTH_LOG2(JOBS_LOG2)) read_q (
    .clk(clk), .rst(clr),
    .s_data({jb_src_reg, jb_aad_reg, jb_aad_len_reg, jb_len_reg, jb_slot}),
    .s_valid(jb_end && (jb_has_data || jb_has_aad)), .s_ready(),
    .m_data(rdq_out), .m_valid(rdq_valid), .m_ready(rdq_pop), .count()
);

tg_dma_fifo #(.WIDTH(HQ_W), .DEPTH_LOG2(JOBS_LOG2)) hdr_q (
    .clk(clk), .rst(clr),
    .s_data({jb_mode_reg[1:0], jb_dec_reg, jb_kslot_reg,
             bswap64(jb_iv0_reg), bswap64(jb_iv1_reg),
             bswap64(jb_tag0_reg), bswap64(jb_tag1_reg),
             jb_aad_len_reg, jb_len_reg}),
    .s_valid(jb_end && jb_good), .s_ready(),
    .m_data(hq_out), .m_valid(hq_valid), .m_ready(h_valid && h_ready), .count()
);

tg_dma_fifo #(.WIDTH(64), .DEPTH_LOG2(JOBS_LOG2)) out_q (
    .clk(clk), .rst(clr),
    .s_data(jb_dst_reg), .s_valid(jb_end && jb_has_data), .s_ready(),
    .m_data(oq_out), .m_valid(oq_valid), .m_ready(oq_pop), .count()
);

tg_dma_fifo #(.WIDTH(RQ_W), .DEPTH_LOG2(JOBS_LOG2)) res_q (
    .clk(clk), .rst(clr),
    .s_data({jb_data, jb_good ? jb_mode_reg[1:0] : 2'd0, jb_good && jb_dec_reg,
             jb_good ? jb_len_reg : 25'd0, !jb_good, jb_has_data, jb_good && jb_gcm_enc}),
    .s_valid(jb_end), .s_ready(),
    .m_data(rq_out), .m_valid(rq_valid_q), .m_ready(rq_pop), .count()
);

tg_dma_fifo #(.WIDTH(MRQ_W), .DEPTH_LOG2(JOBS_LOG2)) mres_q (
    .clk(clk), .rst(clr),
    .s_data({r_tag, r_tag_ok}), .s_valid(mrq_push), .s_ready(),
    .m_data(mrq_out), .m_valid(mrq_valid), .m_ready(mrq_pop), .count()
);
/* verilator lint_on PINCONNECTEMPTY */

// jobs scheduled and not yet past their result record
reg  [JOBS_LOG2:0] jobs_reg;
wire               rs_fire = rs_valid && rs_ready;

always @(posedge clk) begin
    jobs_reg <= jobs_reg + {{JOBS_LOG2{1'b0}}, job_sched} - {{JOBS_LOG2{1'b0}}, rs_fire};
    if (clr)
        jobs_reg <= {(JOBS_LOG2+1){1'b0}};
end

assign job_room = !jobs_reg[JOBS_LOG2];

// ---------------------------------------------------------------------------
// Reads: AAD then source of each job, CHUNK bytes a request, each issued
// when the beat buffer has room for all of its beats
// ---------------------------------------------------------------------------
wire [63:0]          q_src     = rdq_out[RDQ_W-1 -: 64];
wire [63:0]          q_aad     = rdq_out[RDQ_W-65 -: 64];
wire [16:0]          q_aad_len = rdq_out[25 + SLOT_LOG2 +: 17];
wire [24:0]          q_len     = rdq_out[SLOT_LOG2 +: 25];
wire [SLOT_LOG2-1:0] q_slot    = rdq_out[SLOT_LOG2-1:0];

reg                 rd_have_reg, rd_have_next;
reg                 rd_src_phase_reg, rd_src_phase_next;  // reading the source
reg  [63:0]         rd_addr_reg, rd_addr_next;
reg  [24:0]         rd_left_reg, rd_left_next;
reg  [63:0]         rd_src_reg, rd_src_next;
reg  [24:0]         rd_len_reg, rd_len_next;
reg [SLOT_LOG2-1:0] rd_slot_reg, rd_slot_next;
reg [BEATS_LOG2:0]  commit_reg, commit_next;   // beats buffered or on their way

wire        rd_stream_last = rd_left_reg <= CHUNK_LEN;
wire [24:0] rd_chunk       = rd_stream_last ? rd_left_reg : CHUNK_LEN;
wire        rd_room        = commit_reg <= BEATS_MAX - CHUNK_BEATS;
wire        rq_fire        = rq_valid && rq_ready;
wire        bf_pop;

assign rq_valid       = rd_have_reg && rd_room;
assign rq_addr        = rd_addr_reg;
assign rq_len         = rd_chunk[15:0];
assign rq_stream_last = rd_stream_last;
assign rq_job_last    = rd_stream_last && (rd_src_phase_reg || rd_len_reg == 25'd0);
assign rq_slot        = rd_slot_reg;
assign rdq_pop        = !rd_have_reg && rdq_valid;

wire [BEATS_LOG2:0] rq_beats = rd_chunk[BEATS_LOG2+3:3] + {{BEATS_LOG2{1'b0}}, rd_chunk[2:0] != 3'd0};

always @* begin
    rd_have_next = rd_have_reg;
    rd_src_phase_next = rd_src_phase_reg;
    rd_addr_next = rd_addr_reg;
    rd_left_next = rd_left_reg;
    rd_src_next = rd_src_reg;
    rd_len_next = rd_len_reg;
    rd_slot_next = rd_slot_reg;
    commit_next = commit_reg + (rq_fire ? rq_beats : {(BEATS_LOG2+1){1'b0}})
                             - {{BEATS_LOG2{1'b0}}, bf_pop};

    if (rdq_pop) begin
        rd_have_next = 1'b1;
        rd_src_next = q_src;
        rd_len_next = q_len;
        rd_slot_next = q_slot;
        if (q_aad_len != 17'd0) begin
            rd_src_phase_next = 1'b0;
            rd_addr_next = q_aad;
            rd_left_next = {8'd0, q_aad_len};
        end else begin
            rd_src_phase_next = 1'b1;
            rd_addr_next = q_src;
            rd_left_next = q_len;
        end
    end else if (rq_fire) begin
        rd_addr_next = rd_addr_reg + {39'd0, rd_chunk};
        rd_left_next = rd_left_reg - rd_chunk;
        if (rd_stream_last) begin
            if (!rd_src_phase_reg && rd_len_reg != 25'd0) begin
                rd_src_phase_next = 1'b1;
                rd_addr_next = rd_src_reg;
                rd_left_next = rd_len_reg;
            end else begin
                rd_have_next = 1'b0;
            end
        end
    end
end

always @(posedge clk) begin
    rd_have_reg <= rd_have_next;
    commit_reg <= commit_next;
    if (clr) begin
        rd_have_reg <= 1'b0;
        commit_reg <= {(BEATS_LOG2+1){1'b0}};
    end
end

always @(posedge clk) begin
    rd_src_phase_reg <= rd_src_phase_next;
    rd_addr_reg <= rd_addr_next;
    rd_left_reg <= rd_left_next;
    rd_src_reg <= rd_src_next;
    rd_len_reg <= rd_len_next;
    rd_slot_reg <= rd_slot_next;
end

// ---------------------------------------------------------------------------
// Beat buffer (block RAM) and 16-byte blocks
// ---------------------------------------------------------------------------
wire [64:0]         bf_out;
wire                bf_valid;
/* verilator lint_off PINCONNECTEMPTY */
tg_dma_rec_fifo #(.WIDTH(65), .DEPTH_LOG2(BEATS_LOG2)) beat_fifo (
    .clk(clk), .rst(clr),
    .s_data({cd_last, cd_data}), .s_valid(cd_valid), .s_ready(),
    .m_data(bf_out), .m_valid(bf_valid), .m_ready(bf_pop),
    .count()
);
/* verilator lint_on PINCONNECTEMPTY */

reg         half_valid_reg;
reg  [63:0] half_reg;
reg         blk_valid_reg, blk_valid_next;
reg [127:0] blk_reg;
wire        blk_take;
wire        blk_free = !blk_valid_reg || blk_take;
wire        bf_last = bf_out[64];

assign bf_pop = bf_valid && ((half_valid_reg || bf_last) ? blk_free : 1'b1);

always @* begin
    blk_valid_next = blk_valid_reg && !blk_take;
    if (bf_pop && (half_valid_reg || bf_last))
        blk_valid_next = 1'b1;
end

always @(posedge clk) begin
    if (bf_pop)
        half_valid_reg <= !half_valid_reg && !bf_last;
    blk_valid_reg <= blk_valid_next;
    if (clr) begin
        half_valid_reg <= 1'b0;
        blk_valid_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    if (bf_pop && !half_valid_reg)
        half_reg <= bf_out[63:0];
    if (bf_pop && half_valid_reg)
        blk_reg <= {bswap64(half_reg), bswap64(bf_out[63:0])};
    else if (bf_pop && bf_last)
        blk_reg <= {bswap64(bf_out[63:0]), 64'd0};
end

// ---------------------------------------------------------------------------
// Into the cipher: headers, then each job's blocks. The blocks the cipher
// still expects are counted here as it counts them, so data blocks (which
// come out) can be told from AAD blocks (which do not).
// ---------------------------------------------------------------------------
wire [1:0]  hq_mode    = hq_out[HQ_W-1 -: 2];
wire [16:0] hq_aad_len = hq_out[25 +: 17];
wire [24:0] hq_len     = hq_out[24:0];

reg  [12:0] f_aad_reg, f_aad_next;       // AAD blocks the cipher expects
reg  [20:0] f_data_reg, f_data_next;     // data blocks
reg         flush_reg, flush_next;       // completing a job from before RESET
reg  [7:0]  m_inflight_reg, m_inflight_next;   // data blocks inside the cipher
reg  [7:0]  m_drop_reg, m_drop_next;           // of them, from before RESET
reg  [5:0]  r_inflight_reg, r_inflight_next;   // results the cipher owes
reg  [5:0]  r_drop_reg, r_drop_next;
reg  [OUT_LOG2:0] ob_held_reg, ob_held_next;   // output buffer places promised
reg  [ID_WIDTH-1:0] id_reg;

wire        need_aad  = f_aad_reg != 13'd0;
wire        need_data = f_data_reg != 21'd0;
wire        ob_room   = !ob_held_reg[OUT_LOG2];
wire        h_fire    = h_valid && h_ready;
wire        s_fire    = s_valid && s_ready;
wire        ob_pop;
wire        ob_valid;

assign h_valid    = hq_valid && !flush_reg;
assign h_mode     = hq_mode;
assign h_decrypt  = hq_out[HQ_W-3];
assign h_slot     = hq_out[HQ_W-4 -: 4];
assign h_iv       = hq_out[HQ_W-8 -: 128];
assign h_tag      = hq_out[HQ_W-136 -: 128];
assign h_aad_len  = {15'd0, hq_aad_len};
assign h_data_len = {7'd0, hq_len};
assign h_id       = id_reg;

assign s_valid  = (need_aad || need_data) &&
                  (flush_reg || (blk_valid_reg && (need_aad || ob_room)));
assign s_data   = flush_reg ? 128'd0 : blk_reg;
assign blk_take = s_fire && !flush_reg;

wire        m_keep_drop = m_drop_reg != 8'd0;
wire        r_keep_drop = r_drop_reg != 6'd0;
assign mrq_push = r_valid && !r_keep_drop;

always @* begin
    f_aad_next = f_aad_reg;
    f_data_next = f_data_reg;
    m_inflight_next = m_inflight_reg - {7'd0, m_valid};
    m_drop_next = m_drop_reg - {7'd0, m_valid && m_keep_drop};
    r_inflight_next = r_inflight_reg + {5'd0, h_fire} - {5'd0, r_valid};
    r_drop_next = r_drop_reg - {5'd0, r_valid && r_keep_drop};
    ob_held_next = ob_held_reg - {{OUT_LOG2{1'b0}}, ob_pop && ob_valid};

    if (h_fire) begin
        f_aad_next = (hq_mode == MODE_GCM) ?
                     hq_aad_len[16:4] + {12'd0, hq_aad_len[3:0] != 4'd0} : 13'd0;
        f_data_next = hq_len[24:4] + {20'd0, hq_len[3:0] != 4'd0};
    end else if (s_fire) begin
        if (need_aad) begin
            f_aad_next = f_aad_reg - 13'd1;
        end else begin
            f_data_next = f_data_reg - 21'd1;
            m_inflight_next = m_inflight_next + 8'd1;
            if (flush_reg)
                m_drop_next = m_drop_next + 8'd1;
            else
                ob_held_next = ob_held_next + {{OUT_LOG2{1'b0}}, 1'b1};
        end
    end
    flush_next = flush_reg && (f_aad_next != 13'd0 || f_data_next != 21'd0);
    if (soft_reset) begin
        // what is inside the cipher now is dropped as it comes out
        flush_next = 1'b1;
        m_drop_next = m_inflight_next;
        r_drop_next = r_inflight_next;
        ob_held_next = {(OUT_LOG2+1){1'b0}};
    end
end

always @(posedge clk) begin
    f_aad_reg <= f_aad_next;
    f_data_reg <= f_data_next;
    flush_reg <= flush_next;
    m_inflight_reg <= m_inflight_next;
    m_drop_reg <= m_drop_next;
    r_inflight_reg <= r_inflight_next;
    r_drop_reg <= r_drop_next;
    ob_held_reg <= ob_held_next;
    id_reg <= id_reg + {{(ID_WIDTH-1){1'b0}}, h_fire};
    if (rst) begin
        f_aad_reg <= 13'd0;
        f_data_reg <= 21'd0;
        flush_reg <= 1'b0;
        m_inflight_reg <= 8'd0;
        m_drop_reg <= 8'd0;
        r_inflight_reg <= 6'd0;
        r_drop_reg <= 6'd0;
        ob_held_reg <= {(OUT_LOG2+1){1'b0}};
        id_reg <= {ID_WIDTH{1'b0}};
    end
end

// ---------------------------------------------------------------------------
// Out of the cipher: data blocks to the output buffer, then to dst
// ---------------------------------------------------------------------------
// block bytes turned little-endian: byte i at [8i+7:8i], keep bit i
wire [127:0] ob_in_data = bswap128(m_data);
wire [15:0]  ob_in_keep = brev16(m_keep);
wire [144:0] ob_out;

/* verilator lint_off PINCONNECTEMPTY */
tg_dma_fifo #(.WIDTH(145), .DEPTH_LOG2(OUT_LOG2)) out_buf (
    .clk(clk), .rst(clr),
    .s_data({m_last, ob_in_keep, ob_in_data}), .s_valid(m_valid && !m_keep_drop), .s_ready(),
    .m_data(ob_out), .m_valid(ob_valid), .m_ready(ob_pop),
    .count()
);
/* verilator lint_on PINCONNECTEMPTY */

wire dst_job_done;
wire dst_busy;

tg_dma_dst dst (
    .clk(clk), .rst(clr),
    .j_dst(oq_out), .j_valid(oq_valid), .j_ready(oq_pop),
    .s_data(ob_out[127:0]), .s_keep(ob_out[143:128]), .s_last(ob_out[144]),
    .s_valid(ob_valid), .s_ready(ob_pop),
    .m_valid(ln_valid), .m_ready(ln_ready), .m_addr(ln_addr), .m_data(ln_data),
    .m_strb(ln_strb),
    .job_done(dst_job_done), .busy(dst_busy)
);

// ---------------------------------------------------------------------------
// Result records, in job order, each once its job's output is all taken
// ---------------------------------------------------------------------------
wire [63:0]  res_q_cookie   = rq_out[RQ_W-1 -: 64];
wire [1:0]   res_q_mode     = rq_out[RQ_W-65 -: 2];
wire         res_q_dec      = rq_out[RQ_W-67];
wire [24:0]  res_q_len   = rq_out[3 +: 25];
wire         res_q_bad      = rq_out[2];
wire         res_q_has_data = rq_out[1];
wire         res_q_gcm_enc  = rq_out[0];
wire         mrq_ok      = mrq_out[0];
wire [127:0] mrq_tag     = mrq_out[128:1];

reg  [JOBS_LOG2:0] written_reg, written_next;   // jobs whose output is all taken
reg          res_valid_reg, res_valid_next;
reg  [255:0] res_data_reg;
reg  [1:0]   res_status_reg;
reg  [24:0]  res_len_reg;

wire written_any = written_reg != {(JOBS_LOG2+1){1'b0}};
wire res_elig    = rq_valid_q && (res_q_bad || (mrq_valid && (!res_q_has_data || written_any)));
wire res_load    = res_elig && (!res_valid_reg || rs_ready);
wire [1:0] res_status = res_q_bad ? `TG_CRYPTO_ST_BAD_JOB :
                        mrq_ok ? `TG_CRYPTO_ST_OK : `TG_CRYPTO_ST_TAG_FAIL;

assign rq_pop  = res_load;
assign mrq_pop = res_load && !res_q_bad;

always @* begin
    written_next = written_reg + {{JOBS_LOG2{1'b0}}, dst_job_done}
                               - {{JOBS_LOG2{1'b0}}, res_load && res_q_has_data};
    res_valid_next = (res_valid_reg && !rs_ready) || res_load;
end

always @(posedge clk) begin
    written_reg <= written_next;
    res_valid_reg <= res_valid_next;
    if (clr) begin
        written_reg <= {(JOBS_LOG2+1){1'b0}};
        res_valid_reg <= 1'b0;
    end
end

always @(posedge clk) begin
    if (res_load) begin
        res_data_reg <= {res_q_gcm_enc ? bswap128(mrq_tag) : 128'd0, res_q_cookie,
                         7'd0, res_q_len, 7'd0, res_q_dec, 6'd0, res_q_mode,
                         6'd0, res_status, `TG_EV_CRYPTO};
        res_status_reg <= res_status;
        res_len_reg <= res_q_len;
    end
end

assign rs_valid  = res_valid_reg;
assign rs_data   = res_data_reg;
assign rs_status = res_status_reg;
assign rs_len    = res_len_reg;

assign sm4_owed = need_aad || need_data || flush_reg || m_inflight_reg != 8'd0 ||
                  r_inflight_reg != 6'd0;

assign idle = jobs_reg == {(JOBS_LOG2+1){1'b0}} && jb_idx_reg == 4'd0 && !rdq_valid &&
              !hq_valid && !oq_valid && !rq_valid_q && !mrq_valid && !rd_have_reg &&
              commit_reg == {(BEATS_LOG2+1){1'b0}} && !bf_valid && !half_valid_reg &&
              !blk_valid_reg && !need_aad && !need_data && !flush_reg &&
              m_inflight_reg == 8'd0 && r_inflight_reg == 6'd0 && !ob_valid && !dst_busy &&
              !res_valid_reg;

endmodule

`default_nettype wire
