# SPDX-License-Identifier: BSD-3-Clause
# The control plane: latency histograms against exact percentiles, the
# audit chain against tampering (and `openssl dgst -sm3`), TOTP against
# RFC 6238, every role on every command through a real socket, metrics
# through promtool, and `tickgate audit verify` end to end.
foreach(t hist audit totp ctl metrics cli)
	tg_add_test(NAME test_control_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_control_${t}.c
		LIBS tg_host TIMEOUT 300)
endforeach()
add_dependencies(test_control_cli tickgate)
