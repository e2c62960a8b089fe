#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make kernels: fetch and unpack the test kernels, without installing them.
#
#   scripts/fetch-kernels.sh TAG=ABI [TAG=ABI...]
#   e.g. scripts/fetch-kernels.sh 6.1=6.1.0-56-amd64 6.12=6.12.95+deb12-amd64
#
# For each kernel this downloads (apt-get download, with the machine's own apt
# sources) the image package linux-image-ABI and the packages needed to build
# out-of-tree modules: linux-headers-ABI plus the -common and linux-kbuild-*
# packages it depends on (names resolved with apt-cache depends). They are
# unpacked with dpkg -x into build/kernels/TAG/root/, so that
#
#   build/kernels/TAG/root/boot/vmlinuz-ABI          the guest kernel
#   build/kernels/TAG/root/lib/modules/ABI/          its modules
#   build/kernels/TAG/root/usr/src/linux-headers-ABI the kbuild dir (make -C ... M=...)
#   build/kernels/TAG/vmlinux                        the uncompressed kernel (see below)
#   build/kernels/TAG/abi                            the ABI name, for tools
#
# vmlinux is the ELF kernel taken out of vmlinuz. QEMU boots it directly
# (PVH entry point), which spares the guest decompressing itself under TCG
# (5 s for the xz-compressed 6.1). It is only written when the kernel has a
# PVH entry point; tools/sinan-vm boots vmlinuz otherwise.
#
# The headers' Makefile includes the -common Makefile by absolute path; it is
# rewritten to point into the unpacked tree. Downloaded .debs are kept in
# ${SINAN_CACHE:-build/cache}/kernels/. A stamp (build/kernels/TAG/.stamp-ABI)
# makes a rerun a no-op; a new ABI (apt moved on) replaces the old tree.
set -euo pipefail

# Bump when the unpacked layout changes, to force a re-unpack.
LAYOUT=2

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
CACHE=${SINAN_CACHE:-$BUILD/cache}
DEBS=$CACHE/kernels
OUT=$BUILD/kernels

say() { printf 'kernels: %s\n' "$*"; }
die() { printf 'kernels: error: %s\n' "$*" >&2; exit 1; }

# depmod lives in /sbin, which may not be in a user's PATH.
DEPMOD=$(PATH=$PATH:/usr/sbin:/sbin command -v depmod) ||
	die "depmod not found: install kmod ('make deps')"

CHANGED=0
[ $# -gt 0 ] || die "usage: $0 TAG=ABI [TAG=ABI...] (e.g. 6.1=6.1.0-56-amd64)"

# --- helpers -----------------------------------------------------------------

# The packages a kernel needs: the image, the headers and what the headers
# depend on to build modules (the -common headers and the kbuild tools).
packages_for() { # abi
	local abi=$1 deps common kbuild
	apt-cache show "linux-image-$abi" >/dev/null 2>&1 ||
		die "apt does not know linux-image-$abi: run 'make deps' (it enables the needed suites and runs apt-get update)"
	deps=$(apt-cache depends "linux-headers-$abi" 2>/dev/null) ||
		die "apt does not know linux-headers-$abi: run 'make deps'"
	common=$(sed -n 's/^ *|\{0,1\}Depends: \(linux-headers-[^ <>]*-common\)$/\1/p' <<<"$deps" | head -n 1)
	kbuild=$(sed -n 's/^ *|\{0,1\}Depends: \(linux-kbuild-[^ <>]*\)$/\1/p' <<<"$deps" | head -n 1)
	[ -n "$common" ] || die "cannot find the -common headers package in 'apt-cache depends linux-headers-$abi'"
	[ -n "$kbuild" ] || die "cannot find the linux-kbuild package in 'apt-cache depends linux-headers-$abi'"
	printf '%s\n' "linux-image-$abi" "linux-headers-$abi" "$common" "$kbuild"
}

# Download a package into the cache unless the exact candidate .deb is there.
# Prints the path of the .deb.
fetch_deb() { # package
	local pkg=$1 file size rest log
	# One line: 'URI' FILE SIZE HASH
	read -r _ file size rest < <(apt-get download --print-uris "$pkg" 2>/dev/null | head -n 1) ||
		die "apt-get download --print-uris $pkg failed: run 'make deps' (apt-get update)"
	[ -n "${file:-}" ] || die "apt cannot download $pkg: run 'make deps' (apt-get update)"
	if [ -f "$DEBS/$file" ] && [ "$(stat -c %s "$DEBS/$file")" = "$size" ]; then
		printf '%s\n' "$DEBS/$file"
		return 0
	fi
	say "downloading $pkg ($((size / 1048576)) MiB)" >&2
	log=$(mktemp)
	# As root, apt warns that its sandbox user (_apt) cannot write into our
	# cache and downloads as root anyway: ask for that directly.
	local sandbox=()
	[ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
	if ! (cd "$DEBS" && apt-get download -q "${sandbox[@]}" "$pkg") >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "apt-get download $pkg failed (is the mirror reachable? 'make deps' runs apt-get update)"
	fi
	rm -f "$log"
	[ -f "$DEBS/$file" ] || die "apt-get download $pkg did not produce $file"
	printf '%s\n' "$DEBS/$file"
}

# Rewrite the absolute include of the -common Makefile so that
# 'make -C <unpacked headers> M=...' works without installing anything.
fix_headers() { # root abi
	local root=$1 abi=$2 mk inc rel
	mk=$root/usr/src/linux-headers-$abi/Makefile
	[ -f "$mk" ] || die "$mk missing after unpacking linux-headers-$abi"
	inc=$(sed -n 's/^include \(\/usr\/src\/linux-headers-[^ ]*\/Makefile\)$/\1/p' "$mk")
	if [ -n "$inc" ]; then
		[ -f "$root$inc" ] || die "$mk includes $inc, which is not in the unpacked packages"
		# $(dir $(lastword $(MAKEFILE_LIST))) is the headers dir: stay relocatable.
		rel=${inc#/usr/src/}
		sed -i "s|^include $inc\$|include \$(dir \$(lastword \$(MAKEFILE_LIST)))../$rel|" "$mk"
	fi
	grep -q '^include /' "$mk" && die "$mk still includes an absolute path: $(grep '^include /' "$mk")"
	return 0
}

# Extract the ELF kernel from a bzImage (like the kernel's extract-vmlinux),
# keeping it only if QEMU can boot it: it must have a PVH entry point (the
# Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY, 18).
extract_vmlinux() { # vmlinuz out
	python3 - "$1" "$2" <<'PY'
import gzip, lzma, struct, subprocess, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, "rb").read()
if data[0x202:0x206] != b"HdrS":
    sys.exit("not a bzImage")
pm = ((data[0x1f1] or 4) + 1) * 512        # protected-mode code: after the setup sectors
off, length = struct.unpack_from("<II", data, 0x248)   # payload_offset, payload_length
payload = data[pm + off:pm + off + length]
size = struct.unpack_from("<I", payload, len(payload) - 4)[0]   # appended by the kernel build
if payload.startswith(b"\xfd7zXZ\x00"):
    elf = lzma.LZMADecompressor().decompress(payload)
elif payload.startswith(b"\x28\xb5\x2f\xfd"):
    elf = subprocess.run(["zstd", "-dcq"], input=payload[:-4], stdout=subprocess.PIPE).stdout
elif payload.startswith(b"\x1f\x8b"):
    elf = gzip.decompress(payload[:-4])
else:
    sys.exit("compression %r not handled" % payload[:4])
if not elf.startswith(b"\x7fELF\x02\x01") or len(elf) != size:
    sys.exit("decompression failed")
phoff, = struct.unpack_from("<Q", elf, 0x20)
phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
pvh = False
for i in range(phnum):
    ptype, _, poff, _, _, filesz = struct.unpack_from("<IIQQQQ", elf, phoff + i * phentsize)
    if ptype != 4:  # PT_NOTE
        continue
    p, end = poff, poff + filesz
    while p + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", elf, p)
        if elf[p + 12:p + 12 + namesz].rstrip(b"\0") == b"Xen" and ntype == 18:
            pvh = True
        p += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3)
if not pvh:
    sys.exit("no PVH entry point")
with open(out, "wb") as f:
    f.write(elf)
PY
}

# --- one kernel --------------------------------------------------------------
fetch_one() { # tag abi
	local tag=$1 abi=$2 dir=$OUT/$1 stamp tmp pkgs pkg deb debs=()
	stamp=$dir/.stamp-$abi
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "layout=$LAYOUT" ]; then
		return 0
	fi
	mkdir -p "$DEBS" "$OUT"
	# One fetch at a time (parallel makes, several checkouts sharing a cache).
	exec 9>"$OUT/.lock"
	flock 9
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "layout=$LAYOUT" ]; then
		exec 9>&-
		return 0
	fi
	pkgs=$(packages_for "$abi")
	for pkg in $pkgs; do
		deb=$(fetch_deb "$pkg")
		debs+=("$deb")
	done
	say "unpacking $tag ($abi) into ${dir#"$TOP"/}/root"
	tmp=$OUT/.$tag.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp/root"
	for deb in "${debs[@]}"; do
		dpkg -x "$deb" "$tmp/root" || die "dpkg -x $deb failed"
	done
	[ -f "$tmp/root/boot/vmlinuz-$abi" ] || die "linux-image-$abi has no boot/vmlinuz-$abi"
	# Newer packages may ship usr/lib/modules only (merged /usr).
	if [ ! -d "$tmp/root/lib/modules/$abi" ] && [ -d "$tmp/root/usr/lib/modules/$abi" ]; then
		[ -e "$tmp/root/lib" ] || ln -s usr/lib "$tmp/root/lib"
	fi
	[ -d "$tmp/root/lib/modules/$abi/kernel" ] || die "linux-image-$abi has no lib/modules/$abi/kernel"
	fix_headers "$tmp/root" "$abi"
	# The build and source symlinks are absolute (/usr/src/...): make them
	# point into this tree.
	local l
	for l in build source; do
		if [ -L "$tmp/root/lib/modules/$abi/$l" ]; then
			ln -sfn "../../../usr/src/linux-headers-$abi" "$tmp/root/lib/modules/$abi/$l"
		fi
	done
	# modules.dep and friends are made by the package's postinst: make them.
	"$DEPMOD" -b "$tmp/root" "$abi" || die "depmod -b $tmp/root $abi failed"
	[ -f "$tmp/root/lib/modules/$abi/modules.dep" ] || die "depmod made no modules.dep for $abi"
	local why
	if ! why=$(extract_vmlinux "$tmp/root/boot/vmlinuz-$abi" "$tmp/vmlinux" 2>&1); then
		say "note: no vmlinux for $tag (${why##*$'\n'}): guests will boot vmlinuz (slower)"
		rm -f "$tmp/vmlinux"
	fi
	printf '%s\n' "$abi" >"$tmp/abi"
	printf '%s\n' "${debs[@]##*/}" >"$tmp/packages"
	printf 'layout=%s\n' "$LAYOUT" >"$tmp/.stamp-$abi"
	rm -rf "$dir"
	mv "$tmp" "$dir"
	exec 9>&-
	say "$tag ready: $abi"
	CHANGED=1
}

# Drop cached kernel packages that none of our kernels uses any more (an
# older ABI): about 100 MB each.
prune_cache() {
	local keep f
	keep=$(cat "$OUT"/*/packages 2>/dev/null || true)
	for f in "$DEBS"/linux-*.deb; do
		[ -f "$f" ] || continue
		grep -qxF "${f##*/}" <<<"$keep" || { say "removing unused ${f##*/} from the cache"; rm -f "$f"; }
	done
}

for arg in "$@"; do
	case $arg in
	?*=?*) ;;
	*) die "bad argument '$arg': expected TAG=ABI (is build/kernels.mk missing? run 'make deps')" ;;
	esac
	fetch_one "${arg%%=*}" "${arg#*=}"
done
if [ "$CHANGED" = 1 ]; then
	prune_cache
fi
