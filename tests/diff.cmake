# SPDX-License-Identifier: BSD-3-Clause
# RTL (Verilated) against the C model, through the driver.
tg_add_test(NAME test_diff_card SOURCES test_diff_card.c tg_framegen.c
	LIBS tg_driver PkgConfig::DPDK TIMEOUT 1200)
