#!/usr/bin/env bash
# The HTML report renders in a real browser: headless Chromium screenshots the demo's report
# and the picture must hold drawn content (not a blank or error page). Skipped (77) where
# Chromium is not installed (Debian: apt-get install chromium).
#   render.sh LIQD SOURCE_DIR [SCREENSHOT.png]
set -u
liqd=$1
src=$2
keep=${3:-}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
	echo "skipped: no chromium on this machine (apt-get install chromium)"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -E '^(asset|instrument|tier|param|fund) ' "$src/tools/demo/population.scn" >"$tmp/cfg.scn"
"$liqd" replay --shock 40 --accounts 20000 --seed 5 --config "$tmp/cfg.scn" \
	--report "$tmp/report.html" "$src/tools/demo/btcusdt_20230405.pcap.gz" >/dev/null ||
	{ echo "FAIL: liqd replay --report exited $?"; exit 1; }
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
	--screenshot="$tmp/shot.png" --window-size=1400,2400 "file://$tmp/report.html" \
	>"$tmp/chromium.log" 2>&1
if [ ! -s "$tmp/shot.png" ]; then
	echo "FAIL: chromium wrote no screenshot:"
	tail -n 5 "$tmp/chromium.log"
	exit 1
fi
[ -n "$keep" ] && cp "$tmp/shot.png" "$keep"
# decode the PNG (8-bit RGB/RGBA, the filters undone) and measure what is not background
python3 - "$tmp/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, color = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and color in (2, 6), (depth, color)
bpp = 3 if color == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, rows = bytearray(stride), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(line); prev = line
ink = colored = 0
for line in rows[::4]:
    for x in range(0, w, 4):
        r, g, b = line[x * bpp:x * bpp + 3]
        ink += (r + g + b) < 600
        colored += max(r, g, b) - min(r, g, b) > 60
total = (h // 4 + 1) * (w // 4 + 1)
ok = ink > total * 0.01 and colored > total * 0.003
print(f"screenshot {w}x{h}: {100 * ink / total:.1f}% drawn, {100 * colored / total:.2f}% in colour:",
      "ok" if ok else "BLANK?")
sys.exit(0 if ok else 1)
PY
