# SPDX-License-Identifier: BSD-3-Clause
# The parts wired together: a day traded through `tickgate gateway` whose
# live alerts and clearing equal their replay from the journal (`tickgate
# alerts`, `tickgate settle`), also across a kill -9; and `tickgate run`
# with the order path beside a generated feed on net_pcap, its risk checks
# and halts fed by the books.
foreach(t day run)
	if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_wire_${t}.c)
		tg_add_test(NAME test_wire_${t}
			SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_wire_${t}.c
				${CMAKE_CURRENT_LIST_DIR}/test_wire_util.c
				${CMAKE_CURRENT_LIST_DIR}/test_gateway_util.c
			LIBS tg_host PkgConfig::PCAP TIMEOUT 300)
		add_dependencies(test_wire_${t} tickgate)
	endif()
endforeach()
