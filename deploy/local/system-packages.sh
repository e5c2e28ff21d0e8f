#!/usr/bin/env bash
# Debian packages the services need at run time beyond Python's: a TrueType font with Vietnamese glyphs
# for the PDF forms (receipt slip, control sheet, apology letter). Installed only when missing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
if [[ -f "$FONT" ]]; then exit 0; fi
[[ "$(id -u)" == 0 ]] || { log "missing $FONT: apt-get install fonts-dejavu-core (as root)"; exit 1; }
log "installing Debian's fonts-dejavu-core (Vietnamese glyphs for PDF forms)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq fonts-dejavu-core >/dev/null
