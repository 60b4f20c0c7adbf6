# SPDX-License-Identifier: BSD-3-Clause
# OUCH 4.2 / SoupBinTCP 3.0: the codecs against the shared specification's
# tables and tshark's dissectors, the stream reassembler, the client
# against a scripted peer on a real socket, and `tickgate ouch` end to end.
foreach(t codec json soup tshark client)
	tg_add_test(NAME test_ouch_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ouch_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_ouch_util.c
		LIBS tg_host TIMEOUT 300)
endforeach()
tg_add_test(NAME test_ouch_cli
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ouch_cli.c
		${CMAKE_CURRENT_LIST_DIR}/test_ouch_util.c
	LIBS tg_host TIMEOUT 300)
add_dependencies(test_ouch_cli tickgate)
