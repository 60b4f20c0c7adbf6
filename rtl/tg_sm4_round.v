// SPDX-License-Identifier: BSD-3-Clause
// One SM4 round as pure logic: X_{i+4} = X_i ^ T(X_{i+1} ^ X_{i+2} ^ X_{i+3} ^ rk_i)
// with T = L o tau, the state shifted one word left. KEY_SCHED = 1 turns it
// into a key-schedule step (L' instead of L, the CK constant in place of the
// round key), so the cipher and the key expansion share the S-box logic.
// State word 0 (X_i) sits in bits [127:96], the order of the block on the wire.

`timescale 1ns / 1ps
`default_nettype none

module tg_sm4_round #(
    parameter KEY_SCHED = 0
) (
    input  wire [127:0] x,      // X_i, X_{i+1}, X_{i+2}, X_{i+3}
    input  wire [31:0]  rk,     // round key (cipher) or CK_i (key schedule)
    output wire [127:0] y       // X_{i+1}, X_{i+2}, X_{i+3}, X_{i+4}
);

wire [31:0] a = x[95:64] ^ x[63:32] ^ x[31:0] ^ rk;
wire [31:0] b;

tg_sm4_sbox sbox0 (.in(a[31:24]), .out(b[31:24]));
tg_sm4_sbox sbox1 (.in(a[23:16]), .out(b[23:16]));
tg_sm4_sbox sbox2 (.in(a[15:8]),  .out(b[15:8]));
tg_sm4_sbox sbox3 (.in(a[7:0]),   .out(b[7:0]));

wire [31:0] t;

generate
if (KEY_SCHED != 0) begin : g_lkey
    // L'(B) = B ^ (B <<< 13) ^ (B <<< 23)
    assign t = b ^ {b[18:0], b[31:19]} ^ {b[8:0], b[31:9]};
end else begin : g_lenc
    // L(B) = B ^ (B <<< 2) ^ (B <<< 10) ^ (B <<< 18) ^ (B <<< 24)
    assign t = b ^ {b[29:0], b[31:30]} ^ {b[21:0], b[31:22]} ^
               {b[13:0], b[31:14]} ^ {b[7:0], b[31:8]};
end
endgenerate

assign y = {x[95:0], x[127:96] ^ t};

endmodule

`default_nettype wire
