# SPDX-License-Identifier: BSD-3-Clause
# The order-entry gateway: password hashes (against libgcrypt's scrypt),
# and `tickgate gateway` driven over loopback by raw SoupBinTCP clients:
# sessions, bad input, kill -9 and restart, the journal at start-up,
# tshark's dissectors, and SM4-GCM sealed sessions against libgcrypt.
tg_add_test(NAME test_gateway_passwd
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_passwd.c
	LIBS tg_host ${GCRYPT_LIBRARY} TIMEOUT 300)
add_dependencies(test_gateway_passwd tickgate)
foreach(t session malformed crash restart)
	tg_add_test(NAME test_gateway_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_gateway_util.c
		LIBS tg_host TIMEOUT 300)
	add_dependencies(test_gateway_${t} tickgate)
endforeach()
tg_add_test(NAME test_gateway_tshark
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_tshark.c
		${CMAKE_CURRENT_LIST_DIR}/test_gateway_util.c
	LIBS tg_host PkgConfig::PCAP TIMEOUT 300)
add_dependencies(test_gateway_tshark tickgate)
tg_add_test(NAME test_gateway_sealed
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gateway_sealed.c
		${CMAKE_CURRENT_LIST_DIR}/test_gateway_util.c
	LIBS tg_host ${GCRYPT_LIBRARY} TIMEOUT 600)
add_dependencies(test_gateway_sealed tickgate)
