# SPDX-License-Identifier: BSD-3-Clause
# Post-trade: clearing invariants and fee schedules, the settlement file
# and its reconciliation, the SQLite export, and the PostgreSQL export
# against a real server started in a temp dir (compared with SQLite's rows).
foreach(t clear settle sqlite pg)
	if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_post_${t}.c)
		tg_add_test(NAME test_post_${t}
			SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_post_${t}.c
				${CMAKE_CURRENT_LIST_DIR}/test_post_util.c
				${CMAKE_CURRENT_LIST_DIR}/test_post_db.c
			LIBS tg_host TIMEOUT 300)
	endif()
endforeach()
