# SPDX-License-Identifier: BSD-3-Clause
# The journal: its files read back by an independent reader of the format,
# every kind of torn tail cut, damage refused, kill -9 losing nothing
# acknowledged, and the error paths.
foreach(t basic tail bad crash)
	tg_add_test(NAME test_journal_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_journal_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_journal_util.c
		LIBS tg_host TIMEOUT 300)
endforeach()
