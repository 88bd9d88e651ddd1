#!/usr/bin/env bash
# Make the Linux test guest's disk: 1 MiB, zero-filled, with a marker string at the start of
# sector 0 that the guest's /init reads from /dev/vda and prints.
#
# usage: guests/linux/make-disk.sh [FILE]
#   FILE defaults to ${SAMSARA_CACHE:-$HOME/.cache/samsara}/linux/disk.img. The file is rewritten
#   only if its contents differ from what this script makes. Prints the path.
set -euo pipefail

MARKER='SAMSARA-DISK-MARKER: sector 0 of the Samsara Replay test disk'
SIZE=$((1024 * 1024))

out=${1:-${SAMSARA_CACHE:-$HOME/.cache/samsara}/linux/disk.img}
mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
printf '%s\n' "$MARKER" >"$tmp"
truncate -s "$SIZE" "$tmp"
if [ -f "$out" ] && cmp -s "$tmp" "$out"; then
  rm -f "$tmp"
else
  chmod 644 "$tmp"
  mv -f "$tmp" "$out"
fi
trap - EXIT
echo "$out"
