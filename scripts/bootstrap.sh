#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs every Debian package tickgate needs to build, test and benchmark.
# Idempotent: packages already present are left alone; safe to run again.
set -euo pipefail

PKGS=(
	build-essential cmake ninja-build pkg-config git
	verilator yosys
	libdpdk-dev dpdk dpdk-dev
	libpcap-dev libssl-dev libgcrypt20-dev libjansson-dev zlib1g-dev
	libcriterion-dev
	tshark tcpdump
	libsqlite3-dev sqlite3 libpq-dev postgresql
	liboath-dev libmicrohttpd-dev libncurses-dev prometheus tmux
	python3
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, non-interactively
	echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "bootstrap: all ${#PKGS[@]} packages present"
