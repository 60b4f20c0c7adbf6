# SPDX-License-Identifier: BSD-3-Clause
# The tickgate binary end to end, against tshark and the shared specification.
tg_add_test(NAME test_cli_decode SOURCES test_cli_decode.c
	LIBS PkgConfig::JANSSON TIMEOUT 900)
