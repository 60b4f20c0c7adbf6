# SPDX-License-Identifier: BSD-3-Clause
# The control plane wired into the running order path: `tickgate gateway`
# with [control], [metrics] and the test's own user as an operator; kill
# switches end to end with TOTP and the audit log, kill switches and
# limits across kill -9 (the journal's CONTROL records), Prometheus
# metrics while orders flow (promtool), DPDK telemetry over its socket,
# and the same control plane inside `tickgate run`.
foreach(t kill restart metrics run telemetry)
	tg_add_test(NAME test_ctlwire_${t}
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ctlwire_${t}.c
			${CMAKE_CURRENT_LIST_DIR}/test_ctlwire_util.c
			${CMAKE_CURRENT_LIST_DIR}/test_gateway_util.c
		LIBS tg_host TIMEOUT 300)
	add_dependencies(test_ctlwire_${t} tickgate)
endforeach()
