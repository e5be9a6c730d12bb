#!/bin/sh
# Start vnet at boot (docs/operations.md, "Starting at boot"): go to the install
# directory and run vnet with the config.ini found there.
# The directory is $VNET_HOME when set, otherwise the directory holding this
# script (copy it next to the vnet binary and config.ini).
if [ -n "$VNET_HOME" ]; then
  dir=$VNET_HOME
else
  dir=$(cd "$(dirname "$0")" && pwd)
fi
cd "$dir" || { echo "vnet.sh: cannot cd to $dir" >&2; exit 1; }
exec ./vnet config.ini
