# SPDX-License-Identifier: BSD-3-Clause
# SM4 on the host: the standards' vectors, libgcrypt against OpenSSL, the
# engine's contract, sealed messages, `tickgate crypto` end to end; and
# the engine on the cards (model and Verilated RTL), against OpenSSL and
# against each other with feed frames on the same rings.
foreach(t vectors diff api seal card)
	tg_add_test(NAME test_crypto_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crypto_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_crypto_util.c
		LIBS tg_host)
endforeach()
set_tests_properties(test_crypto_card PROPERTIES TIMEOUT 900)
tg_add_test(NAME test_crypto_card_diff
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crypto_card_diff.c
		${CMAKE_CURRENT_LIST_DIR}/test_crypto_util.c
	LIBS tg_host PkgConfig::PCAP TIMEOUT 1200)
tg_add_test(NAME test_crypto_cli
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crypto_cli.c
		${CMAKE_CURRENT_LIST_DIR}/test_crypto_util.c
	LIBS tg_host TIMEOUT 900)
add_dependencies(test_crypto_cli tickgate)
