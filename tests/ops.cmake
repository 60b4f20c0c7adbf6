# SPDX-License-Identifier: BSD-3-Clause
# The operator commands (stats, top, book --live, risk, kill, resume) run
# as built against a control plane this test process serves over a real
# order engine: values against what the tests put in, every role on every
# command, kill switches through the engine's outputs, top in tmux.
foreach(t stats kill roles top)
	tg_add_test(NAME test_ops_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ops_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_ops_util.c
			${CMAKE_CURRENT_LIST_DIR}/test_order_util.c
		LIBS tg_host TIMEOUT 120)
	add_dependencies(test_ops_${t} tickgate)
endforeach()
