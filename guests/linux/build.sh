#!/usr/bin/env bash
# Build Samsara Replay's Linux test guest: a riscv64 Linux 6.1 kernel (Debian's linux-source-6.1)
# with our static /init (init.c) in a built-in initramfs, plus a 1 MiB test disk.
#
# usage: guests/linux/build.sh [--jobs N] [--verbose] [--no-install]
#
#   --jobs N      parallel make jobs (default: the number of CPUs)
#   --verbose     show the kernel build's output instead of only logging it
#   --no-install  never run apt-get; fail if a package is missing
#   --config-only stop after making and checking the configuration (build-KEY/.config)
#
# Everything goes into a cache directory outside the repository,
# ${SAMSARA_CACHE:-$HOME/.cache/samsara}/linux:
#   src-VERSION/linux-source-6.1/  the unpacked source (once per linux-source-6.1 package version)
#   build-KEY/                     an out-of-tree build (make O=...), KEY = hash of config.fragment,
#                                  init.c, this script, the package version and the cross compiler
#   build-KEY/build.log            the log of every step
#   disk.img                       the test disk (make-disk.sh)
#   latest.env                     the manifest: paths of the last good build (KEY='value' lines)
# A second run with the same inputs finds build-KEY finished and only prints the paths.
# Missing Debian packages are installed with apt-get (as root, or through sudo).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ME=guests/linux/build.sh
CACHE=${SAMSARA_CACHE:-$HOME/.cache/samsara}/linux
CROSS=riscv64-linux-gnu-
SOURCE_PKG=linux-source-6.1
PACKAGES=("$SOURCE_PKG" gcc-riscv64-linux-gnu libc6-dev-riscv64-cross gcc libc6-dev make flex bison bc
  libssl-dev libelf-dev cpio xz-utils perl)

die() {
  echo "$ME: error: $*" >&2
  exit 1
}
note() { echo "$ME: $*" >&2; }

JOBS=$(nproc 2>/dev/null || echo 2)
VERBOSE=0
INSTALL=1
CONFIG_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"; JOBS=$2; shift 2 ;;
    --jobs=*) JOBS=${1#--jobs=}; [[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"; shift ;;
    --verbose) VERBOSE=1; shift ;;
    --no-install) INSTALL=0; shift ;;
    --config-only) CONFIG_ONLY=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
mkdir -p "$CACHE" || die "cannot create the cache directory $CACHE"
CACHE=$(cd "$CACHE" && pwd)
case "$CACHE" in *"'"*) die "the cache path must not contain a single quote: $CACHE" ;; esac
command -v dpkg-query >/dev/null && command -v apt-get >/dev/null ||
  die "this script uses Debian's packages (dpkg-query and apt-get not found)"

# ---- packages ----

missing=()
for p in "${PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ $INSTALL = 1 ] || die "missing Debian packages: ${missing[*]} (apt-get install --no-install-recommends ${missing[*]})"
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo); else
    die "missing Debian packages: ${missing[*]}; run as root or install them: apt-get install --no-install-recommends ${missing[*]}"
  fi
  note "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -q >&2 || die "apt-get update failed"
  "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi
VERSION=$(dpkg-query -W -f='${Version}' "$SOURCE_PKG") || die "cannot read the version of $SOURCE_PKG"
TARBALL=/usr/src/$SOURCE_PKG.tar.xz
[ -f "$TARBALL" ] || die "$TARBALL is missing although $SOURCE_PKG $VERSION is installed"
command -v "${CROSS}gcc" >/dev/null || die "${CROSS}gcc not found"

# ---- the build key ----

for f in config.fragment init.c; do [ -f "$HERE/$f" ] || die "$HERE/$f is missing"; done
KEY=$({
  echo "$SOURCE_PKG $VERSION"
  "${CROSS}gcc" --version | head -n1
  for f in config.fragment init.c build.sh; do echo "== $f"; cat "$HERE/$f"; done
} | sha256sum | cut -c1-16)
SRC_PARENT=$CACHE/src-$VERSION
SRC=$SRC_PARENT/$SOURCE_PKG
B=$CACHE/build-$KEY
IMAGE=$B/arch/riscv/boot/Image
VMLINUX=$B/vmlinux
DISK=$CACHE/disk.img
LOG=$B/build.log

exec 9>"$CACHE/.lock"
if ! flock -n 9; then
  note "another build is running in $CACHE; waiting for it"
  flock 9
fi

finish() {
  DISK=$("$HERE/make-disk.sh" "$DISK") || die "making the disk image $DISK failed"
  local tmp
  tmp=$(mktemp "$CACHE/latest.env.XXXXXX")
  {
    echo "# Written by $ME: the last Linux test guest it built or found built."
    echo "SAMSARA_LINUX_IMAGE='$IMAGE'"
    echo "SAMSARA_LINUX_VMLINUX='$VMLINUX'"
    echo "SAMSARA_LINUX_DISK='$DISK'"
    echo "SAMSARA_LINUX_BUILD_DIR='$B'"
    echo "SAMSARA_LINUX_KEY='$KEY'"
    echo "SAMSARA_LINUX_SOURCE_VERSION='$VERSION'"
  } >"$tmp"
  mv -f "$tmp" "$CACHE/latest.env"
  echo "Image:    $IMAGE"
  echo "vmlinux:  $VMLINUX"
  echo "disk:     $DISK"
  echo "manifest: $CACHE/latest.env"
}

if [ -f "$B/.samsara-built" ] && [ -f "$IMAGE" ] && [ -f "$VMLINUX" ]; then
  finish
  exit 0
fi

# ---- from here on, the slow path: every step is logged ----

mkdir -p "$B"
: >"$LOG"
failed_step=
on_error() {
  echo "$ME: error: $failed_step failed; the last lines of $LOG:" >&2
  tail -n 40 "$LOG" | sed 's/^/  | /' >&2
  exit 1
}
step() { # step DESCRIPTION COMMAND...: run COMMAND with its output in the log
  failed_step=$1
  shift
  note "$failed_step"
  echo "==== $failed_step: $*" >>"$LOG"
  if [ $VERBOSE = 1 ]; then
    "$@" 2>&1 | tee -a "$LOG" >&2 || on_error
  else
    "$@" >>"$LOG" 2>&1 || on_error
  fi
}
START=$(date +%s)

# The source, unpacked once per package version (into a temporary directory first, so that an
# interrupted unpack is never mistaken for a finished one).
if [ ! -f "$SRC/Makefile" ]; then
  rm -rf "$SRC_PARENT.tmp"
  mkdir -p "$SRC_PARENT.tmp"
  step "unpacking $TARBALL into $SRC_PARENT" tar -xf "$TARBALL" -C "$SRC_PARENT.tmp"
  [ -f "$SRC_PARENT.tmp/$SOURCE_PKG/Makefile" ] || die "$TARBALL did not contain $SOURCE_PKG/Makefile"
  rm -rf "$SRC_PARENT"
  mv "$SRC_PARENT.tmp" "$SRC_PARENT"
fi

# /init and the initramfs contents.
R=$B/initramfs
mkdir -p "$R"
step "compiling init.c" "${CROSS}gcc" -static -O2 -Wall -Wextra -pthread -o "$R/init" "$HERE/init.c"
echo "Samsara Replay test guest: this line is /etc/motd, read from the initramfs." >"$R/motd"
# Fixed times, so that the same inputs give the same kernel: gen_init_cpio keeps the files' mtimes
# and uses KBUILD_BUILD_TIMESTAMP for the rest, and the kernel's version string shows it too.
STAMP="Mon Jan  1 00:00:00 UTC 2024"
touch -d "$STAMP" "$R/init" "$R/motd"
cat >"$R/initramfs.list" <<EOF
# gen_init_cpio list of the Samsara Replay test guest's initramfs (written by $ME)
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /etc 0755 0 0
file /etc/motd $R/motd 0644 0 0
file /init $R/init 0755 0 0
EOF

# The configuration: tinyconfig, our fragment on top, olddefconfig, then check that every line of
# the fragment is still there.
KMAKE=(make -C "$SRC" O="$B" ARCH=riscv CROSS_COMPILE="$CROSS"
  KBUILD_BUILD_USER=samsara KBUILD_BUILD_HOST=samsara KBUILD_BUILD_TIMESTAMP="$STAMP")
FRAG=$B/samsara.fragment
sed "s|@INITRAMFS_LIST@|$R/initramfs.list|" "$HERE/config.fragment" >"$FRAG"
step "make tinyconfig" "${KMAKE[@]}" tinyconfig
failed_step="merging config.fragment"
note "$failed_step"
(cd "$B" && "$SRC/scripts/kconfig/merge_config.sh" -m -O "$B" "$B/.config" "$FRAG") >>"$LOG" 2>&1 || on_error
step "make olddefconfig" "${KMAKE[@]}" olddefconfig

lost=()
while IFS= read -r line; do
  case "$line" in
    CONFIG_*=*)
      sym=${line%%=*}
      if ! grep -qxF -- "$line" "$B/.config"; then
        got=$(grep -E "^$sym=|^# $sym is not set" "$B/.config" || true)
        lost+=("$line (got: ${got:-not in .config})")
      fi
      ;;
    "# CONFIG_"*" is not set")
      sym=${line#\# }
      sym=${sym%% *}
      got=$(grep -E "^$sym=" "$B/.config" || true)
      [ -z "$got" ] || lost+=("$line (got: $got)")
      ;;
  esac
done <"$FRAG"
if [ ${#lost[@]} -gt 0 ]; then
  {
    echo "$ME: error: olddefconfig did not keep ${#lost[@]} line(s) of guests/linux/config.fragment"
    echo "  (a dependency is missing or another option selects it; see $B/.config):"
    printf '  %s\n' "${lost[@]}"
  } >&2
  exit 1
fi
note "the configuration keeps every line of config.fragment"
if [ $CONFIG_ONLY = 1 ]; then
  echo "config: $B/.config"
  exit 0
fi

# scripts_gdb: vmlinux-gdb.py and its modules beside vmlinux (CONFIG_GDB_SCRIPTS), for gdb's lx-* commands.
step "building Image and vmlinux (make -j$JOBS; log: $LOG)" "${KMAKE[@]}" -j"$JOBS" Image vmlinux scripts_gdb
for f in "$IMAGE" "$VMLINUX" "$B/vmlinux-gdb.py"; do [ -e "$f" ] || die "the build finished but $f is missing"; done
touch "$B/.samsara-built"
note "built in $(($(date +%s) - START)) s"
finish
