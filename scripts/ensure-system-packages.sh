#!/usr/bin/env bash
# System packages the Python code needs at run time, in tests and in the benchmarks (not on
# PyPI); each is installed only when missing.
# - fonts-liberation2: Liberation Serif, metric-compatible with Times New Roman (the font
#   Decree 30/2020/NĐ-CP prescribes) and covering every Vietnamese letter in all four styles;
#   dantoc/analytics/documents.py embeds it in the PDF reports.
# - ffmpeg (with ffprobe): the media pipeline (dantoc/media) probes uploaded audio and video
#   and makes their phone-sized derivatives with it.
# - wrk: the HTTP load generator of benchmarks/portal_load.py (and `make bench`).
# - janus: the Janus WebRTC Server (VideoRoom) of the online meetings (dantoc/meetings),
#   started by scripts/serve.sh and by the meetings tests on loopback.
set -euo pipefail
FONT_DIR=/usr/share/fonts/truetype/liberation2
missing=""
for style in Regular Bold Italic BoldItalic; do
  if [ ! -f "$FONT_DIR/LiberationSerif-$style.ttf" ]; then missing="fonts-liberation2"; fi
done
if ! command -v ffmpeg >/dev/null 2>&1 || ! command -v ffprobe >/dev/null 2>&1; then
  missing="$missing ffmpeg"
fi
if ! command -v wrk >/dev/null 2>&1; then missing="$missing wrk"; fi
if ! command -v janus >/dev/null 2>&1; then missing="$missing janus"; fi
missing="${missing# }"
if [ -z "$missing" ]; then
  exit 0
fi
echo "Installing Debian's $missing (PDF reports, media pipeline, meetings, benchmarks)..."
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086  # one word per package
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
ls "$FONT_DIR"/LiberationSerif-Regular.ttf
ffmpeg -hide_banner -version | head -n 1
command -v wrk
command -v janus
