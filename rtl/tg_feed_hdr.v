// SPDX-License-Identifier: BSD-3-Clause
// Header stage of the feed pipeline: collects the Ethernet, 802.1Q, IPv4,
// UDP and MoldUDP64 header fields as their beats pass through R1, sums the
// IPv4 header, and decides each frame once (the checks of section 5 of
// docs/card-interface.md, first failing check wins).
//
// Fields after L4 sit at one of two lane alignments only (L4 mod 8 is 2 or
// 6, since L3 is 14 or 18 and the IP header is a multiple of 4), so every
// header byte is taken from a fixed lane at a fixed beat offset from L4.
//
// Two ways to decide a frame:
//  - the MoldUDP64 header arrived (frame length >= L4 + 28): checks 1..13
//    are settled by then except the session ones, so the verdict is a
//    registered code and fires on the beat after the sequence number (or on
//    the header's last beat when that comes one beat later), early enough
//    for a GAP record to leave before the packet's first message record;
//  - the frame ended before that: an evaluator three stages behind tlast
//    replays the checks with the frame length, and only counts.
`timescale 1ns / 1ps
`default_nettype none

module tg_feed_hdr (
    input  wire         clk,
    input  wire         rst,
    input  wire         soft_reset,
    // R1 beat
    input  wire         r1_valid,
    input  wire [63:0]  r1_data,
    input  wire [3:0]   r1_kc,
    input  wire         r1_last,
    input  wire         r1_sof,
    input  wire         r1_line,
    input  wire [13:0]  r1_bt,
    // Filter table lookups: the frame in flight, and the early-path replay
    output wire [31:0]  fl_ip,
    output wire [15:0]  fl_port,
    input  wire         fl_hit,
    output wire [31:0]  fe_ip,
    output wire [15:0]  fe_port,
    input  wire         fe_hit,
    // Session lookup (name complete), sequence compare (seq complete)
    output wire         lk_go,
    output wire [79:0]  lk_name,
    output wire         dc_go,
    output wire [63:0]  dc_seq,
    // Verdict of a frame whose MoldUDP64 header arrived
    output wire         vd_go,
    output wire         vd_ok,      // checks 1..13 passed
    output wire [3:0]   vd_code,    // else the counter of the first failing check
    output wire [15:0]  vd_n,       // message count
    output wire         vd_line,
    // Verdict of a frame that ended before its MoldUDP64 header
    output reg          ed_go,
    output reg  [3:0]   ed_code,
    // Walker setup
    output wire         w_start,    // the datagram starts in this R1 beat
    output wire [2:0]   w_p0,       // on this lane
    output reg  [18:0]  de_rem,     // L4 + UL - 8 * beat index of the next beat (signed)
    // Frame ended before L3 + TL (counted if the packet is accepted)
    output wire         tx_go,
    // Status
    output wire         busy
);

`include "tg_card_abi.vh"

localparam [3:0] C_OK     = 4'd0;
localparam [3:0] C_NONFD  = `TG_CNT_NON_FEED;
localparam [3:0] C_FILT   = `TG_CNT_FILTERED;
localparam [3:0] C_TRUNC  = `TG_CNT_ERR_TRUNCATED;
localparam [3:0] C_IPHDR  = `TG_CNT_ERR_IP_HEADER;
localparam [3:0] C_CKSUM  = `TG_CNT_ERR_IP_CHECKSUM;
localparam [3:0] C_UDPLEN = `TG_CNT_ERR_UDP_LENGTH;
localparam [3:0] C_MOLD   = `TG_CNT_ERR_MOLD_HEADER;

// The checks of section 5, in two steps: each field check as a flag (1 =
// passes), then the first failing one in the contract's order. The length
// checks (t14 .. t28: frame at least that long) only matter for a frame that
// ended before its MoldUDP64 header; the session checks are the sequencer's.
localparam F_ET    = 0;     // ethertype 0x0800
localparam F_VER   = 1;     // version 4, IHL >= 5
localparam F_PROTO = 2;     // protocol 17
localparam F_FRAG  = 3;     // not a fragment, TL >= 4 IHL + 8
localparam F_UDP   = 4;     // 8 <= UL <= TL - 4 IHL
localparam F_MOLD  = 5;     // UL >= 28

function [5:0] field_flags;
    input [15:0] et;
    input [7:0]  verihl;
    input [7:0]  proto;
    input [13:0] frag;
    input [15:0] tl;
    input [15:0] ul;
    reg   [16:0] ihl4;
    begin
        ihl4 = {11'd0, verihl[3:0], 2'b00};
        field_flags[F_ET]    = et == 16'h0800;
        field_flags[F_VER]   = verihl[7:4] == 4'd4 && verihl[3:0] >= 4'd5;
        field_flags[F_PROTO] = proto == 8'd17;
        field_flags[F_FRAG]  = frag == 14'd0 && {1'b0, tl} >= ihl4 + 17'd8;
        field_flags[F_UDP]   = ul >= 16'd8 && {1'b0, ul} <= {1'b0, tl} - ihl4;
        field_flags[F_MOLD]  = ul >= 16'd28;
    end
endfunction

function [3:0] first_failing;
    input [5:0] ff;         // field_flags
    input       cks_ok;
    input       filt;
    input       t14;        // frame >= 14 bytes
    input       t18;        // not tagged, or frame >= 18
    input       t3;         // frame >= L3 + 20
    input       t5;         // frame >= L4
    input       t9;         // frame >= L4 + 8
    input       t13;        // frame >= L4 + 28
    begin
        if (!t14 || !t18)
            first_failing = C_TRUNC;
        else if (!ff[F_ET])
            first_failing = C_NONFD;
        else if (!t3)
            first_failing = C_TRUNC;
        else if (!ff[F_VER])
            first_failing = C_IPHDR;
        else if (!t5)
            first_failing = C_TRUNC;
        else if (!cks_ok)
            first_failing = C_CKSUM;
        else if (!ff[F_PROTO])
            first_failing = C_NONFD;
        else if (!ff[F_FRAG])
            first_failing = C_IPHDR;
        else if (!t9)
            first_failing = C_TRUNC;
        else if (!ff[F_UDP])
            first_failing = C_UDPLEN;
        else if (!filt)
            first_failing = C_FILT;
        else if (!ff[F_MOLD])
            first_failing = C_MOLD;
        else if (!t13)
            first_failing = C_TRUNC;
        else
            first_failing = C_OK;
    end
endfunction

function [7:0] lane;
    input [63:0] d;
    input integer k;
    begin
        lane = d[8*k +: 8];
    end
endfunction

// ---- per-frame header fields ----
reg         tagged_reg, tagged_next;
reg  [15:0] et_reg, et_next;
reg  [7:0]  verihl_reg, verihl_next;
reg  [15:0] tl_reg, tl_next;
reg  [13:0] frag_reg, frag_next;
reg  [7:0]  proto_reg, proto_next;
reg  [31:0] dip_reg, dip_next;
reg  [6:0]  l4_reg, l4_next;
reg         l4v_reg, l4v_next;
reg  [223:0] hb_reg, hb_next;       // bytes L4+0 .. L4+27, byte r in [8r+7:8r]
reg         jbv_reg, jbv_next;      // jb_reg is meaningful for the next beat
reg  [3:0]  jb_reg, jb_next;        // beat index of the next beat minus L4 / 8
reg         hc_reg, hc_next;        // MoldUDP64 header complete
reg         line_reg, line_next;
reg         vpend_reg, vpend_next;
reg  [15:0] n_reg, n_next;
reg  [18:0] de_rem_next;

// ---- IPv4 header checksum ----
reg  [17:0] psum_reg, psum_next;
reg  [20:0] acc_reg, acc_next;
reg  [3:0]  ipm_reg, ipm_next;      // IPv4 header words of the next beat (beats 2 on)
reg         b1_reg, b1_next;        // the next beat is beat 1
reg         cks_ok_reg;
reg         filt_ok_reg;
reg  [5:0]  ff_reg;
reg  [3:0]  pv_code_reg;

// ---- early path ----
reg         eb0_reg;
reg  [17:0] eb0_flen;
reg         eb1_reg;
reg  [17:0] eb1_flen;
reg         eb1_tagged;
reg  [15:0] eb1_et;
reg  [7:0]  eb1_verihl;
reg  [6:0]  eb1_l4;
reg  [20:0] eb1_acc;
reg  [7:0]  eb1_proto;
reg  [13:0] eb1_frag;
reg  [15:0] eb1_tl;
reg  [15:0] eb1_ul;
reg  [31:0] eb1_dip;
reg  [15:0] eb1_dport;
reg         eb2_reg;
reg  [5:0]  eb2_ff;
reg         eb2_cks_ok;
reg         eb2_filt;
reg  [5:0]  eb2_t;          // t14, t18, t3, t5, t9, t13

wire        a2 = (l4_reg[2:0] == 3'd2);
wire        hc_now = r1_valid && jbv_reg &&
                     (a2 ? (jb_reg == 4'd3 && (!r1_last || r1_kc >= 4'd6))
                         : (jb_reg == 4'd4 && (!r1_last || r1_kc >= 4'd2)));
wire [17:0] flen = {1'b0, r1_bt, 3'b000} + {14'd0, r1_kc};
wire        tagged_now = lane(r1_data, 4) == 8'h81 && lane(r1_data, 5) == 8'h00;
wire        hc_seen = (hc_reg && !r1_sof) || hc_now;    // hc_reg is the last frame's on a first beat

assign fl_ip   = dip_reg;
assign fl_port = {hb_reg[8*2 +: 8], hb_reg[8*3 +: 8]};
assign fe_ip   = eb1_dip;
assign fe_port = eb1_dport;

assign lk_go   = r1_valid && jbv_reg && jb_reg == 4'd2;
assign dc_go   = r1_valid && jbv_reg && jb_reg == 4'd3;
// The name ends in the beat with jb 2, the sequence number in jb 3, the
// count (a6) in jb 4: at those beats their bytes are on fixed lanes.
genvar g;
generate
for (g = 0; g < 10; g = g + 1) begin : g_name
    if (g < 2) begin : g_old
        assign lk_name[8*g +: 8] = hb_reg[8*(8+g) +: 8];
    end else if (g < 6) begin : g_mid
        assign lk_name[8*g +: 8] = a2 ? hb_reg[8*(8+g) +: 8] : lane(r1_data, g - 2);
    end else begin : g_new
        assign lk_name[8*g +: 8] = a2 ? lane(r1_data, g - 6) : lane(r1_data, g - 2);
    end
end
for (g = 0; g < 8; g = g + 1) begin : g_seq
    if (g < 4) begin : g_old
        assign dc_seq[8*(7-g) +: 8] = a2 ? hb_reg[8*(18+g) +: 8] : lane(r1_data, g);
    end else begin : g_new
        assign dc_seq[8*(7-g) +: 8] = a2 ? lane(r1_data, g - 4) : lane(r1_data, g);
    end
end
endgenerate

assign vd_go   = vpend_reg || (hc_now && !a2);
assign vd_ok   = pv_code_reg == C_OK;
assign vd_code = pv_code_reg;
assign vd_n    = vpend_reg ? n_reg : {lane(r1_data, 0), lane(r1_data, 1)};
assign vd_line = line_reg;

assign w_start = hc_now;
assign w_p0    = a2 ? 3'd6 : 3'd2;

assign tx_go   = r1_valid && r1_last && hc_seen &&
                 flen < (tagged_reg ? 18'd18 : 18'd14) + {2'b00, tl_reg};

assign busy    = vpend_reg || eb0_reg || eb1_reg || eb2_reg || ed_go;

integer r, i;
reg [14:0] jdiff;
reg [3:0]  ihl;
reg [15:0] ul_n;

always @* begin
    tagged_next = tagged_reg;
    et_next = et_reg;
    verihl_next = verihl_reg;
    tl_next = tl_reg;
    frag_next = frag_reg;
    proto_next = proto_reg;
    dip_next = dip_reg;
    l4_next = l4_reg;
    l4v_next = l4v_reg;
    hb_next = hb_reg;
    jbv_next = jbv_reg;
    jb_next = jb_reg;
    hc_next = hc_reg;
    line_next = line_reg;
    vpend_next = hc_now && a2;
    n_next = n_reg;
    psum_next = 18'd0;
    ipm_next = ipm_reg;
    b1_next = b1_reg;
    acc_next = acc_reg + {3'd0, psum_reg};
    de_rem_next = de_rem;
    ihl = 4'd0;
    jdiff = 15'd0;
    ul_n = 16'd0;

    if (r1_valid) begin
        if (r1_sof) begin
            l4v_next = 1'b0;
            hc_next = 1'b0;
            line_next = r1_line;
            acc_next = 21'd0;
        end

        // Ethernet, 802.1Q and the IPv4 fields at fixed offsets from L3
        case (r1_bt)
        14'd1: begin
            tagged_next = tagged_now;
            et_next = {lane(r1_data, 4), lane(r1_data, 5)};
            verihl_next = lane(r1_data, 6);
        end
        14'd2: begin
            if (tagged_reg) begin
                et_next = {lane(r1_data, 0), lane(r1_data, 1)};
                verihl_next = lane(r1_data, 2);
                tl_next = {lane(r1_data, 4), lane(r1_data, 5)};
            end else begin
                tl_next = {lane(r1_data, 0), lane(r1_data, 1)};
                frag_next = {r1_data[37:32], lane(r1_data, 5)};
                proto_next = lane(r1_data, 7);
            end
            ihl = tagged_reg ? r1_data[19:16] : verihl_reg[3:0];
            l4_next = (tagged_reg ? 7'd18 : 7'd14) + {1'b0, ihl, 2'b00};
            l4v_next = 1'b1;
        end
        14'd3: begin
            if (tagged_reg) begin
                frag_next = {r1_data[5:0], lane(r1_data, 1)};
                proto_next = lane(r1_data, 3);
            end else begin
                dip_next[31:16] = {lane(r1_data, 6), lane(r1_data, 7)};
            end
        end
        14'd4: begin
            if (tagged_reg)
                dip_next = {lane(r1_data, 2), lane(r1_data, 3), lane(r1_data, 4), lane(r1_data, 5)};
            else
                dip_next[15:0] = {lane(r1_data, 0), lane(r1_data, 1)};
        end
        default: ;
        endcase

        // UDP and MoldUDP64 bytes at L4 + r
        if (jbv_reg) begin
            for (r = 2; r < 28; r = r + 1) begin
                if (a2) begin
                    if ({28'd0, jb_reg} == (r + 2) / 8)
                        hb_next[8*r +: 8] = lane(r1_data, (r + 2) % 8);
                end else begin
                    if ({28'd0, jb_reg} == (r + 6) / 8)
                        hb_next[8*r +: 8] = lane(r1_data, (r + 6) % 8);
                end
            end
        end
        if (dc_go || hc_now)
            n_next = {hb_next[8*26 +: 8], hb_next[8*27 +: 8]};
        if (hc_now)
            hc_next = 1'b1;

        // where the next beat sits relative to L4
        jdiff = {1'b0, r1_bt} + 15'd1 - {11'd0, l4_next[6:3]};
        jbv_next = l4v_next && !r1_last && !jdiff[14];
        jb_next = (jdiff[13:4] != 10'd0) ? 4'hF : jdiff[3:0];

        // end of the UDP datagram seen from the next beat
        ul_n = {hb_next[8*4 +: 8], hb_next[8*5 +: 8]};
        de_rem_next = {12'd0, l4_reg} + {3'd0, ul_n} - {2'b00, r1_bt + 14'd1, 3'b000};

        // IPv4 header words in [L3, L4): beat 1 holds the first word when
        // untagged (its own ethertype says), later beats' words are known a
        // beat ahead
        for (i = 0; i < 4; i = i + 1)
            if (b1_reg ? (i == 3 && !tagged_now) : ipm_reg[i])
                psum_next = psum_next + {2'b00, lane(r1_data, 2*i), lane(r1_data, 2*i+1)};
        b1_next = r1_sof && !r1_last;
        for (i = 0; i < 4; i = i + 1)
            ipm_next[i] = !r1_last &&
                ((r1_bt == 14'd1) ? (!tagged_now || i >= 1) :
                 (r1_bt >= 14'd2 &&
                  (r1_bt + 14'd1 < {10'd0, l4_next[6:3]} ||
                   (r1_bt + 14'd1 == {10'd0, l4_next[6:3]} && 2 * i < {29'd0, l4_next[2:0]}))));
    end
end

// ones' complement fold of the running sum
wire [16:0] fold1 = {1'b0, acc_reg[15:0]} + {12'd0, acc_reg[20:16]};
wire [15:0] fold2 = fold1[15:0] + {15'd0, fold1[16]};
wire [16:0] efold1 = {1'b0, eb1_acc[15:0]} + {12'd0, eb1_acc[20:16]};
wire [15:0] efold2 = efold1[15:0] + {15'd0, efold1[16]};

always @(posedge clk) begin
    tagged_reg <= tagged_next;
    et_reg <= et_next;
    verihl_reg <= verihl_next;
    tl_reg <= tl_next;
    frag_reg <= frag_next;
    proto_reg <= proto_next;
    dip_reg <= dip_next;
    l4_reg <= l4_next;
    hb_reg <= hb_next;
    jb_reg <= jb_next;
    line_reg <= line_next;
    n_reg <= n_next;
    de_rem <= de_rem_next;
    psum_reg <= psum_next;
    acc_reg <= acc_next;
    cks_ok_reg <= fold2 == 16'hFFFF;
    filt_ok_reg <= fl_hit;
    ff_reg <= field_flags(et_reg, verihl_reg, proto_reg, frag_reg, tl_reg,
                          {hb_reg[8*4 +: 8], hb_reg[8*5 +: 8]});
    pv_code_reg <= first_failing(ff_reg, cks_ok_reg, filt_ok_reg,
                                 1'b1, 1'b1, 1'b1, 1'b1, 1'b1, 1'b1);

    // early path: replay the checks on the fields as the frame left them
    eb0_flen <= flen;
    eb1_flen <= eb0_flen;
    eb1_tagged <= tagged_reg;
    eb1_et <= et_reg;
    eb1_verihl <= verihl_reg;
    eb1_l4 <= l4_reg;
    eb1_acc <= acc_reg + {3'd0, psum_reg};
    eb1_proto <= proto_reg;
    eb1_frag <= frag_reg;
    eb1_tl <= tl_reg;
    eb1_ul <= {hb_reg[8*4 +: 8], hb_reg[8*5 +: 8]};
    eb1_dip <= dip_reg;
    eb1_dport <= {hb_reg[8*2 +: 8], hb_reg[8*3 +: 8]};
    eb2_ff <= field_flags(eb1_et, eb1_verihl, eb1_proto, eb1_frag, eb1_tl, eb1_ul);
    eb2_cks_ok <= efold2 == 16'hFFFF;
    eb2_filt <= fe_hit;
    eb2_t <= {eb1_flen >= 18'd14,
              !eb1_tagged || eb1_flen >= 18'd18,
              eb1_flen >= (eb1_tagged ? 18'd38 : 18'd34),
              eb1_flen >= {11'd0, eb1_l4},
              eb1_flen >= {11'd0, eb1_l4} + 18'd8,
              eb1_flen >= {11'd0, eb1_l4} + 18'd28};
    ed_code <= first_failing(eb2_ff, eb2_cks_ok, eb2_filt, eb2_t[5], eb2_t[4], eb2_t[3],
                             eb2_t[2], eb2_t[1], eb2_t[0]);

    if (rst || soft_reset) begin
        ipm_reg <= 4'd0;
        b1_reg <= 1'b0;
        l4v_reg <= 1'b0;
        jbv_reg <= 1'b0;
        hc_reg <= 1'b0;
        vpend_reg <= 1'b0;
        eb0_reg <= 1'b0;
        eb1_reg <= 1'b0;
        eb2_reg <= 1'b0;
        ed_go <= 1'b0;
    end else begin
        ipm_reg <= ipm_next;
        b1_reg <= b1_next;
        l4v_reg <= l4v_next;
        jbv_reg <= jbv_next;
        hc_reg <= hc_next;
        vpend_reg <= vpend_next;
        eb0_reg <= r1_valid && r1_last && !hc_seen;
        eb1_reg <= eb0_reg;
        eb2_reg <= eb1_reg;
        ed_go <= eb2_reg;
    end
end

endmodule

`default_nettype wire
