// SPDX-License-Identifier: BSD-3-Clause
// The card's DMA engine (docs/card-interface.md sections 3, 4 and 9).
//
// H2C: descriptors are fetched from the ring in bursts of up to four, one
// read per burst, never across the ring's end; each good frame descriptor
// reserves the most C2H records its frame can make, then its frame is read
// with one request and streamed, 8 bytes a beat, into line A or B of the
// feed pipeline. A good job descriptor reserves one C2H slot and has its
// job block read; tg_dma_crypto checks the job, reads its AAD and source,
// runs it through the cipher, writes dst and the result record. H2C_HEAD
// passes a descriptor once its frame has entered the pipeline or its job's
// reads are all in (bad descriptors pass as soon as everything before them
// has), and the new head is written back to host memory.
//
// C2H: records from the feed pipeline (which cannot wait) go through a
// block-RAM FIFO into one 64-byte write each, phase bit set from the ring
// index; crypto result records take ring slots the same way. C2H_TAIL
// counts the record writes the memory port has accepted. Destination lines
// of crypto jobs and head write-backs share the write port, taken in turn.
//
// Read responses come back in request order on one channel, so every
// request leaves a tag saying where its beats go. Descriptor reads are
// issued ahead (DBUF_LOG2) and frame reads are pipelined (INFLIGHT_LOG2) so
// that the feed sees frames back to back; crypto data reads take turns with
// frame and job block reads.
//
// Reservations: the feed pipeline gives no per-frame completion, so the
// reserved count drops by one for each record that arrives and is cleared
// once no frame is left to enter and the pipeline has been idle for
// QUIET_CYCLES clocks (every record of every frame that entered is out).
//
// docs/rtl-dma.md describes the engine, its choices and its figures.

`timescale 1ns / 1ps
`default_nettype none

`include "tg_card_abi.vh"

module tg_dma #(
    parameter DBUF_LOG2 = 4,          // descriptors held or requested ahead
    parameter INFLIGHT_LOG2 = 3,      // frames requested and not yet streamed
    parameter REC_FIFO_LOG2 = 9,      // record FIFO depth
    parameter REC_HEADROOM = 128,     // FIFO room kept for records in the pipeline
    parameter QUIET_CYCLES = 4,       // idle clocks before reservations re-sync
    parameter BEAT_LOG2 = 3,          // frame beats buffered before the feed
    parameter IFQ_LOG2 = 4,           // frames and jobs between scheduling and H2C head
    parameter JOBS_LOG2 = 4,          // crypto jobs between scheduling and result
    parameter CHUNK_LOG2 = 9,         // bytes per crypto data read
    parameter CBEATS_LOG2 = 9,        // crypto input beats buffered
    parameter COUT_LOG2 = 5           // crypto output blocks buffered
) (
    input  wire         clk,
    input  wire         rst,          // sync, active high
    input  wire         soft_reset,   // one-cycle pulse: CTRL.RESET

    // ---- configuration (tg_regs) ----
    input  wire         enable,
    input  wire [63:0]  h2c_base,
    input  wire [4:0]   h2c_size,
    input  wire [31:0]  h2c_tail,
    input  wire [63:0]  h2c_wb,
    input  wire [63:0]  c2h_base,
    input  wire [4:0]   c2h_size,
    input  wire [31:0]  c2h_head,

    // ---- status ----
    output wire [31:0]  h2c_head,
    output wire [31:0]  c2h_tail,
    output wire         idle,
    output wire [63:0]  cnt_c2h_drops,
    output wire [63:0]  cnt_h2c_descs,
    output wire [63:0]  cnt_err_desc,
    output wire [63:0]  cnt_crypto_jobs,
    output wire [63:0]  cnt_crypto_bytes,
    output wire [63:0]  cnt_crypto_tag_fail,
    output wire [63:0]  cnt_crypto_bad_job,
    output wire [63:0]  cnt_crypto_waits,

    // ---- SM4 key slots ----
    input  wire [15:0]  key_loaded,

    // ---- host memory: read requests ----
    output wire         mem_rd_req_valid,
    input  wire         mem_rd_req_ready,
    output wire [63:0]  mem_rd_req_addr,
    output wire [15:0]  mem_rd_req_len,

    // ---- host memory: read responses ----
    input  wire         mem_rd_resp_valid,
    output wire         mem_rd_resp_ready,
    input  wire [63:0]  mem_rd_resp_data,
    input  wire         mem_rd_resp_last,

    // ---- host memory: line writes ----
    output wire         mem_wr_valid,
    input  wire         mem_wr_ready,
    output wire [63:0]  mem_wr_addr,
    output wire [511:0] mem_wr_data,
    output wire [63:0]  mem_wr_strb,

    // ---- frames to the feed pipeline (AXI-Stream, line A and B) ----
    output wire [63:0]  m_axis_tdata,
    output wire [7:0]   m_axis_tkeep,
    output wire         m_axis_tlast,
    output wire         m_axis_a_tvalid,
    input  wire         m_axis_a_tready,
    output wire         m_axis_b_tvalid,
    input  wire         m_axis_b_tready,

    // ---- records from the feed pipeline (no back-pressure) ----
    input  wire [511:0] s_rec_data,
    input  wire         s_rec_valid,
    input  wire         feed_busy,

    // ---- tg_sm4_modes ----
    output wire         sm4_h_valid,
    input  wire         sm4_h_ready,
    output wire [1:0]   sm4_h_mode,
    output wire         sm4_h_decrypt,
    output wire [3:0]   sm4_h_slot,
    output wire [127:0] sm4_h_iv,
    output wire [31:0]  sm4_h_aad_len,
    output wire [31:0]  sm4_h_data_len,
    output wire [127:0] sm4_h_tag,
    output wire [15:0]  sm4_h_id,
    output wire [127:0] sm4_s_data,
    output wire         sm4_s_valid,
    input  wire         sm4_s_ready,
    input  wire [127:0] sm4_m_data,
    input  wire [15:0]  sm4_m_keep,
    input  wire         sm4_m_valid,
    input  wire         sm4_m_last,
    input  wire         sm4_r_valid,
    input  wire [127:0] sm4_r_tag,
    input  wire         sm4_r_tag_ok,
    output wire         sm4_owed
);

localparam DBUF = 1 << DBUF_LOG2;
localparam TAG_LOG2 = (DBUF_LOG2 > INFLIGHT_LOG2 ? DBUF_LOG2 : INFLIGHT_LOG2) + 1;
localparam IFQ = 1 << IFQ_LOG2;
localparam REC_FIFO_DEPTH = 1 << REC_FIFO_LOG2;
localparam [REC_FIFO_LOG2+1:0] REC_HIGH_WATER = REC_FIFO_DEPTH - REC_HEADROOM;
localparam QUIET_W = $clog2(QUIET_CYCLES + 1);
localparam [QUIET_W-1:0] QUIET_MAX = QUIET_CYCLES;

// descriptor fields held in the buffer: addr, len, kind, line
localparam DESC_W = 64 + 16 + 8 + 1;
// read tag: kind of request, line and length mod 8 (frames), in-flight slot,
// last request of an AAD or source stream, last request of a job (crypto)
localparam TAG_W = 2 + 1 + 3 + IFQ_LOG2 + 2;
localparam T_JOB_LAST = 0;
localparam T_STREAM_LAST = 1;
localparam T_SLOT = 2;
localparam T_LEN = T_SLOT + IFQ_LOG2;
localparam T_LINE = T_LEN + 3;
localparam T_KIND = T_LINE + 1;
localparam [1:0] RD_DESC  = 2'd0;
localparam [1:0] RD_FRAME = 2'd1;
localparam [1:0] RD_JOB   = 2'd2;       // a job block
localparam [1:0] RD_DATA  = 2'd3;       // a job's AAD or source

// write port users, taken in turn
localparam W_REC = 0;
localparam W_RES = 1;
localparam W_LINE = 2;
localparam W_WB = 3;
// buffered frame beat: stale, line, last, keep, data
localparam BEAT_W = 1 + 1 + 1 + 8 + 64;

// ---------------------------------------------------------------------------
// Ring geometry: the size registers clamped to the contract's ranges
// ---------------------------------------------------------------------------
wire [4:0]  h2c_log2 = h2c_size < 5'd4 ? 5'd4 : h2c_size > 5'd16 ? 5'd16 : h2c_size;
wire [4:0]  c2h_log2 = c2h_size < 5'd11 ? 5'd11 : c2h_size > 5'd16 ? 5'd16 : c2h_size;
wire [15:0] h2c_mask = ~(16'hFFFF << h2c_log2);
wire [15:0] c2h_mask = ~(16'hFFFF << c2h_log2);
wire [16:0] h2c_cap  = 17'd1 << h2c_log2;
wire [16:0] c2h_cap  = 17'd1 << c2h_log2;

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------
// descriptor fetch
reg [31:0] fetch_idx_reg, fetch_idx_next;         // next descriptor to fetch
reg [DBUF_LOG2:0] desc_pend_reg, desc_pend_next;  // requested, not yet buffered
reg        desc_half_reg, desc_half_next;         // second beat of a descriptor next
reg [63:0] desc_lo_reg;                           // first beat (the address)
reg        desc_lo_load;

// scheduling
reg [31:0] sched_idx_reg, sched_idx_next;         // next descriptor to examine
reg [31:0] head_reg;
reg [16:0] resv_reg, resv_next;                   // records reserved, not yet arrived
reg [31:0] c2h_issue_reg, c2h_issue_next;         // ring index of the next record write
reg [31:0] c2h_alloc_reg, c2h_alloc_next;         // c2h_issue + records queued + reserved
reg [QUIET_W-1:0] quiet_reg, quiet_next;

// read request output
reg        rd_req_valid_reg, rd_req_valid_next;
reg [63:0] rd_req_addr_reg, rd_req_addr_next;
reg [15:0] rd_req_len_reg, rd_req_len_next;

// requests issued before a soft reset whose responses are still to come
reg [TAG_LOG2:0] stale_reg, stale_next;
// the feed has taken the first beats of a frame and not its last
reg        mid_reg, mid_next;

// frame beats: a small FIFO, bypassed when empty, then the output register
reg        ax_valid_reg, ax_valid_next;
reg [63:0] ax_data_reg;
reg [7:0]  ax_keep_reg;
reg        ax_last_reg;
reg        ax_line_reg;
reg        ax_stale_reg;
reg [BEAT_LOG2:0] bf_stale_reg, bf_stale_next;   // buffered beats from before a soft reset

// line writes
reg         wr_valid_reg, wr_valid_next;
reg         wr_wb_reg, wr_wb_next;                // a head write-back
reg         wr_count_reg, wr_count_next;          // advances C2H_TAIL when accepted
reg         wr_res_reg, wr_res_next;              // a crypto result record
reg  [1:0]  wr_res_status_reg;
reg  [24:0] wr_res_len_reg;
reg  [31:0] wr_head_reg;                          // the head a write-back carries
reg  [63:0] wr_addr_reg, wr_addr_next;
reg [511:0] wr_data_reg;
reg  [63:0] wr_strb_reg;
reg  [1:0]  wr_last_reg, wr_last_next;            // user granted last
reg  [31:0] wb_val_reg, wb_val_next;              // last head written back
reg  [31:0] c2h_tail_reg, c2h_tail_next;

// frames and jobs between scheduling and the head, in H2C order; an entry
// is done when its frame is in the pipeline or its job's reads are in
reg  [31:0]          ifq_idx [0:IFQ-1];
reg  [IFQ-1:0]       ifq_done_reg, ifq_done_next;
reg  [IFQ_LOG2:0]    ifq_wr_reg, ifq_rd_reg;

// read request users taking turns: crypto data has the next turn
reg         rd_turn_data_reg, rd_turn_data_next;
// the job at the head of the descriptor buffer has waited for C2H room
reg         cwait_reg, cwait_next;

// counters
reg [63:0] cnt_drops_reg, cnt_descs_reg, cnt_err_reg;
reg        drop_reg;
reg [31:0] descs_delta_reg;
reg [63:0] cnt_cjobs_reg, cnt_cbytes_reg, cnt_ctagf_reg, cnt_cbad_reg, cnt_cwaits_reg;
reg        cjob_inc_reg, ctagf_inc_reg, cbad_inc_reg, cwait_inc_reg;
reg [24:0] cbytes_inc_reg;

// ---------------------------------------------------------------------------
// Bookkeeping FIFOs
// ---------------------------------------------------------------------------
wire [TAG_W-1:0]    tag_in;
wire                tag_push;
wire [TAG_W-1:0]    tag_out;
wire                tag_valid;
wire                tag_pop;
wire                tag_ready;
wire [TAG_LOG2:0]   tag_count;

tg_dma_fifo #(.WIDTH(TAG_W), .DEPTH_LOG2(TAG_LOG2)) tag_fifo (
    .clk(clk), .rst(rst),
    .s_data(tag_in), .s_valid(tag_push), .s_ready(tag_ready),
    .m_data(tag_out), .m_valid(tag_valid), .m_ready(tag_pop),
    .count(tag_count)
);

wire [DESC_W-1:0]   dbuf_in;
wire                dbuf_push;
wire [DESC_W-1:0]   dbuf_out;
wire                dbuf_valid;
wire                dbuf_pop;
wire                dbuf_ready;
wire [DBUF_LOG2:0]  dbuf_count;

tg_dma_fifo #(.WIDTH(DESC_W), .DEPTH_LOG2(DBUF_LOG2)) desc_fifo (
    .clk(clk), .rst(rst || soft_reset),
    .s_data(dbuf_in), .s_valid(dbuf_push), .s_ready(dbuf_ready),
    .m_data(dbuf_out), .m_valid(dbuf_valid), .m_ready(dbuf_pop),
    .count(dbuf_count)
);

// frames requested and not yet streamed: their in-flight slots
wire [IFQ_LOG2-1:0]    fl_slot;
wire                   fl_push;
wire                   fl_valid;
wire                   fl_pop;
wire                   fl_ready;
wire [INFLIGHT_LOG2:0] fl_count;

tg_dma_fifo #(.WIDTH(IFQ_LOG2), .DEPTH_LOG2(INFLIGHT_LOG2)) frame_fifo (
    .clk(clk), .rst(rst || soft_reset),
    .s_data(ifq_wr_reg[IFQ_LOG2-1:0]), .s_valid(fl_push), .s_ready(fl_ready),
    .m_data(fl_slot), .m_valid(fl_valid), .m_ready(fl_pop),
    .count(fl_count)
);

wire [511:0]          rec_out;
wire                  rec_valid;
wire                  rec_pop;
wire                  rec_push;
wire                  rec_ready;
wire [REC_FIFO_LOG2+1:0] rec_count;

tg_dma_rec_fifo #(.WIDTH(512), .DEPTH_LOG2(REC_FIFO_LOG2)) rec_fifo (
    .clk(clk), .rst(rst || soft_reset),
    .s_data(s_rec_data), .s_valid(rec_push), .s_ready(rec_ready),
    .m_data(rec_out), .m_valid(rec_valid), .m_ready(rec_pop),
    .count(rec_count)
);

// ---------------------------------------------------------------------------
// Crypto jobs
// ---------------------------------------------------------------------------
wire                cr_job_room;
wire                sched_job;
wire                cr_jb_valid;
wire                cr_cd_valid;
wire                cr_cd_last;
wire                cr_done_valid;
wire [IFQ_LOG2-1:0] cr_done_slot;
wire                cr_rq_valid;
wire                cr_rq_ready;
wire [63:0]         cr_rq_addr;
wire [15:0]         cr_rq_len;
wire                cr_rq_stream_last;
wire                cr_rq_job_last;
wire [IFQ_LOG2-1:0] cr_rq_slot;
wire                cr_ln_valid;
wire                cr_ln_ready;
wire [63:0]         cr_ln_addr;
wire [511:0]        cr_ln_data;
wire [63:0]         cr_ln_strb;
wire                cr_rs_valid;
wire                cr_rs_ready;
wire [255:0]        cr_rs_data;
wire [1:0]          cr_rs_status;
wire [24:0]         cr_rs_len;
wire                cr_idle;

tg_dma_crypto #(
    .SLOT_LOG2(IFQ_LOG2), .JOBS_LOG2(JOBS_LOG2), .CHUNK_LOG2(CHUNK_LOG2),
    .BEATS_LOG2(CBEATS_LOG2), .OUT_LOG2(COUT_LOG2), .ID_WIDTH(16)
) crypto (
    .clk(clk), .rst(rst), .soft_reset(soft_reset),
    .key_loaded(key_loaded),
    .job_room(cr_job_room), .job_sched(sched_job),
    .jb_valid(cr_jb_valid), .jb_data(mem_rd_resp_data), .jb_last(mem_rd_resp_last),
    .jb_slot(tag_out[T_SLOT +: IFQ_LOG2]),
    .cd_valid(cr_cd_valid), .cd_data(mem_rd_resp_data), .cd_last(cr_cd_last),
    .done_valid(cr_done_valid), .done_slot(cr_done_slot),
    .rq_valid(cr_rq_valid), .rq_ready(cr_rq_ready), .rq_addr(cr_rq_addr), .rq_len(cr_rq_len),
    .rq_stream_last(cr_rq_stream_last), .rq_job_last(cr_rq_job_last), .rq_slot(cr_rq_slot),
    .h_valid(sm4_h_valid), .h_ready(sm4_h_ready), .h_mode(sm4_h_mode),
    .h_decrypt(sm4_h_decrypt), .h_slot(sm4_h_slot), .h_iv(sm4_h_iv),
    .h_aad_len(sm4_h_aad_len), .h_data_len(sm4_h_data_len), .h_tag(sm4_h_tag),
    .h_id(sm4_h_id),
    .s_data(sm4_s_data), .s_valid(sm4_s_valid), .s_ready(sm4_s_ready),
    .m_data(sm4_m_data), .m_keep(sm4_m_keep), .m_valid(sm4_m_valid), .m_last(sm4_m_last),
    .r_valid(sm4_r_valid), .r_tag(sm4_r_tag), .r_tag_ok(sm4_r_tag_ok),
    .ln_valid(cr_ln_valid), .ln_ready(cr_ln_ready), .ln_addr(cr_ln_addr),
    .ln_data(cr_ln_data), .ln_strb(cr_ln_strb),
    .rs_valid(cr_rs_valid), .rs_ready(cr_rs_ready), .rs_data(cr_rs_data),
    .rs_status(cr_rs_status), .rs_len(cr_rs_len),
    .sm4_owed(sm4_owed), .idle(cr_idle)
);

// ---------------------------------------------------------------------------
// C2H occupancy. Slots are taken, in ring order, by records written or being
// written (up to c2h_issue), then records queued in the FIFO, then records
// reserved for frames in the pipeline and slots reserved for crypto results
// (up to c2h_alloc). A head the host has moved past either index leaves no
// room, as in the model.
//
// Scheduling judges room on the occupancy registered a clock earlier, which
// keeps the subtraction and its saturation off the scheduling path. That
// view is exact unless the allocation index or the host's head moved in the
// last clock; scheduling then waits a clock (it never needs to go two
// clocks running: each descriptor costs the read channel two beats).
// ---------------------------------------------------------------------------
wire [31:0] c2h_ring_diff   = c2h_issue_reg - c2h_head;
wire [31:0] c2h_commit_diff = c2h_alloc_reg - c2h_head;
wire [16:0] c2h_committed   = c2h_commit_diff > {15'd0, c2h_cap} ? c2h_cap : c2h_commit_diff[16:0];
wire        rec_near_full   = rec_count >= REC_HIGH_WATER;

reg  [16:0] c2h_view_reg;         // c2h_committed, a clock ago
reg  [31:0] c2h_view_head_reg;    // the host's head it was counted against
reg         c2h_alloc_moved_reg;  // the allocation index moved since
wire        c2h_view_ok = !c2h_alloc_moved_reg && c2h_view_head_reg == c2h_head;

// ---------------------------------------------------------------------------
// Descriptor fetch: up to four, within the ring, while the buffer has room
// ---------------------------------------------------------------------------
wire [31:0] fetch_avail = h2c_tail - fetch_idx_reg;
wire [15:0] fetch_slot  = fetch_idx_reg[15:0] & h2c_mask;
wire [16:0] fetch_to_end = h2c_cap - {1'b0, fetch_slot};
wire [2:0]  fetch_n_avail = fetch_avail < 32'd4 ? fetch_avail[2:0] : 3'd4;
wire [2:0]  fetch_n = fetch_to_end < 17'd4 ? (fetch_to_end[2:0] < fetch_n_avail ?
                                              fetch_to_end[2:0] : fetch_n_avail)
                                           : fetch_n_avail;
wire [DBUF_LOG2+1:0] dbuf_total = {1'b0, dbuf_count} + {1'b0, desc_pend_reg};
wire        dbuf_room   = dbuf_total + {{(DBUF_LOG2-1){1'b0}}, fetch_n} <= DBUF;

wire        rd_req_free = (!rd_req_valid_reg || mem_rd_req_ready) && !soft_reset;
wire        fetch_go    = enable && fetch_avail != 32'd0 && dbuf_room && tag_ready &&
                          rd_req_free;

// ---------------------------------------------------------------------------
// Scheduling: validate the buffered head descriptor, reserve, request. Frame
// and job block reads take turns with crypto data reads; descriptor reads go
// first (they are rare and keep the rest flowing).
// ---------------------------------------------------------------------------
wire [63:0] d_addr = dbuf_out[63:0];
wire [15:0] d_len  = dbuf_out[79:64];
wire [7:0]  d_kind = dbuf_out[87:80];
wire        d_line = dbuf_out[88];
wire        d_frame = d_kind == `TG_DESC_FEED_FRAME && d_len != 16'd0 && d_len <= `TG_MAX_FRAME;
wire        d_job  = d_kind == `TG_DESC_CRYPTO_JOB && d_len == `TG_CRYPTO_JOB_BLOCK_LEN;
wire [16:0] d_resv = {4'd0, d_len[15:3]} + 17'd2;
wire        d_room = c2h_view_ok && {1'b0, c2h_view_reg} + {1'b0, d_resv} <= {1'b0, c2h_cap};
wire        d_room_job = c2h_view_ok && c2h_view_reg < c2h_cap;
wire [16:0] d_take = d_job ? 17'd1 : d_resv;

wire        ifq_ready;
wire        can_frame = enable && dbuf_valid && d_frame && d_room && fl_ready && ifq_ready &&
                        tag_ready && rd_req_free;
wire        can_job   = enable && dbuf_valid && d_job && d_room_job && cr_job_room &&
                        ifq_ready && tag_ready && rd_req_free;
wire        can_data  = cr_rq_valid && tag_ready && rd_req_free;
// the scheduler has a good descriptor (room or not): crypto data waits for
// it on the scheduler's turn, which passes to data if the scheduler cannot
// use it, so neither waits for long and the room check stays off data_go
wire        sched_want = enable && dbuf_valid && (d_frame || d_job);

wire        sched_bad   = enable && !soft_reset && dbuf_valid && !d_frame && !d_job;
wire        sched_frame = can_frame && !fetch_go && (!rd_turn_data_reg || !can_data);
assign      sched_job   = can_job && !fetch_go && (!rd_turn_data_reg || !can_data);
wire        data_go     = can_data && !fetch_go && (rd_turn_data_reg || !sched_want);
wire        job_waits   = enable && dbuf_valid && d_job && c2h_view_ok && !d_room_job;

assign cr_rq_ready = data_go;
assign dbuf_pop = sched_bad || sched_frame || sched_job;
assign fl_push  = sched_frame;
assign tag_push = fetch_go || sched_frame || sched_job || data_go;

reg [TAG_W-1:0] tag_in_r;
always @* begin
    tag_in_r = {TAG_W{1'b0}};
    if (sched_frame) begin
        tag_in_r[T_KIND +: 2] = RD_FRAME;
        tag_in_r[T_LINE] = d_line;
        tag_in_r[T_LEN +: 3] = d_len[2:0];
    end else if (sched_job) begin
        tag_in_r[T_KIND +: 2] = RD_JOB;
        tag_in_r[T_SLOT +: IFQ_LOG2] = ifq_wr_reg[IFQ_LOG2-1:0];
    end else if (data_go) begin
        tag_in_r[T_KIND +: 2] = RD_DATA;
        tag_in_r[T_SLOT +: IFQ_LOG2] = cr_rq_slot;
        tag_in_r[T_STREAM_LAST] = cr_rq_stream_last;
        tag_in_r[T_JOB_LAST] = cr_rq_job_last;
    end
end
assign tag_in = tag_in_r;

// ---------------------------------------------------------------------------
// Response routing by tag
// ---------------------------------------------------------------------------
wire        stale      = stale_reg != {(TAG_LOG2+1){1'b0}};
wire [1:0]  tag_kind   = tag_out[T_KIND +: 2];
wire        tag_line   = tag_out[T_LINE];
wire [2:0]  tag_len3   = tag_out[T_LEN +: 3];
wire        route_frame = tag_valid && tag_kind == RD_FRAME;
wire        route_desc  = tag_valid && tag_kind == RD_DESC && !stale;
wire        route_job   = tag_valid && tag_kind == RD_JOB && !stale;
wire        route_data  = tag_valid && tag_kind == RD_DATA && !stale;
wire        drop_other  = tag_valid && tag_kind != RD_FRAME && stale;
wire        frame_in_valid = mem_rd_resp_valid && route_frame && !rec_near_full;
wire        bf_ready;
wire        resp_fire;

// job block and crypto data beats are never held: tg_dma_crypto has room
assign mem_rd_resp_ready = drop_other || (route_desc && (dbuf_ready || !desc_half_reg)) ||
                           (route_frame && bf_ready && !rec_near_full) ||
                           route_job || route_data;
assign resp_fire = mem_rd_resp_valid && mem_rd_resp_ready;
assign tag_pop   = resp_fire && mem_rd_resp_last;

assign cr_jb_valid = resp_fire && route_job;
assign cr_cd_valid = resp_fire && route_data;
assign cr_cd_last  = mem_rd_resp_last && tag_out[T_STREAM_LAST];
wire   data_done   = cr_cd_valid && mem_rd_resp_last && tag_out[T_JOB_LAST];

assign dbuf_push = resp_fire && route_desc && desc_half_reg;
assign dbuf_in   = {mem_rd_resp_data[24], mem_rd_resp_data[23:0], desc_lo_reg};

wire [7:0]  frame_in_keep = (mem_rd_resp_last && tag_len3 != 3'd0) ?
                            ~(8'hFF << tag_len3) : 8'hFF;

// ---------------------------------------------------------------------------
// Frame beats to the feed pipeline: a small FIFO, bypassed when empty, and
// the output register. The FIFO absorbs the clocks in which the feed takes
// no beat (it switches from one line to the other at a frame boundary), so
// the read channel keeps streaming and the feed catches up during the
// descriptor beats.
//
// Beats of requests issued before a soft reset are stale. The feed, reset
// too, still expects the rest of a frame it had started (a frame is never
// cut short on the stream), so stale beats go out until that frame's last
// beat, and are dropped otherwise.
// ---------------------------------------------------------------------------
wire ax_present   = ax_valid_reg && (!ax_stale_reg || mid_reg);
wire feed_ready   = ax_line_reg ? m_axis_b_tready : m_axis_a_tready;
wire ax_out_ready = ax_present ? feed_ready : 1'b1;
wire feed_fire    = ax_present && feed_ready;
wire ax_free      = !ax_valid_reg || ax_out_ready;

wire [BEAT_W-1:0]  bf_out;
wire               bf_valid;
wire [BEAT_LOG2:0] bf_count;
wire               frame_in_fire = frame_in_valid && bf_ready;
wire               ax_bypass     = frame_in_fire && !bf_valid && ax_free;
wire               bf_push       = frame_in_fire && !ax_bypass;
wire               bf_pop        = bf_valid && ax_free;
wire               bf_out_stale  = bf_out[BEAT_W-1] || bf_stale_reg != {(BEAT_LOG2+1){1'b0}};

tg_dma_fifo #(.WIDTH(BEAT_W), .DEPTH_LOG2(BEAT_LOG2)) beat_fifo (
    .clk(clk), .rst(rst),
    .s_data({stale, tag_line, mem_rd_resp_last, frame_in_keep, mem_rd_resp_data}),
    .s_valid(bf_push), .s_ready(bf_ready),
    .m_data(bf_out), .m_valid(bf_valid), .m_ready(bf_pop),
    .count(bf_count)
);

assign fl_pop = feed_fire && ax_last_reg && !ax_stale_reg;

assign m_axis_tdata    = ax_data_reg;
assign m_axis_tkeep    = ax_keep_reg;
assign m_axis_tlast    = ax_last_reg;
assign m_axis_a_tvalid = ax_present && !ax_line_reg;
assign m_axis_b_tvalid = ax_present && ax_line_reg;

// ---------------------------------------------------------------------------
// Records in, line writes out
// ---------------------------------------------------------------------------
// a record takes a reserved slot if there is one, else needs a free slot
wire rec_resv = resv_reg != 17'd0;
wire rec_drop = s_rec_valid && (!rec_ready ||
                                (!rec_resv && c2h_commit_diff >= {15'd0, c2h_cap}));
assign rec_push = s_rec_valid && !rec_drop;

// record, result record, destination line and head write-back take the
// write port in turn
function [3:0] rr_first(input [3:0] req, input [1:0] a, input [1:0] b, input [1:0] c,
                        input [1:0] d);
    begin
        rr_first = 4'd0;
        if (req[a])
            rr_first[a] = 1'b1;
        else if (req[b])
            rr_first[b] = 1'b1;
        else if (req[c])
            rr_first[c] = 1'b1;
        else if (req[d])
            rr_first[d] = 1'b1;
    end
endfunction

// the first requester after the last one granted
function [3:0] rr_pick(input [3:0] req, input [1:0] last);
    begin
        case (last)
        2'd0:    rr_pick = rr_first(req, 2'd1, 2'd2, 2'd3, 2'd0);
        2'd1:    rr_pick = rr_first(req, 2'd2, 2'd3, 2'd0, 2'd1);
        2'd2:    rr_pick = rr_first(req, 2'd3, 2'd0, 2'd1, 2'd2);
        default: rr_pick = rr_first(req, 2'd0, 2'd1, 2'd2, 2'd3);
        endcase
    end
endfunction

wire wr_free   = (!wr_valid_reg || mem_wr_ready) && !soft_reset;
wire c2h_free  = c2h_ring_diff < {15'd0, c2h_cap};
wire rec_can   = rec_valid && c2h_free;
wire res_can   = cr_rs_valid && c2h_free;
wire wb_dirty  = head_reg != wb_val_reg && h2c_wb != 64'd0;
wire [3:0] wr_req   = {wb_dirty, cr_ln_valid, res_can, rec_can};
wire [3:0] wr_grant = wr_free ? rr_pick(wr_req, wr_last_reg) : 4'd0;
wire grant_rec  = wr_grant[W_REC];
wire grant_res  = wr_grant[W_RES];
wire grant_line = wr_grant[W_LINE];
wire grant_wb   = wr_grant[W_WB];
wire phase     = !c2h_issue_reg[c2h_log2];

assign rec_pop = grant_rec;
assign cr_rs_ready = grant_res;
assign cr_ln_ready = grant_line;

// ---------------------------------------------------------------------------
// Reservations re-sync: every frame has entered the pipeline, and it has been
// idle, with no record out, for QUIET_CYCLES clocks and still is
// ---------------------------------------------------------------------------
wire quiet_now = !fl_valid && !feed_busy && !s_rec_valid;
wire resync    = quiet_now && quiet_reg == QUIET_MAX;

// ---------------------------------------------------------------------------
// Head: the oldest frame or job still reading, else the next unexamined
// descriptor
// ---------------------------------------------------------------------------
wire [IFQ_LOG2:0] ifq_count = ifq_wr_reg - ifq_rd_reg;
wire              ifq_valid = ifq_count != {(IFQ_LOG2+1){1'b0}};
wire              ifq_pop   = ifq_valid && ifq_done_reg[ifq_rd_reg[IFQ_LOG2-1:0]];
wire              ifq_push  = sched_frame || sched_job;
assign            ifq_ready = !ifq_count[IFQ_LOG2];

wire [31:0] head_now = ifq_valid ? ifq_idx[ifq_rd_reg[IFQ_LOG2-1:0]] : sched_idx_reg;

// ---------------------------------------------------------------------------
// Next state
// ---------------------------------------------------------------------------
always @* begin
    fetch_idx_next = fetch_idx_reg;
    desc_pend_next = desc_pend_reg;
    desc_half_next = desc_half_reg;
    desc_lo_load   = 1'b0;
    sched_idx_next = sched_idx_reg;
    stale_next     = stale_reg - {{TAG_LOG2{1'b0}}, stale && tag_pop};
    mid_next       = feed_fire ? !ax_last_reg : mid_reg;

    rd_req_valid_next = rd_req_valid_reg && !mem_rd_req_ready;
    rd_req_addr_next  = rd_req_addr_reg;
    rd_req_len_next   = rd_req_len_reg;

    // requests
    if (fetch_go) begin
        rd_req_valid_next = 1'b1;
        rd_req_addr_next  = h2c_base + {44'd0, fetch_slot, 4'd0};
        rd_req_len_next   = {9'd0, fetch_n, 4'd0};
        fetch_idx_next    = fetch_idx_reg + {29'd0, fetch_n};
    end else if (sched_frame) begin
        rd_req_valid_next = 1'b1;
        rd_req_addr_next  = d_addr;
        rd_req_len_next   = d_len;
    end else if (sched_job) begin
        rd_req_valid_next = 1'b1;
        rd_req_addr_next  = d_addr;
        rd_req_len_next   = `TG_CRYPTO_JOB_BLOCK_LEN;
    end else if (data_go) begin
        rd_req_valid_next = 1'b1;
        rd_req_addr_next  = cr_rq_addr;
        rd_req_len_next   = cr_rq_len;
    end
    if (dbuf_pop)
        sched_idx_next = sched_idx_reg + 32'd1;
    rd_turn_data_next = rd_turn_data_reg;
    if (data_go)
        rd_turn_data_next = 1'b0;
    else if (sched_frame || sched_job || (can_data && !fetch_go))
        rd_turn_data_next = 1'b1;
    cwait_next = (cwait_reg || job_waits) && !sched_job;

    // in-flight slots: done as their frame or job's reads finish
    ifq_done_next = ifq_done_reg;
    if (ifq_pop)
        ifq_done_next[ifq_rd_reg[IFQ_LOG2-1:0]] = 1'b0;
    if (fl_pop)
        ifq_done_next[fl_slot] = 1'b1;
    if (data_done)
        ifq_done_next[tag_out[T_SLOT +: IFQ_LOG2]] = 1'b1;
    if (cr_done_valid)
        ifq_done_next[cr_done_slot] = 1'b1;

    // descriptor beats: address first, then length, kind and flags
    if (resp_fire && route_desc) begin
        desc_half_next = !desc_half_reg;
        desc_lo_load   = !desc_half_reg;
    end
    desc_pend_next = desc_pend_reg + (fetch_go ? {{(DBUF_LOG2-2){1'b0}}, fetch_n} : {(DBUF_LOG2+1){1'b0}})
                                   - {{DBUF_LOG2{1'b0}}, dbuf_push};

    // reservations
    resv_next = resv_reg;
    c2h_alloc_next = c2h_alloc_reg;
    if (resync) begin
        resv_next = 17'd0;
        c2h_alloc_next = c2h_alloc_reg - {15'd0, resv_reg};
    end else if (rec_push) begin
        if (rec_resv)
            resv_next = resv_reg - 17'd1;
        else
            c2h_alloc_next = c2h_alloc_reg + 32'd1;
    end
    // a frame's slots, or a job's one (taken by its result record, never
    // released); the sum does not wait for the room check, only its use
    if (sched_frame)
        resv_next = resv_next + d_resv;
    if (sched_frame || sched_job)
        c2h_alloc_next = c2h_alloc_next + {15'd0, d_take};
    // the increment does not wait for the grant, only its use does
    c2h_issue_next = (grant_rec || grant_res) ? c2h_issue_reg + 32'd1 : c2h_issue_reg;

    quiet_next = quiet_reg;
    if (!quiet_now)
        quiet_next = {QUIET_W{1'b0}};
    else if (quiet_reg != QUIET_MAX)
        quiet_next = quiet_reg + 1'b1;

    // frame beats: the output register holds one, the FIFO the rest
    ax_valid_next = (ax_valid_reg && !ax_out_ready) || ax_bypass || bf_pop;
    bf_stale_next = bf_stale_reg - {{BEAT_LOG2{1'b0}}, bf_pop && bf_stale_reg != {(BEAT_LOG2+1){1'b0}}};

    // line writes
    wr_valid_next    = wr_valid_reg && !mem_wr_ready;
    wr_wb_next       = wr_wb_reg;
    wr_count_next    = wr_count_reg;
    wr_res_next      = wr_res_reg;
    wr_addr_next     = wr_addr_reg;
    wr_last_next     = wr_last_reg;
    wb_val_next      = wb_val_reg;
    c2h_tail_next    = c2h_tail_reg + {31'd0, wr_valid_reg && mem_wr_ready && wr_count_reg};
    if (grant_rec || grant_res) begin
        wr_valid_next   = 1'b1;
        wr_wb_next      = 1'b0;
        wr_count_next   = 1'b1;
        wr_res_next     = grant_res;
        wr_addr_next    = c2h_base + {42'd0, c2h_issue_reg[15:0] & c2h_mask, 6'd0};
        wr_last_next    = grant_rec ? W_REC[1:0] : W_RES[1:0];
    end else if (grant_line) begin
        wr_valid_next   = 1'b1;
        wr_wb_next      = 1'b0;
        wr_count_next   = 1'b0;
        wr_res_next     = 1'b0;
        wr_addr_next    = cr_ln_addr;
        wr_last_next    = W_LINE[1:0];
    end else if (grant_wb) begin
        wr_valid_next   = 1'b1;
        wr_wb_next      = 1'b1;
        wr_count_next   = 1'b0;
        wr_res_next     = 1'b0;
        wr_addr_next    = {h2c_wb[63:6], 6'd0};
        wr_last_next    = W_WB[1:0];
        wb_val_next     = head_reg;
    end
end

// the result record accepted by the write port, for the crypto counters
wire res_written = wr_valid_reg && mem_wr_ready && wr_count_reg && wr_res_reg;


always @(posedge clk) begin
    fetch_idx_reg     <= fetch_idx_next;
    desc_pend_reg     <= desc_pend_next;
    desc_half_reg     <= desc_half_next;
    sched_idx_reg     <= sched_idx_next;
    head_reg          <= head_now;
    resv_reg          <= resv_next;
    c2h_issue_reg     <= c2h_issue_next;
    c2h_alloc_reg     <= c2h_alloc_next;
    quiet_reg         <= quiet_next;
    stale_reg         <= stale_next;
    mid_reg           <= mid_next;
    rd_req_valid_reg  <= rd_req_valid_next;
    ax_valid_reg      <= ax_valid_next;
    bf_stale_reg      <= bf_stale_next;
    wr_valid_reg      <= wr_valid_next;
    wr_wb_reg         <= wr_wb_next;
    wr_count_reg      <= wr_count_next;
    wr_res_reg        <= wr_res_next;
    wr_last_reg       <= wr_last_next;
    wb_val_reg        <= wb_val_next;
    c2h_tail_reg      <= c2h_tail_next;
    rd_turn_data_reg  <= rd_turn_data_next;
    c2h_view_reg      <= c2h_committed;
    c2h_view_head_reg <= c2h_head;
    c2h_alloc_moved_reg <= (resync && resv_reg != 17'd0) || (rec_push && !rec_resv) ||
                           sched_frame || sched_job || soft_reset;
    cwait_reg         <= cwait_next;
    ifq_done_reg      <= ifq_done_next;
    ifq_wr_reg        <= ifq_wr_reg + {{IFQ_LOG2{1'b0}}, ifq_push};
    ifq_rd_reg        <= ifq_rd_reg + {{IFQ_LOG2{1'b0}}, ifq_pop};

    // counters take their increments a cycle late, off the control paths
    drop_reg        <= rec_drop;
    descs_delta_reg <= head_now - head_reg;
    cnt_drops_reg   <= cnt_drops_reg + {63'd0, drop_reg};
    cnt_descs_reg   <= cnt_descs_reg + {32'd0, descs_delta_reg};
    cnt_err_reg     <= cnt_err_reg + {63'd0, sched_bad};
    cjob_inc_reg    <= res_written;
    ctagf_inc_reg   <= res_written && wr_res_status_reg == `TG_CRYPTO_ST_TAG_FAIL;
    cbad_inc_reg    <= res_written && wr_res_status_reg == `TG_CRYPTO_ST_BAD_JOB;
    cbytes_inc_reg  <= res_written ? wr_res_len_reg : 25'd0;
    cwait_inc_reg   <= job_waits && !cwait_reg;
    cnt_cjobs_reg   <= cnt_cjobs_reg + {63'd0, cjob_inc_reg};
    cnt_ctagf_reg   <= cnt_ctagf_reg + {63'd0, ctagf_inc_reg};
    cnt_cbad_reg    <= cnt_cbad_reg + {63'd0, cbad_inc_reg};
    cnt_cbytes_reg  <= cnt_cbytes_reg + {39'd0, cbytes_inc_reg};
    cnt_cwaits_reg  <= cnt_cwaits_reg + {63'd0, cwait_inc_reg};

    // a soft reset restarts the engine on empty rings; a request or write
    // already offered to the memory port stays offered (valid is held until
    // accepted) but advances nothing, and the responses of every request
    // issued before are stale (see the frame beats above)
    if (soft_reset) begin
        fetch_idx_reg   <= 32'd0;
        desc_pend_reg   <= {(DBUF_LOG2+1){1'b0}};
        desc_half_reg   <= 1'b0;
        sched_idx_reg   <= 32'd0;
        head_reg        <= 32'd0;
        resv_reg        <= 17'd0;
        c2h_issue_reg   <= 32'd0;
        c2h_alloc_reg   <= 32'd0;
        drop_reg        <= 1'b0;
        descs_delta_reg <= 32'd0;
        quiet_reg       <= {QUIET_W{1'b0}};
        // every request outstanding is stale; no new one is issued now;
        // every beat buffered after this clock came before the reset
        stale_reg       <= tag_count - {{TAG_LOG2{1'b0}}, tag_pop};
        bf_stale_reg    <= bf_count + {{BEAT_LOG2{1'b0}}, bf_push} - {{BEAT_LOG2{1'b0}}, bf_pop};
        wr_count_reg    <= 1'b0;
        wb_val_reg      <= 32'd0;
        c2h_tail_reg    <= 32'd0;
        cwait_reg       <= 1'b0;
        ifq_done_reg    <= {IFQ{1'b0}};
        ifq_wr_reg      <= {(IFQ_LOG2+1){1'b0}};
        ifq_rd_reg      <= {(IFQ_LOG2+1){1'b0}};
        cjob_inc_reg    <= 1'b0;
        ctagf_inc_reg   <= 1'b0;
        cbad_inc_reg    <= 1'b0;
        cbytes_inc_reg  <= 25'd0;
        cwait_inc_reg   <= 1'b0;
        cnt_drops_reg   <= 64'd0;
        cnt_descs_reg   <= 64'd0;
        cnt_err_reg     <= 64'd0;
        cnt_cjobs_reg   <= 64'd0;
        cnt_cbytes_reg  <= 64'd0;
        cnt_ctagf_reg   <= 64'd0;
        cnt_cbad_reg    <= 64'd0;
        cnt_cwaits_reg  <= 64'd0;
    end
    if (rst) begin
        fetch_idx_reg    <= 32'd0;
        desc_pend_reg    <= {(DBUF_LOG2+1){1'b0}};
        desc_half_reg    <= 1'b0;
        sched_idx_reg    <= 32'd0;
        head_reg         <= 32'd0;
        resv_reg         <= 17'd0;
        c2h_issue_reg    <= 32'd0;
        c2h_alloc_reg    <= 32'd0;
        drop_reg         <= 1'b0;
        descs_delta_reg  <= 32'd0;
        quiet_reg        <= {QUIET_W{1'b0}};
        stale_reg        <= {(TAG_LOG2+1){1'b0}};
        mid_reg          <= 1'b0;
        rd_req_valid_reg <= 1'b0;
        ax_valid_reg     <= 1'b0;
        bf_stale_reg     <= {(BEAT_LOG2+1){1'b0}};
        wr_valid_reg     <= 1'b0;
        wr_wb_reg        <= 1'b0;
        wr_count_reg     <= 1'b0;
        wr_res_reg       <= 1'b0;
        wr_last_reg      <= 2'd0;
        wb_val_reg       <= 32'd0;
        c2h_tail_reg     <= 32'd0;
        rd_turn_data_reg <= 1'b0;
        c2h_alloc_moved_reg <= 1'b1;
        cwait_reg        <= 1'b0;
        ifq_done_reg     <= {IFQ{1'b0}};
        ifq_wr_reg       <= {(IFQ_LOG2+1){1'b0}};
        ifq_rd_reg       <= {(IFQ_LOG2+1){1'b0}};
        cjob_inc_reg     <= 1'b0;
        ctagf_inc_reg    <= 1'b0;
        cbad_inc_reg     <= 1'b0;
        cbytes_inc_reg   <= 25'd0;
        cwait_inc_reg    <= 1'b0;
        cnt_drops_reg    <= 64'd0;
        cnt_descs_reg    <= 64'd0;
        cnt_err_reg      <= 64'd0;
        cnt_cjobs_reg    <= 64'd0;
        cnt_cbytes_reg   <= 64'd0;
        cnt_ctagf_reg    <= 64'd0;
        cnt_cbad_reg     <= 64'd0;
        cnt_cwaits_reg   <= 64'd0;
    end
end

// datapath registers: no reset
always @(posedge clk) begin
    if (desc_lo_load)
        desc_lo_reg <= mem_rd_resp_data;

    rd_req_addr_reg <= rd_req_addr_next;
    rd_req_len_reg  <= rd_req_len_next;

    if (ax_bypass) begin
        ax_data_reg  <= mem_rd_resp_data;
        ax_keep_reg  <= frame_in_keep;
        ax_last_reg  <= mem_rd_resp_last;
        ax_line_reg  <= tag_line;
        ax_stale_reg <= stale;
    end else if (bf_pop) begin
        ax_data_reg  <= bf_out[63:0];
        ax_keep_reg  <= bf_out[71:64];
        ax_last_reg  <= bf_out[72];
        ax_line_reg  <= bf_out[73];
        ax_stale_reg <= bf_out_stale;
    end
    // the beat in the output register after a soft reset came from before it
    if (soft_reset)
        ax_stale_reg <= 1'b1;

    if (ifq_push)
        ifq_idx[ifq_wr_reg[IFQ_LOG2-1:0]] <= sched_idx_reg;

    wr_addr_reg    <= wr_addr_next;
    // the line is loaded only when its write is granted: nothing to move in
    // the other clocks
    if (grant_rec)
        wr_data_reg <= {rec_out[511:32], phase | rec_out[31], rec_out[30:0]};
    else if (grant_res)
        wr_data_reg <= {256'd0, cr_rs_data[255:32], phase | cr_rs_data[31], cr_rs_data[30:0]};
    else if (grant_line)
        wr_data_reg <= cr_ln_data;
    if (grant_rec || grant_res)
        wr_strb_reg <= {64{1'b1}};
    else if (grant_line)
        wr_strb_reg <= cr_ln_strb;
    else if (grant_wb)
        wr_strb_reg <= 64'hF << {h2c_wb[5:2], 2'b00};
    if (grant_res) begin
        wr_res_status_reg <= cr_rs_status;
        wr_res_len_reg    <= cr_rs_len;
    end
    if (grant_wb)
        wr_head_reg <= head_reg;
end

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------
assign mem_rd_req_valid = rd_req_valid_reg;
assign mem_rd_req_addr  = rd_req_addr_reg;
assign mem_rd_req_len   = rd_req_len_reg;

assign mem_wr_valid = wr_valid_reg;
assign mem_wr_addr  = wr_addr_reg;
// a head write-back carries the head in every dword; the strobe picks one
assign mem_wr_data  = wr_wb_reg ? {16{wr_head_reg}} : wr_data_reg;
assign mem_wr_strb  = wr_strb_reg;

assign h2c_head = head_reg;
assign c2h_tail = c2h_tail_reg;

assign cnt_c2h_drops = cnt_drops_reg;
assign cnt_h2c_descs = cnt_descs_reg;
assign cnt_err_desc  = cnt_err_reg;
assign cnt_crypto_jobs     = cnt_cjobs_reg;
assign cnt_crypto_bytes    = cnt_cbytes_reg;
assign cnt_crypto_tag_fail = cnt_ctagf_reg;
assign cnt_crypto_bad_job  = cnt_cbad_reg;
assign cnt_crypto_waits    = cnt_cwaits_reg;

// nothing fetched, queued, streaming, in the cipher or waiting to be written
assign idle = !rd_req_valid_reg && !tag_valid && !dbuf_valid &&
              desc_pend_reg == {(DBUF_LOG2+1){1'b0}} && fl_count == {(INFLIGHT_LOG2+1){1'b0}} &&
              !ifq_valid && cr_idle &&
              !ax_valid_reg && !bf_valid &&
              rec_count == {(REC_FIFO_LOG2+2){1'b0}} && !wr_valid_reg && !wb_dirty &&
              !(enable && fetch_avail != 32'd0);

endmodule

`default_nettype wire
