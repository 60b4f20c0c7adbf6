# SPDX-License-Identifier: BSD-3-Clause
# The C reference model: registers, record layout of every ITCH type, the
# feed pipeline's checks and sequencing, the DMA rings, a real capture,
# and SM4 crypto jobs on the rings.
foreach(t regs types frames ring pcap crypto)
	tg_add_test(NAME test_model_${t}
		SOURCES test_model_${t}.c test_model_util.c
		LIBS tg_model PkgConfig::PCAP)
endforeach()
