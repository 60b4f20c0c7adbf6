# SPDX-License-Identifier: BSD-3-Clause
# Tests of the host's books and feed generator.
tg_add_test(NAME test_book
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_book.c
	LIBS tg_host z)
tg_add_test(NAME test_book_random
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_book_random.c
	LIBS tg_host)
tg_add_test(NAME test_feedgen
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_feedgen.c
	LIBS tg_host)
tg_add_test(NAME test_feedgen_cli
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_feedgen_cli.c
		${CMAKE_CURRENT_LIST_DIR}/../host/cli/cmd_feedgen.c
	LIBS tg_host)
tg_add_test(NAME test_book_card
	SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_book_card.c
	LIBS tg_host)
