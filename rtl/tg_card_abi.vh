// SPDX-License-Identifier: BSD-3-Clause
// The card's binary interface for the RTL: the same numbers as
// drivers/tg_card_abi.h (tests/test_abi.c checks that they agree).
// See docs/card-interface.md.
`ifndef TG_CARD_ABI_VH
`define TG_CARD_ABI_VH

`define TG_CARD_ID          32'h54474344
`define TG_CARD_VERSION     32'h00010000
`define TG_CARD_N_FILTERS   8
`define TG_CARD_N_SESSIONS  8

// registers (byte offsets in BAR0)
`define TG_REG_ID           12'h000
`define TG_REG_VERSION      12'h004
`define TG_REG_CAPS         12'h008
`define TG_REG_SCRATCH      12'h00C
`define TG_REG_CTRL         12'h010
`define TG_REG_STATUS       12'h014
`define TG_REG_H2C_BASE_LO  12'h020
`define TG_REG_H2C_BASE_HI  12'h024
`define TG_REG_H2C_SIZE     12'h028
`define TG_REG_H2C_TAIL     12'h02C
`define TG_REG_H2C_HEAD     12'h030
`define TG_REG_H2C_WB_LO    12'h034
`define TG_REG_H2C_WB_HI    12'h038
`define TG_REG_C2H_BASE_LO  12'h040
`define TG_REG_C2H_BASE_HI  12'h044
`define TG_REG_C2H_SIZE     12'h048
`define TG_REG_C2H_HEAD     12'h04C
`define TG_REG_C2H_TAIL     12'h050
`define TG_REG_FILTER_BASE  12'h100   // + 16*i: DST_IP +0, DST_PORT +4, CTRL +8
`define TG_REG_SESSION_BASE 12'h200   // + 32*s: NAME0 +0, NAME1 +4, NAME2 +8, STATE +C, NEXT_LO +10, NEXT_HI +14
`define TG_REG_KEY_DATA_BASE 12'h300  // + 4*w, w < 4: key bytes 4w..4w+3, big-endian (write only)
`define TG_REG_KEY_CMD      12'h310
`define TG_REG_KEY_STATUS   12'h314
`define TG_REG_COUNTER_BASE 12'h400   // + 8*c: lo +0, hi +4

`define TG_CTRL_ENABLE      0
`define TG_CTRL_RESET       1
`define TG_FILTER_VALID     0
`define TG_FILTER_ANY_IP    1
`define TG_FILTER_ANY_PORT  2
`define TG_KEY_CMD_LOAD     31        // expand KEY_DATA into slot [3:0]
`define TG_KEY_CMD_UNLOAD   30        // mark slot [3:0] empty
`define TG_KEY_STATUS_BUSY  0
`define TG_KEY_STATUS_LOADED_SHIFT 16 // [31:16]: one bit per loaded slot
`define TG_KEY_SLOTS        16

// counters
`define TG_CNT_FRAMES_A          0
`define TG_CNT_FRAMES_B          1
`define TG_CNT_NON_FEED          2
`define TG_CNT_FILTERED          3
`define TG_CNT_ERR_TRUNCATED     4
`define TG_CNT_ERR_IP_HEADER     5
`define TG_CNT_ERR_IP_CHECKSUM   6
`define TG_CNT_ERR_UDP_LENGTH    7
`define TG_CNT_ERR_MOLD_HEADER   8
`define TG_CNT_ERR_SESSION_FULL  9
`define TG_CNT_MOLD_PACKETS      10
`define TG_CNT_HEARTBEATS        11
`define TG_CNT_END_OF_SESSION    12
`define TG_CNT_MESSAGES          13
`define TG_CNT_DUPLICATES        14
`define TG_CNT_GAPS              15
`define TG_CNT_GAP_MESSAGES      16
`define TG_CNT_ERR_MSG_OVERRUN   17
`define TG_CNT_ERR_UNKNOWN_TYPE  18
`define TG_CNT_ERR_MSG_LENGTH    19
`define TG_CNT_ERR_SHORT_PACKET  20
`define TG_CNT_C2H_DROPS         21
`define TG_CNT_H2C_DESCS         22
`define TG_CNT_ERR_DESC          23
`define TG_CNT_CRYPTO_JOBS       24
`define TG_CNT_CRYPTO_BYTES      25
`define TG_CNT_CRYPTO_TAG_FAIL   26
`define TG_CNT_CRYPTO_BAD_JOB    27
`define TG_CNT_CRYPTO_WAITS      28
`define TG_CNT_MSG_TYPE0         32
`define TG_CNT_NUM               55

// H2C descriptor (16 bytes)
`define TG_DESC_FEED_FRAME  8'd1
`define TG_DESC_CRYPTO_JOB  8'd2
`define TG_MAX_FRAME        16'd9216
`define TG_H2C_SIZE_MIN     4
`define TG_H2C_SIZE_MAX     16
`define TG_C2H_SIZE_MIN     11
`define TG_C2H_SIZE_MAX     16

// C2H event record (64 bytes; byte k in bits [8k+7:8k])
`define TG_EV_MSG           8'd1
`define TG_EV_GAP           8'd2
`define TG_EV_EOS           8'd3
`define TG_EV_CRYPTO        8'd4
`define TG_EV_FLAG_LINE_B   0
`define TG_EV_FLAG_PHASE    7
`define TG_EV_BODY_OFF      24

// crypto job block (80 bytes, read by the card) and result record (64 bytes)
`define TG_SM4_ECB          2'd1
`define TG_SM4_CTR          2'd2
`define TG_SM4_GCM          2'd3
`define TG_CRYPTO_JOB_BLOCK_LEN 16'd80
`define TG_CRYPTO_MAX_LEN   32'h01000000
`define TG_CRYPTO_MAX_AAD   32'h00010000
`define TG_CRYPTO_ST_OK     2'd0
`define TG_CRYPTO_ST_TAG_FAIL 2'd1
`define TG_CRYPTO_ST_BAD_JOB 2'd2
`define TG_CRYPTO_FLAG_DECRYPT 0

`endif
