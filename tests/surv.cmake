# SPDX-License-Identifier: BSD-3-Clause
# Surveillance: one market per alert kind and its near misses; random flow
# with labelled manipulations (detection rate and false positives).
foreach(t scenarios random)
	tg_add_test(NAME test_surv_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_surv_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_surv_util.c
		LIBS tg_host)
endforeach()
