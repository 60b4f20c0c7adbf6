# SPDX-License-Identifier: BSD-3-Clause
# The tickgate binary end to end, against tshark and the shared specification.
tg_add_test(NAME test_cli_decode SOURCES test_cli_decode.c tg_wire.c
	LIBS PkgConfig::JANSSON TIMEOUT 900)
tg_add_test(NAME test_cli_book SOURCES test_cli_book.c tg_wire.c
	LIBS PkgConfig::JANSSON TIMEOUT 900)
tg_add_test(NAME test_cli_run SOURCES test_cli_run.c tg_wire.c
	LIBS PkgConfig::JANSSON TIMEOUT 900)
