#!/bin/sh
# deps.sh - make sure Debian packages are installed, the same way for
# `make test` and `make bench`.
#
#   sh scripts/deps.sh PACKAGE...
#
# As root, missing packages are installed with apt-get (after one update).
# Otherwise the exact command to run is printed and the exit status is 1.
set -u

missing=""
for pkg in "$@"; do
	dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "missing packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || exit 1
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1
