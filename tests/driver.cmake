# SPDX-License-Identifier: BSD-3-Clause
# The card driver: the ABI agrees with the RTL header and the contract;
# the ring logic and the BAR register layer on their own; the driver on
# each engine that is part of the build.
tg_add_test(NAME test_abi SOURCES test_abi.c LIBS tg_driver)
tg_add_test(NAME test_driver_bar SOURCES test_driver_bar.c LIBS tg_driver)
if(TARGET tg_model)
	tg_add_test(NAME test_driver_model SOURCES test_driver_model.c test_driver_util.c
		LIBS tg_driver PkgConfig::PCAP)
endif()
if(TARGET tg_vcard)
	tg_add_test(NAME test_driver_sim SOURCES test_driver_sim.c test_driver_util.c
		LIBS tg_driver PkgConfig::PCAP)
endif()
