# shellcheck shell=bash
# Sourced, not run: points Net-SNMP's tools and libsmi's smilint at LVS-MIB and the base MIBs that
# scripts/install-deps.sh puts in .cache/mibs. Afterwards `snmpwalk -m LVS-MIB ...`, `snmptranslate -m LVS-MIB ...`
# and `smilint mibs/LVS-MIB.txt` resolve names.
#
#   . scripts/mib-env.sh

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  echo "mib-env.sh: source this file (. scripts/mib-env.sh), do not run it" >&2
  exit 1
fi

LVS_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export LVS_REPO_ROOT
export LVS_MIB_FILE="$LVS_REPO_ROOT/mibs/LVS-MIB.txt"
export LVS_BASE_MIB_DIR="$LVS_REPO_ROOT/.cache/mibs"

# Net-SNMP: search path for MIB files (replaces the compiled-in default; the Debian MIBs stay on it last).
export MIBDIRS="$LVS_REPO_ROOT/mibs:$LVS_BASE_MIB_DIR:/usr/share/snmp/mibs"
# Net-SNMP: modules loaded without -m. The environment overrides Debian's /etc/snmp/snmp.conf (`mibs :`, load
# none). No leading '+': that would add Net-SNMP's compiled-in default list, whose IETF MIBs Debian does not ship.
# Output then reads LVS-MIB::lvsVersion.0; bare names need -IR (else they are taken as relative to mib-2).
export MIBS="LVS-MIB"

# libsmi (smilint, smidump): module search path, ours first.
export SMIPATH="$LVS_REPO_ROOT/mibs:$LVS_BASE_MIB_DIR:/usr/share/snmp/mibs"

if [[ ! -s "$LVS_BASE_MIB_DIR/SNMPv2-SMI.txt" || ! -s "$LVS_BASE_MIB_DIR/INET-ADDRESS-MIB.txt" ]]; then
  echo "mib-env.sh: base MIBs missing in $LVS_BASE_MIB_DIR; run scripts/install-deps.sh" >&2
fi
