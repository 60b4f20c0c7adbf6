# SPDX-License-Identifier: BSD-3-Clause
# SM4 on the host: the standards' vectors, libgcrypt against OpenSSL, the
# engine's contract, sealed messages, and `tickgate crypto` end to end.
foreach(t vectors diff api seal)
	tg_add_test(NAME test_crypto_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crypto_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_crypto_util.c
		LIBS tg_host)
endforeach()
tg_add_test(NAME test_crypto_cli
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_crypto_cli.c
		${CMAKE_CURRENT_LIST_DIR}/test_crypto_util.c
	LIBS tg_host TIMEOUT 900)
add_dependencies(test_crypto_cli tickgate)
