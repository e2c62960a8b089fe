#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make deps: idempotent set-up of everything Sinan's build and tests need on
# Debian 12 (and other apt-based distributions).
#
#  - installs only the packages that are missing;
#  - enables deb-src (to fetch QEMU's source package) and the backports suite
#    (for the second test kernel) by copying the URIs and keyring of the
#    machine's existing apt sources: no mirror host name lives in this file.
#
# Exit status is non-zero, with a message saying why, when it cannot work
# (no apt, not root and no sudo, a package that cannot be found).
set -euo pipefail

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 ||
	die "this is not an apt-based system (no apt-get/dpkg-query); install the packages listed in scripts/deps.sh by hand"

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO=sudo
	fi
fi
need_root() {
	[ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ] ||
		die "$1 needs root: run 'make deps' as root or give this user password-less sudo"
}

# shellcheck disable=SC1091
. /etc/os-release
CODENAME=${VERSION_CODENAME:-}
[ -n "$CODENAME" ] || die "/etc/os-release has no VERSION_CODENAME"
BPO=${CODENAME}-backports

# The packages, one group per purpose. Keep in sync with docs/building.md.
PKGS_BUILD="build-essential pkg-config git ca-certificates dpkg-dev xz-utils zstd"
PKGS_LIB="zlib1g-dev libdrm-dev libelf-dev libcmocka-dev libprotobuf-c-dev protobuf-c-compiler libopenblas-dev"
PKGS_VM="busybox-static cpio kmod pciutils"
PKGS_QEMU="ninja-build meson libglib2.0-dev libpixman-1-dev libfdt-dev libcap-ng-dev flex bison python3-venv python3 qemu-system-data seabios ipxe-qemu"
PKGS_LINT="sparse linux-source-6.1 clang libclang-rt-14-dev valgrind"
PKGS_DATA="libonnx-testdata dataset-fashion-mnist python3-numpy python3-onnx python3-torch gnuplot-nox"
PKGS_BENCH="nodejs npm"
PKGS="$PKGS_BUILD $PKGS_LIB $PKGS_VM $PKGS_QEMU $PKGS_LINT $PKGS_DATA ${SINAN_DEPS_EXTRA:-}"
if [ "${SINAN_DEPS_BENCH:-0}" = 1 ]; then
	# A nodejs that bundles its own npm (NodeSource's) conflicts with Debian's npm package.
	if command -v npm >/dev/null 2>&1; then PKGS="$PKGS ${PKGS_BENCH/npm/}"; else PKGS="$PKGS $PKGS_BENCH"; fi
fi

run_apt() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o Dpkg::Use-Pty=0 -q "$@"; }

# --- apt sources -------------------------------------------------------------
# Print "URIS<TAB>SIGNED-BY" of the entry that carries $CODENAME main.
base_source() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v cn="$CODENAME" '
			function flush() {
				if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " cn " ") && comps ~ /main/)
					{ print uris "\t" signed; found = 1; exit }
				types = suites = comps = uris = signed = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			{ key = $1; sub(/:$/, "", key); $1 = ""; sub(/^ /, "");
			  if (key == "Types") types = $0; else if (key == "Suites") suites = $0;
			  else if (key == "Components") comps = $0; else if (key == "URIs") uris = $0;
			  else if (key == "Signed-By") signed = $0 }
			END { if (!found) flush() }' "$f" && return 0
	done | head -n 1
}
base_source_list() {
	# one-line format: deb [opts] URI suite components
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v cn="$CODENAME" '
			$1 == "deb" {
				signed = ""; i = 2
				if ($2 ~ /^\[/) {
					while (i <= NF) { if ($i ~ /signed-by=/) { s = $i; sub(/.*signed-by=/, "", s); sub(/\]$/, "", s); signed = s }
					  if ($i ~ /\]$/) { i++; break } i++ }
				}
				if ($(i + 1) == cn) { print $i "\t" signed; exit }
			}' "$f"
	done | head -n 1
}

SRC_FILE=/etc/apt/sources.list.d/sinan-deps.sources
# Text of the apt sources other than ours.
other_sources() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$SRC_FILE" ] && grep -v '^[[:space:]]*#' "$f"
	done
	return 0
}
# deb-src for the release: a deb-src line, or a deb822 stanza whose Types has deb-src
# and whose Suites has the codename.
others_have_src() {
	# awk reads all of its input: no SIGPIPE under pipefail.
	other_sources | awk -v cn="$CODENAME" '
		$1 == "deb-src" && $3 == cn { found = 1 }
		/^Types:/ { t = $0 } /^Suites:/ { s = " " $0 " " }
		/^[[:space:]]*$/ { if (t ~ /deb-src/ && s ~ (" " cn " ")) found = 1; t = s = "" }
		END { if (t ~ /deb-src/ && s ~ (" " cn " ")) found = 1; exit !found }'
}
others_have_bpo() { local t; t=$(other_sources); grep -q -- "$BPO" <<<"$t"; }

ensure_sources() {
	local want_src=0 want_bpo=0 line uris signed content
	others_have_src || want_src=1
	others_have_bpo || want_bpo=1
	content=
	if [ $want_src = 1 ] || [ $want_bpo = 1 ]; then
		line=$(base_source)
		[ -n "$line" ] || line=$(base_source_list)
		[ -n "$line" ] || die "cannot find an apt source for '$CODENAME main' to derive deb-src/backports entries from; add them by hand"
		uris=${line%%$'\t'*}
		signed=${line#*$'\t'}
		content=$(
			if [ $want_src = 1 ]; then
				printf 'Types: deb-src\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$uris" "$CODENAME" "$CODENAME"
				[ -n "$signed" ] && printf 'Signed-By: %s\n' "$signed"
				printf '\n'
			fi
			if [ $want_bpo = 1 ]; then
				printf 'Types: deb deb-src\nURIs: %s\nSuites: %s\nComponents: main\n' "$uris" "$BPO"
				[ -n "$signed" ] && printf 'Signed-By: %s\n' "$signed"
			fi
		)
	fi
	# Up to date (or nothing needed and nothing of ours there)?
	if [ -z "$content" ]; then
		[ -f "$SRC_FILE" ] || return 0
	elif [ -f "$SRC_FILE" ] && [ "$(cat "$SRC_FILE")" = "$content" ]; then
		return 0
	fi
	need_root "writing $SRC_FILE"
	if [ -z "$content" ]; then
		$SUDO rm -f "$SRC_FILE"
	else
		say "enabling$([ $want_src = 1 ] && echo ' deb-src')$([ $want_bpo = 1 ] && echo " $BPO") from the existing sources ($SRC_FILE)"
		printf '%s\n' "$content" | $SUDO tee "$SRC_FILE" >/dev/null
	fi
	run_apt update
	UPDATED=1
}

# --- kernels ---------------------------------------------------------------
# The test kernels' ABI names: what linux-image-amd64 points at in the
# release and in backports.
kernel_abi() { # $1: "" or backports suite
	local t=()
	[ -n "$1" ] && t=(-t "$1")
	apt-cache "${t[@]}" depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}

# --- main --------------------------------------------------------------------
UPDATED=0
ensure_sources

K61=$(kernel_abi "")
K612=$(kernel_abi "$BPO")
[ -n "$K61" ] || die "cannot resolve the $CODENAME kernel (apt-cache depends linux-image-amd64)"
[ -n "$K612" ] || die "cannot resolve the $BPO kernel (apt-cache -t $BPO depends linux-image-amd64)"
# The test kernels' headers are unpacked into build/ by scripts/fetch-kernels.sh
# (installing the 6.12 headers would pull its image onto the host); what they
# need to build modules is installed here: the dependencies of the headers
# package and of its kbuild package (compiler, pahole for BTF, libraries),
# without the kernel packages themselves.
kbuild_deps() { # $1: kernel ABI, $2: "" or backports suite
	local t=() hdr kb
	[ -n "$2" ] && t=(-t "$2")
	hdr=$(apt-cache "${t[@]}" depends "linux-headers-$1" 2>/dev/null | sed -n 's/^ *|\{0,1\}Depends: //p')
	kb=$(grep -o '^linux-kbuild-[^ ]*' <<<"$hdr" | head -n 1)
	{
		printf '%s\n' "$hdr"
		[ -n "$kb" ] && apt-cache "${t[@]}" depends "$kb" 2>/dev/null | sed -n 's/^ *|\{0,1\}Depends: //p'
	} | grep -v -E '^(<|linux-(image|headers|kbuild|base))' | sort -u | tr '\n' ' '
}
KDEPS=$(kbuild_deps "$K61" "")
KDEPS_BPO=$(kbuild_deps "$K612" "$BPO")
[ -n "$KDEPS" ] && [ -n "$KDEPS_BPO" ] || die "cannot resolve what the test kernels' headers need (apt-cache depends)"
# Installed from the release (not -t backports): plain libraries and tools.
PKGS="$PKGS $KDEPS $KDEPS_BPO"
PKGS_BPO=""

missing() {
	# One dpkg-query for all: names it does not know are missing too.
	local st
	st=$(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
	local p out=()
	for p in "$@"; do
		grep -q "^$p install ok installed\$" <<<"$st" || out+=("$p")
	done
	echo "${out[@]:-}"
}

# shellcheck disable=SC2086
MISS=$(missing $PKGS)
# shellcheck disable=SC2086
MISS_BPO=$(missing $PKGS_BPO)
if [ -n "$MISS" ] || [ -n "$MISS_BPO" ]; then
	need_root "installing packages ($MISS $MISS_BPO)"
	[ $UPDATED = 1 ] || run_apt update
	if [ -n "$MISS" ]; then
		say "installing: $MISS"
		# shellcheck disable=SC2086
		run_apt install -y --no-install-recommends $MISS
	fi
	if [ -n "$MISS_BPO" ]; then
		say "installing from $BPO: $MISS_BPO"
		# shellcheck disable=SC2086
		run_apt install -y --no-install-recommends -t "$BPO" $MISS_BPO
	fi
fi

# make bench: ONNX Runtime's CPU library from npm, into the build tree. Its
# install script would download more binaries from a host that may not be
# reachable; the Linux x64 CPU library is already inside the package.
ORT_NODE_VERSION=1.30.0
if [ "${SINAN_DEPS_BENCH:-0}" = 1 ]; then
	ORT_DIR=${BUILD:-$PWD/build}/bench/node
	have=$(cd / && node -p "require('$ORT_DIR/node_modules/onnxruntime-node/package.json').version" 2>/dev/null || true)
	if [ "$have" != "$ORT_NODE_VERSION" ]; then
		say "installing onnxruntime-node@$ORT_NODE_VERSION into $ORT_DIR (npm install --ignore-scripts)"
		mkdir -p "$ORT_DIR"
		npm install --ignore-scripts --no-audit --no-fund --no-save --loglevel=error --prefix "$ORT_DIR" \
			"onnxruntime-node@$ORT_NODE_VERSION" >/dev/null ||
			die "npm install onnxruntime-node@$ORT_NODE_VERSION failed (make bench needs it for B4)"
	fi
fi

# Tell the build which kernels these are.
if [ -n "${SINAN_KERNELS_FILE:-}" ]; then
	mkdir -p "$(dirname "$SINAN_KERNELS_FILE")"
	printf 'K61=%s\nK612=%s\n' "$K61" "$K612" >"$SINAN_KERNELS_FILE.tmp"
	# Only touch it when it changes: make re-reads (and restarts for) a new file.
	if cmp -s "$SINAN_KERNELS_FILE.tmp" "$SINAN_KERNELS_FILE"; then
		rm -f "$SINAN_KERNELS_FILE.tmp"
	else
		mv "$SINAN_KERNELS_FILE.tmp" "$SINAN_KERNELS_FILE"
	fi
fi
say "ok (kernels: $K61, $K612)"
