// SPDX-License-Identifier: BSD-3-Clause
// The card's DMA engine (docs/card-interface.md sections 3 and 4).
//
// H2C: descriptors are fetched from the ring in bursts of up to four, one
// read per burst, never across the ring's end; each good descriptor
// reserves the most C2H records its frame can make, then its frame is read
// with one request and streamed, 8 bytes a beat, into line A or B of the
// feed pipeline. H2C_HEAD passes a descriptor once its frame has entered
// the pipeline (bad descriptors pass as soon as everything before them
// has), and the new head is written back to host memory.
//
// C2H: records from the feed pipeline (which cannot wait) go through a
// block-RAM FIFO into one 64-byte write each, phase bit set from the ring
// index; C2H_TAIL counts the writes the memory port has accepted. Head
// write-backs share the write port.
//
// Read responses come back in request order on one channel, so every
// request leaves a tag saying where its beats go. Descriptor reads are
// issued ahead (DBUF_LOG2) and frame reads are pipelined (INFLIGHT_LOG2) so
// that the feed sees frames back to back.
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
    parameter BEAT_LOG2 = 3           // frame beats buffered before the feed
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
    input  wire         feed_busy
);

localparam DBUF = 1 << DBUF_LOG2;
localparam TAG_LOG2 = (DBUF_LOG2 > INFLIGHT_LOG2 ? DBUF_LOG2 : INFLIGHT_LOG2) + 1;
localparam REC_FIFO_DEPTH = 1 << REC_FIFO_LOG2;
localparam [REC_FIFO_LOG2+1:0] REC_HIGH_WATER = REC_FIFO_DEPTH - REC_HEADROOM;
localparam QUIET_W = $clog2(QUIET_CYCLES + 1);
localparam [QUIET_W-1:0] QUIET_MAX = QUIET_CYCLES;

// descriptor fields held in the buffer: addr, len, kind, line
localparam DESC_W = 64 + 16 + 8 + 1;
// read tag: is a frame, line, frame length mod 8
localparam TAG_W = 5;
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
reg         wr_rec_reg, wr_rec_next;              // a record, else a head write-back
reg         wr_count_reg, wr_count_next;          // advances C2H_TAIL when accepted
reg  [31:0] wr_head_reg;                          // the head a write-back carries
reg  [63:0] wr_addr_reg, wr_addr_next;
reg [511:0] wr_data_reg;
reg  [3:0]  wr_wb_slot_reg, wr_wb_slot_next;      // dword of the head write-back
reg         wr_last_wb_reg, wr_last_wb_next;
reg  [31:0] wb_val_reg, wb_val_next;              // last head written back
reg  [31:0] c2h_tail_reg, c2h_tail_next;

// counters
reg [63:0] cnt_drops_reg, cnt_descs_reg, cnt_err_reg;
reg        drop_reg;
reg [31:0] descs_delta_reg;

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

wire [31:0]            fl_idx;
wire                   fl_push;
wire                   fl_valid;
wire                   fl_pop;
wire                   fl_ready;
wire [INFLIGHT_LOG2:0] fl_count;

tg_dma_fifo #(.WIDTH(32), .DEPTH_LOG2(INFLIGHT_LOG2)) frame_fifo (
    .clk(clk), .rst(rst || soft_reset),
    .s_data(sched_idx_reg), .s_valid(fl_push), .s_ready(fl_ready),
    .m_data(fl_idx), .m_valid(fl_valid), .m_ready(fl_pop),
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
// C2H occupancy. Slots are taken, in ring order, by records written or being
// written (up to c2h_issue), then records queued in the FIFO, then records
// reserved for frames in the pipeline (up to c2h_alloc). A head the host has
// moved past either index leaves no room, as in the model.
// ---------------------------------------------------------------------------
wire [31:0] c2h_ring_diff   = c2h_issue_reg - c2h_head;
wire [31:0] c2h_commit_diff = c2h_alloc_reg - c2h_head;
wire [16:0] c2h_committed   = c2h_commit_diff > {15'd0, c2h_cap} ? c2h_cap : c2h_commit_diff[16:0];
wire        rec_near_full   = rec_count >= REC_HIGH_WATER;

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
// Scheduling: validate the buffered head descriptor, reserve, request
// ---------------------------------------------------------------------------
wire [63:0] d_addr = dbuf_out[63:0];
wire [15:0] d_len  = dbuf_out[79:64];
wire [7:0]  d_kind = dbuf_out[87:80];
wire        d_line = dbuf_out[88];
wire        d_good = d_kind == `TG_DESC_FEED_FRAME && d_len != 16'd0 && d_len <= `TG_MAX_FRAME;
wire [16:0] d_resv = {4'd0, d_len[15:3]} + 17'd2;
wire        d_room = {1'b0, c2h_committed} + {1'b0, d_resv} <= {1'b0, c2h_cap};

wire        sched_bad   = enable && !soft_reset && dbuf_valid && !d_good;
wire        sched_frame = enable && dbuf_valid && d_good && d_room && fl_ready &&
                          tag_ready && rd_req_free && !fetch_go;

assign dbuf_pop = sched_bad || sched_frame;
assign fl_push  = sched_frame;
assign tag_push = fetch_go || sched_frame;
assign tag_in   = fetch_go ? {TAG_W{1'b0}} : {1'b1, d_line, d_len[2:0]};

// ---------------------------------------------------------------------------
// Response routing by tag
// ---------------------------------------------------------------------------
wire        stale      = stale_reg != {(TAG_LOG2+1){1'b0}};
wire        tag_frame  = tag_out[4];
wire        tag_line   = tag_out[3];
wire [2:0]  tag_len3   = tag_out[2:0];
wire        route_frame = tag_valid && tag_frame;
wire        route_desc  = tag_valid && !tag_frame && !stale;
wire        drop_desc   = tag_valid && !tag_frame && stale;
wire        frame_in_valid = mem_rd_resp_valid && route_frame && !rec_near_full;
wire        bf_ready;
wire        resp_fire;

assign mem_rd_resp_ready = drop_desc || (route_desc && (dbuf_ready || !desc_half_reg)) ||
                           (route_frame && bf_ready && !rec_near_full);
assign resp_fire = mem_rd_resp_valid && mem_rd_resp_ready;
assign tag_pop   = resp_fire && mem_rd_resp_last;

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

wire wr_free   = (!wr_valid_reg || mem_wr_ready) && !soft_reset;
wire rec_can   = rec_valid && c2h_ring_diff < {15'd0, c2h_cap};
wire wb_dirty  = head_reg != wb_val_reg && h2c_wb != 64'd0;
wire grant_wb  = wr_free && wb_dirty && (!rec_can || !wr_last_wb_reg);
wire grant_rec = wr_free && rec_can && !grant_wb;
wire phase     = !c2h_issue_reg[c2h_log2];

assign rec_pop = grant_rec;

// ---------------------------------------------------------------------------
// Reservations re-sync: every frame has entered the pipeline, and it has been
// idle, with no record out, for QUIET_CYCLES clocks and still is
// ---------------------------------------------------------------------------
wire quiet_now = !fl_valid && !feed_busy && !s_rec_valid;
wire resync    = quiet_now && quiet_reg == QUIET_MAX;

// ---------------------------------------------------------------------------
// Head: the oldest frame still streaming, else the next unexamined descriptor
// ---------------------------------------------------------------------------
wire [31:0] head_now = fl_valid ? fl_idx : sched_idx_reg;

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
    end
    if (sched_bad || sched_frame)
        sched_idx_next = sched_idx_reg + 32'd1;

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
    if (sched_frame) begin
        resv_next = resv_next + d_resv;
        c2h_alloc_next = c2h_alloc_next + {15'd0, d_resv};
    end
    c2h_issue_next = c2h_issue_reg + {31'd0, grant_rec};

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
    wr_rec_next      = wr_rec_reg;
    wr_count_next    = wr_count_reg;
    wr_addr_next     = wr_addr_reg;
    wr_wb_slot_next  = wr_wb_slot_reg;
    wr_last_wb_next  = wr_last_wb_reg;
    wb_val_next      = wb_val_reg;
    c2h_tail_next    = c2h_tail_reg + {31'd0, wr_valid_reg && mem_wr_ready && wr_count_reg};
    if (grant_rec) begin
        wr_valid_next   = 1'b1;
        wr_rec_next     = 1'b1;
        wr_count_next   = 1'b1;
        wr_addr_next    = c2h_base + {42'd0, c2h_issue_reg[15:0] & c2h_mask, 6'd0};
        wr_last_wb_next = 1'b0;
    end else if (grant_wb) begin
        wr_valid_next   = 1'b1;
        wr_rec_next     = 1'b0;
        wr_count_next   = 1'b0;
        wr_addr_next    = {h2c_wb[63:6], 6'd0};
        wr_wb_slot_next = h2c_wb[5:2];
        wr_last_wb_next = 1'b1;
        wb_val_next     = head_reg;
    end
end

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
    wr_rec_reg        <= wr_rec_next;
    wr_count_reg      <= wr_count_next;
    wr_last_wb_reg    <= wr_last_wb_next;
    wb_val_reg        <= wb_val_next;
    c2h_tail_reg      <= c2h_tail_next;

    // counters take their increments a cycle late, off the control paths
    drop_reg        <= rec_drop;
    descs_delta_reg <= head_now - head_reg;
    cnt_drops_reg   <= cnt_drops_reg + {63'd0, drop_reg};
    cnt_descs_reg   <= cnt_descs_reg + {32'd0, descs_delta_reg};
    cnt_err_reg     <= cnt_err_reg + {63'd0, sched_bad};

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
        cnt_drops_reg   <= 64'd0;
        cnt_descs_reg   <= 64'd0;
        cnt_err_reg     <= 64'd0;
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
        wr_rec_reg       <= 1'b0;
        wr_count_reg     <= 1'b0;
        wr_last_wb_reg   <= 1'b0;
        wb_val_reg       <= 32'd0;
        c2h_tail_reg     <= 32'd0;
        cnt_drops_reg    <= 64'd0;
        cnt_descs_reg    <= 64'd0;
        cnt_err_reg      <= 64'd0;
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

    wr_addr_reg    <= wr_addr_next;
    // the record line is loaded only when its write is granted: no mux in
    // front of 512 flip-flops, and nothing to move in the other clocks
    if (grant_rec)
        wr_data_reg <= {rec_out[511:32], phase | rec_out[31], rec_out[30:0]};
    if (grant_wb)
        wr_head_reg <= head_reg;
    wr_wb_slot_reg <= wr_wb_slot_next;
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
assign mem_wr_data  = wr_rec_reg ? wr_data_reg : {16{wr_head_reg}};
assign mem_wr_strb  = wr_rec_reg ? {64{1'b1}} : (64'hF << {wr_wb_slot_reg, 2'b00});

assign h2c_head = head_reg;
assign c2h_tail = c2h_tail_reg;

assign cnt_c2h_drops = cnt_drops_reg;
assign cnt_h2c_descs = cnt_descs_reg;
assign cnt_err_desc  = cnt_err_reg;

// nothing fetched, queued, streaming or waiting to be written
assign idle = !rd_req_valid_reg && !tag_valid && !dbuf_valid &&
              desc_pend_reg == {(DBUF_LOG2+1){1'b0}} && fl_count == {(INFLIGHT_LOG2+1){1'b0}} &&
              !ax_valid_reg && !bf_valid &&
              rec_count == {(REC_FIFO_LOG2+2){1'b0}} && !wr_valid_reg && !wb_dirty &&
              !(enable && fetch_avail != 32'd0);

endmodule

`default_nettype wire
