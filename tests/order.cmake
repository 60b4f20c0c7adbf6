# SPDX-License-Identifier: BSD-3-Clause
# The order engine: scenarios written from docs/order-path.md, risk on its
# own, configuration and message fields, random streams against a naive
# reference matcher and invariants, bad input. Messages are built as
# structs: no codec, no gateway.
foreach(t scenarios risk config random bad)
	tg_add_test(NAME test_order_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_order_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_order_util.c
		LIBS tg_host TIMEOUT 300)
endforeach()
