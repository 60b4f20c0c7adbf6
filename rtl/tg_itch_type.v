// SPDX-License-Identifier: BSD-3-Clause
// ITCH 5.0 message type decode: whether a type byte names a known message,
// its index in the counter order of docs/card-interface.md (S R H Y L V W K
// J h A F E C X D U P Q B I N O) and its fixed length. One instance per
// byte lane, so the walker can classify a block whatever lane it starts on.
`timescale 1ns / 1ps
`default_nettype none

module tg_itch_type (
    input  wire [7:0] type_byte,
    output reg        known,
    output reg  [4:0] idx,
    output reg  [5:0] len
);

always @* begin
    known = 1'b1;
    idx = 5'd0;
    len = 6'd0;
    case (type_byte)
    8'h53: begin idx = 5'd0;  len = 6'd12; end // S system event
    8'h52: begin idx = 5'd1;  len = 6'd39; end // R stock directory
    8'h48: begin idx = 5'd2;  len = 6'd25; end // H stock trading action
    8'h59: begin idx = 5'd3;  len = 6'd20; end // Y Reg SHO restriction
    8'h4C: begin idx = 5'd4;  len = 6'd26; end // L market participant position
    8'h56: begin idx = 5'd5;  len = 6'd35; end // V MWCB decline level
    8'h57: begin idx = 5'd6;  len = 6'd12; end // W MWCB status
    8'h4B: begin idx = 5'd7;  len = 6'd28; end // K IPO quoting period update
    8'h4A: begin idx = 5'd8;  len = 6'd35; end // J LULD auction collar
    8'h68: begin idx = 5'd9;  len = 6'd21; end // h operational halt
    8'h41: begin idx = 5'd10; len = 6'd36; end // A add order
    8'h46: begin idx = 5'd11; len = 6'd40; end // F add order with MPID
    8'h45: begin idx = 5'd12; len = 6'd31; end // E order executed
    8'h43: begin idx = 5'd13; len = 6'd36; end // C order executed with price
    8'h58: begin idx = 5'd14; len = 6'd23; end // X order cancel
    8'h44: begin idx = 5'd15; len = 6'd19; end // D order delete
    8'h55: begin idx = 5'd16; len = 6'd35; end // U order replace
    8'h50: begin idx = 5'd17; len = 6'd44; end // P trade
    8'h51: begin idx = 5'd18; len = 6'd40; end // Q cross trade
    8'h42: begin idx = 5'd19; len = 6'd19; end // B broken trade
    8'h49: begin idx = 5'd20; len = 6'd50; end // I NOII
    8'h4E: begin idx = 5'd21; len = 6'd20; end // N RPII
    8'h4F: begin idx = 5'd22; len = 6'd48; end // O direct listing capital raise
    default: known = 1'b0;
    endcase
end

endmodule

`default_nettype wire
