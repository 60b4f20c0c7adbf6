/* SPDX-License-Identifier: BSD-3-Clause */
/* The ITCH 5.0 message table, transcribed from the ITCH 5.0 specification (docs/card-interface.md). */
#include "tg_itch.h"

const struct tg_itch_type tg_itch_types[TG_ITCH_NTYPES] = {
	{ 'S', "system_event", 12, 1, {
		{ "event_code", 11, 1, TG_FK_C },
	} },
	{ 'R', "stock_directory", 39, 14, {
		{ "stock", 11, 8, TG_FK_A },
		{ "market_category", 19, 1, TG_FK_C },
		{ "financial_status_indicator", 20, 1, TG_FK_C },
		{ "round_lot_size", 21, 4, TG_FK_U },
		{ "round_lots_only", 25, 1, TG_FK_C },
		{ "issue_classification", 26, 1, TG_FK_C },
		{ "issue_sub_type", 27, 2, TG_FK_A },
		{ "authenticity", 29, 1, TG_FK_C },
		{ "short_sale_threshold_indicator", 30, 1, TG_FK_C },
		{ "ipo_flag", 31, 1, TG_FK_C },
		{ "luld_reference_price_tier", 32, 1, TG_FK_C },
		{ "etp_flag", 33, 1, TG_FK_C },
		{ "etp_leverage_factor", 34, 4, TG_FK_U },
		{ "inverse_indicator", 38, 1, TG_FK_C },
	} },
	{ 'H', "stock_trading_action", 25, 4, {
		{ "stock", 11, 8, TG_FK_A },
		{ "trading_state", 19, 1, TG_FK_C },
		{ "reserved", 20, 1, TG_FK_C },
		{ "reason", 21, 4, TG_FK_A },
	} },
	{ 'Y', "reg_sho_restriction", 20, 2, {
		{ "stock", 11, 8, TG_FK_A },
		{ "reg_sho_action", 19, 1, TG_FK_C },
	} },
	{ 'L', "market_participant_position", 26, 5, {
		{ "mpid", 11, 4, TG_FK_A },
		{ "stock", 15, 8, TG_FK_A },
		{ "primary_market_maker", 23, 1, TG_FK_C },
		{ "market_maker_mode", 24, 1, TG_FK_C },
		{ "market_participant_state", 25, 1, TG_FK_C },
	} },
	{ 'V', "mwcb_decline_level", 35, 3, {
		{ "level1", 11, 8, TG_FK_P8 },
		{ "level2", 19, 8, TG_FK_P8 },
		{ "level3", 27, 8, TG_FK_P8 },
	} },
	{ 'W', "mwcb_status", 12, 1, {
		{ "breached_level", 11, 1, TG_FK_C },
	} },
	{ 'K', "ipo_quoting_period_update", 28, 4, {
		{ "stock", 11, 8, TG_FK_A },
		{ "ipo_quotation_release_time", 19, 4, TG_FK_U },
		{ "ipo_quotation_release_qualifier", 23, 1, TG_FK_C },
		{ "ipo_price", 24, 4, TG_FK_P4 },
	} },
	{ 'J', "luld_auction_collar", 35, 5, {
		{ "stock", 11, 8, TG_FK_A },
		{ "auction_collar_reference_price", 19, 4, TG_FK_P4 },
		{ "upper_auction_collar_price", 23, 4, TG_FK_P4 },
		{ "lower_auction_collar_price", 27, 4, TG_FK_P4 },
		{ "auction_collar_extension", 31, 4, TG_FK_U },
	} },
	{ 'h', "operational_halt", 21, 3, {
		{ "stock", 11, 8, TG_FK_A },
		{ "market_code", 19, 1, TG_FK_C },
		{ "operational_halt_action", 20, 1, TG_FK_C },
	} },
	{ 'A', "add_order", 36, 5, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "buy_sell_indicator", 19, 1, TG_FK_C },
		{ "shares", 20, 4, TG_FK_U },
		{ "stock", 24, 8, TG_FK_A },
		{ "price", 32, 4, TG_FK_P4 },
	} },
	{ 'F', "add_order_mpid", 40, 6, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "buy_sell_indicator", 19, 1, TG_FK_C },
		{ "shares", 20, 4, TG_FK_U },
		{ "stock", 24, 8, TG_FK_A },
		{ "price", 32, 4, TG_FK_P4 },
		{ "attribution", 36, 4, TG_FK_A },
	} },
	{ 'E', "order_executed", 31, 3, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "executed_shares", 19, 4, TG_FK_U },
		{ "match_number", 23, 8, TG_FK_U },
	} },
	{ 'C', "order_executed_with_price", 36, 5, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "executed_shares", 19, 4, TG_FK_U },
		{ "match_number", 23, 8, TG_FK_U },
		{ "printable", 31, 1, TG_FK_C },
		{ "execution_price", 32, 4, TG_FK_P4 },
	} },
	{ 'X', "order_cancel", 23, 2, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "cancelled_shares", 19, 4, TG_FK_U },
	} },
	{ 'D', "order_delete", 19, 1, {
		{ "order_reference_number", 11, 8, TG_FK_U },
	} },
	{ 'U', "order_replace", 35, 4, {
		{ "original_order_reference_number", 11, 8, TG_FK_U },
		{ "new_order_reference_number", 19, 8, TG_FK_U },
		{ "shares", 27, 4, TG_FK_U },
		{ "price", 31, 4, TG_FK_P4 },
	} },
	{ 'P', "trade", 44, 6, {
		{ "order_reference_number", 11, 8, TG_FK_U },
		{ "buy_sell_indicator", 19, 1, TG_FK_C },
		{ "shares", 20, 4, TG_FK_U },
		{ "stock", 24, 8, TG_FK_A },
		{ "price", 32, 4, TG_FK_P4 },
		{ "match_number", 36, 8, TG_FK_U },
	} },
	{ 'Q', "cross_trade", 40, 5, {
		{ "shares", 11, 8, TG_FK_U },
		{ "stock", 19, 8, TG_FK_A },
		{ "cross_price", 27, 4, TG_FK_P4 },
		{ "match_number", 31, 8, TG_FK_U },
		{ "cross_type", 39, 1, TG_FK_C },
	} },
	{ 'B', "broken_trade", 19, 1, {
		{ "match_number", 11, 8, TG_FK_U },
	} },
	{ 'I', "noii", 50, 9, {
		{ "paired_shares", 11, 8, TG_FK_U },
		{ "imbalance_shares", 19, 8, TG_FK_U },
		{ "imbalance_direction", 27, 1, TG_FK_C },
		{ "stock", 28, 8, TG_FK_A },
		{ "far_price", 36, 4, TG_FK_P4 },
		{ "near_price", 40, 4, TG_FK_P4 },
		{ "current_reference_price", 44, 4, TG_FK_P4 },
		{ "cross_type", 48, 1, TG_FK_C },
		{ "price_variation_indicator", 49, 1, TG_FK_C },
	} },
	{ 'N', "rpii", 20, 2, {
		{ "stock", 11, 8, TG_FK_A },
		{ "interest_flag", 19, 1, TG_FK_C },
	} },
	{ 'O', "direct_listing_capital_raise", 48, 8, {
		{ "stock", 11, 8, TG_FK_A },
		{ "open_eligibility_status", 19, 1, TG_FK_C },
		{ "minimum_allowable_price", 20, 4, TG_FK_P4 },
		{ "maximum_allowable_price", 24, 4, TG_FK_P4 },
		{ "near_execution_price", 28, 4, TG_FK_P4 },
		{ "near_execution_time", 32, 8, TG_FK_U },
		{ "lower_price_range_collar", 40, 4, TG_FK_P4 },
		{ "upper_price_range_collar", 44, 4, TG_FK_P4 },
	} },
};

/* index + 1 by type byte; 0 = unknown */
static const uint8_t tg_itch_index1[256] = {
	['S'] = 1,
	['R'] = 2,
	['H'] = 3,
	['Y'] = 4,
	['L'] = 5,
	['V'] = 6,
	['W'] = 7,
	['K'] = 8,
	['J'] = 9,
	['h'] = 10,
	['A'] = 11,
	['F'] = 12,
	['E'] = 13,
	['C'] = 14,
	['X'] = 15,
	['D'] = 16,
	['U'] = 17,
	['P'] = 18,
	['Q'] = 19,
	['B'] = 20,
	['I'] = 21,
	['N'] = 22,
	['O'] = 23,
};

int
tg_itch_index(uint8_t type)
{
	return (int)tg_itch_index1[type] - 1;
}
