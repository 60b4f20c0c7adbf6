# SPDX-License-Identifier: BSD-3-Clause
# The RTL on its own: lint, and each block's Verilator test bench against
# its independent reference (built into the build tree by the scripts).
add_test(NAME rtl_lint
	COMMAND verilator --lint-only -Wall -I${CMAKE_SOURCE_DIR}/rtl
		-y ${CMAKE_SOURCE_DIR}/rtl ${CMAKE_SOURCE_DIR}/rtl/tg_card_top.v)
add_test(NAME rtl_feed_tb
	COMMAND ${CMAKE_SOURCE_DIR}/rtl/tb/run_feed_tb.sh ${CMAKE_BINARY_DIR}/rtl-feed-tb --quick)
set_tests_properties(rtl_feed_tb PROPERTIES TIMEOUT 900
	ENVIRONMENT "TG_SHARED_DIR=${TG_SHARED_DIR};TG_JOBS=1")
add_test(NAME rtl_dma_tb COMMAND ${CMAKE_SOURCE_DIR}/rtl/tb/run_dma_tb.sh)
set_tests_properties(rtl_dma_tb PROPERTIES TIMEOUT 900
	ENVIRONMENT "BUILD=${CMAKE_BINARY_DIR}/rtl-dma-tb;JOBS=1")
add_test(NAME rtl_sm4_lint
	COMMAND verilator --lint-only -Wall -I${CMAKE_SOURCE_DIR}/rtl
		-y ${CMAKE_SOURCE_DIR}/rtl ${CMAKE_SOURCE_DIR}/rtl/tg_sm4_modes.v)
add_test(NAME rtl_sm4_tb COMMAND ${CMAKE_SOURCE_DIR}/rtl/tb/run_sm4_tb.sh)
set_tests_properties(rtl_sm4_tb PROPERTIES TIMEOUT 900
	ENVIRONMENT "BUILD=${CMAKE_BINARY_DIR}/rtl-sm4-tb;JOBS=1")
# Crypto jobs over the rings: the bench links the Verilated card the build
# already makes (sim/, tg_vcard), so the test only runs it;
# rtl/tb/run_crypto_tb.sh builds the same bench on its own.
if(TARGET tg_vcard)
	add_executable(tg_crypto_tb ${CMAKE_SOURCE_DIR}/rtl/tb/tg_crypto_tb.cpp)
	target_include_directories(tg_crypto_tb PRIVATE ${CMAKE_SOURCE_DIR}/drivers)
	target_link_libraries(tg_crypto_tb PRIVATE tg_vcard PkgConfig::OPENSSL ${GCRYPT_LIBRARY})
	add_test(NAME rtl_crypto_tb COMMAND tg_crypto_tb)
	set_tests_properties(rtl_crypto_tb PROPERTIES TIMEOUT 600)
endif()
