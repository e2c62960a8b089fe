#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make qemu: build qemu-system-x86_64 with the Sinan NPU compiled in.
#
#   scripts/build-qemu.sh [QEMU_SRC]
#
# Without QEMU_SRC the source comes from the distribution's source package
# (apt-get source qemu/<codename>: QEMU 7.2 on Debian 12), unpacked once into
# build/qemu/src-<version>. With QEMU_SRC (a user's own tree) the glue is
# added to that tree and it is built in build/qemu/user-<hash>.
#
# The glue is small and the same for QEMU 7.2 and 10.x (docs/qemu-glue.md):
#   hw/misc/sinan/           emu/core/*.[ch], include/sinan_hw/*.h, emu/qemu/meson.build
#   hw/misc/sinan_npu.c      emu/qemu/sinan_npu.c (QOM/PCI glue)
#   hw/misc/trace-events     + emu/qemu/trace-events
#   hw/misc/meson.build      + subdir('sinan')
#   hw/misc/Kconfig          + config SINAN_NPU
#   tests/qtest/             + tests/qtest/sinan-npu-test.c
#
# The result is cached: build/qemu/qemu-system-x86_64 is rebuilt (incrementally)
# only when the hash of emu/, include/sinan_hw/, the qtest and this script, or
# the QEMU source, changes.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
OUT=$BUILD/qemu
CACHE=${SINAN_CACHE:-$BUILD/cache}
USER_SRC=${1:-}
JOBS=${JOBS:-$(nproc)}

say() { printf 'qemu: %s\n' "$*"; }
die() { printf 'qemu: error: %s\n' "$*" >&2; exit 1; }

mkdir -p "$OUT" "$CACHE"

# ---- source ----------------------------------------------------------------
if [ -n "$USER_SRC" ]; then
	SRC=$(cd "$USER_SRC" && pwd) || die "QEMU_SRC=$USER_SRC is not a directory"
	[ -f "$SRC/VERSION" ] && [ -d "$SRC/hw/misc" ] || die "$SRC does not look like a QEMU source tree"
	SRC_ID="user:$SRC:$(cat "$SRC/VERSION")"
	BLD=$OUT/user-$(printf '%s' "$SRC" | sha256sum | cut -c1-12)
else
	. /etc/os-release
	DL=$CACHE/qemu-src
	mkdir -p "$DL"
	dsc=$(ls "$DL"/qemu_*.dsc 2>/dev/null | head -n 1 || true)
	if [ -z "$dsc" ]; then
		say "fetching the source package (apt-get source qemu/$VERSION_CODENAME)"
		(cd "$DL" && apt-get source --download-only -q "qemu/$VERSION_CODENAME" >/dev/null 2>&1) ||
			die "apt-get source failed: is a deb-src entry enabled? ('make deps' adds one)"
		dsc=$(ls "$DL"/qemu_*.dsc | head -n 1)
	fi
	ver=$(sed -n 's/^Version: //p' "$dsc" | head -n 1)
	ver=${ver#*:}
	SRC=$OUT/src-$ver
	if [ ! -f "$SRC/.unpacked" ]; then
		say "unpacking qemu $ver"
		rm -rf "$SRC"
		dpkg-source --no-check -x "$dsc" "$SRC" >/dev/null
		rm -f "$OUT"/qemu_*.tar.*
		touch "$SRC/.unpacked"
	fi
	SRC_ID="debian:$ver"
	BLD=$OUT/build-$ver
fi

# Debian's repacked (dfsg/ds) tarballs have no firmware blobs: don't try to
# unpack them.
if ! ls "$SRC"/pc-bios/edk2-*.fd.bz2 >/dev/null 2>&1 &&
	grep -q '^ *unpack_edk2_blobs = [^f]' "$SRC/meson.build"; then
	sed -i 's/^\( *\)unpack_edk2_blobs = .*/\1unpack_edk2_blobs = false/' "$SRC/meson.build"
fi

# ---- cache key ----------------------------------------------------------------
hash_inputs() {
	{
		printf '%s\n' "$SRC_ID"
		(cd "$TOP" && for d in emu include/sinan_hw tests/qtest scripts/build-qemu.sh; do
			[ -e "$d" ] && find "$d" -type f; done | LC_ALL=C sort | xargs -r sha256sum)
	} | sha256sum | cut -c1-16
}
KEY=$(hash_inputs)
if [ -x "$OUT/qemu-system-x86_64" ] && [ "$(cat "$OUT/.key" 2>/dev/null)" = "$KEY" ]; then
	say "up to date ($KEY)"
	exit 0
fi

# ---- glue -----------------------------------------------------------------------
install_if_changed() { # src dst
	if ! cmp -s "$1" "$2"; then
		mkdir -p "$(dirname "$2")"
		cp "$1" "$2"
	fi
}
append_once() { # file marker text
	grep -qF "$2" "$1" || printf '%s\n' "$3" >>"$1"
}

if [ -f "$TOP/emu/qemu/sinan_npu.c" ]; then
	D=$SRC/hw/misc/sinan
	mkdir -p "$D/core" "$D/include/sinan_hw"
	for f in "$TOP"/emu/core/*.[ch]; do install_if_changed "$f" "$D/core/$(basename "$f")"; done
	for f in "$TOP"/include/sinan_hw/*.h; do install_if_changed "$f" "$D/include/sinan_hw/$(basename "$f")"; done
	install_if_changed "$TOP/emu/qemu/meson.build" "$D/meson.build"
	# Remove core files that no longer exist, then list the sources for meson.
	for f in "$D"/core/*.[ch]; do [ -e "$TOP/emu/core/$(basename "$f")" ] || rm -f "$f"; done
	{
		printf "sinan_core_files = files(\n"
		for f in "$TOP"/emu/core/*.c; do printf "  '%s',\n" "$(basename "$f")"; done
		printf ")\n"
	} >"$D/core/meson.build.new"
	install_if_changed "$D/core/meson.build.new" "$D/core/meson.build"
	install_if_changed "$TOP/emu/qemu/sinan_npu.c" "$SRC/hw/misc/sinan_npu.c"
	# trace-events: the pristine file plus ours
	[ -f "$SRC/hw/misc/trace-events.orig" ] || cp "$SRC/hw/misc/trace-events" "$SRC/hw/misc/trace-events.orig"
	cat "$SRC/hw/misc/trace-events.orig" "$TOP/emu/qemu/trace-events" >"$SRC/hw/misc/trace-events.new"
	install_if_changed "$SRC/hw/misc/trace-events.new" "$SRC/hw/misc/trace-events"
	append_once "$SRC/hw/misc/meson.build" "subdir('sinan')" "subdir('sinan')"
	append_once "$SRC/hw/misc/Kconfig" "config SINAN_NPU" \
"
config SINAN_NPU
    bool
    default y if PCI_DEVICES
    depends on PCI && MSI_NONBROKEN"
	if [ -f "$TOP/tests/qtest/sinan-npu-test.c" ]; then
		install_if_changed "$TOP/tests/qtest/sinan-npu-test.c" "$SRC/tests/qtest/sinan-npu-test.c"
		for f in "$TOP"/include/sinan_hw/*.h; do
			install_if_changed "$f" "$SRC/tests/qtest/sinan_hw/$(basename "$f")"
		done
		grep -q "sinan-npu-test" "$SRC/tests/qtest/meson.build" ||
			sed -i "s/^qtests_x86_64 = qtests_i386\$/&\nqtests_x86_64 += (config_all_devices.has_key('CONFIG_SINAN_NPU') ? ['sinan-npu-test'] : [])/" \
				"$SRC/tests/qtest/meson.build"
		grep -q "sinan-npu-test" "$SRC/tests/qtest/meson.build" ||
			die "could not add the qtest to tests/qtest/meson.build (no 'qtests_x86_64 = qtests_i386' line)"
	fi
fi

# ---- configure and build ------------------------------------------------------------
# TCG always; KVM when the host has it (tools/sinan-vm probes it, nested KVM
# hangs on some hosts); virtfs for tools/sinan-vm --share over 9p.
CONF=(--target-list=x86_64-softmmu --without-default-features --enable-tcg --enable-kvm
      --enable-virtfs --enable-cap-ng --enable-attr --disable-docs --disable-werror
      --disable-install-blobs)
# QEMU 7.2 (dfsg) uses the system meson; 8.0 and later want an explicit
# python that can install their bundled meson. Prefer the distribution's
# python either way.
case "$(cat "$SRC/VERSION")" in
[0-7].*) ;;
*) CONF+=(--python=/usr/bin/python3) ;;
esac
if [ -f "$BLD/build.ninja" ] && [ "$(cat "$BLD/.sinan-configure" 2>/dev/null)" != "${CONF[*]}" ]; then
	say "configure options changed: reconfiguring"
	rm -rf "$BLD"
fi
if [ ! -f "$BLD/build.ninja" ]; then
	say "configuring in $BLD"
	mkdir -p "$BLD"
	(cd "$BLD" && PATH=/usr/bin:/bin:$PATH "$SRC/configure" "${CONF[@]}" >configure.log 2>&1) ||
		{ tail -n 30 "$BLD/configure.log" >&2; die "configure failed (log: $BLD/configure.log)"; }
	echo "${CONF[*]}" >"$BLD/.sinan-configure"
fi
say "building qemu-system-x86_64 (first build takes a few minutes)"
targets=(qemu-system-x86_64)
[ -f "$SRC/tests/qtest/sinan-npu-test.c" ] && targets+=(tests/qtest/sinan-npu-test)
(cd "$BLD" && PATH=/usr/bin:/bin:$PATH ninja -j "$JOBS" "${targets[@]}" >ninja.log 2>&1) ||
	{ grep -E 'error|Error' "$BLD/ninja.log" | head -n 40 >&2; die "build failed (log: $BLD/ninja.log)"; }

install_if_changed "$BLD/qemu-system-x86_64" "$OUT/qemu-system-x86_64"
if [ -f "$BLD/tests/qtest/sinan-npu-test" ]; then
	install_if_changed "$BLD/tests/qtest/sinan-npu-test" "$OUT/sinan-npu-test"
fi
# qtest runs $QTEST_QEMU_BINARY and takes the architecture from its name:
# a wrapper of the same name adds the firmware search paths.
mkdir -p "$OUT/qtest"
cat >"$OUT/qtest/qemu-system-x86_64" <<WRAP
#!/bin/sh
exec "$OUT/qemu-system-x86_64" -L /usr/share/qemu -L /usr/share/seabios "\$@"
WRAP
chmod +x "$OUT/qtest/qemu-system-x86_64"
echo "$KEY" >"$OUT/.key"
say "built $OUT/qemu-system-x86_64 ($KEY)"
