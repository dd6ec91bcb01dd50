#!/usr/bin/env node
// Draws media/icon.png (128x128): a magnifying lens over three token bars, anti-aliased by
// supersampling. Pure Node (zlib), so the icon can be rebuilt anywhere: node scripts/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const N = 128;
const S = 4; // supersampling factor
const bg = [0xd9, 0x77, 0x57]; // warm clay
const fg = [0xff, 0xf8, 0xf0];
const bar = [0x2b, 0x1d, 0x16];

function inRoundedSquare(x, y) {
  const r = 24, m = 4;
  const cx = Math.min(Math.max(x, m + r), N - m - r);
  const cy = Math.min(Math.max(y, m + r), N - m - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= m && y >= m && x <= N - m && y <= N - m;
}

function colorAt(x, y) {
  if (!inRoundedSquare(x, y)) return null;
  const lx = 54, ly = 54, ro = 30, ri = 23;
  const d = Math.hypot(x - lx, y - ly);
  // Handle: a thick segment from the lens rim towards the bottom right.
  const t = Math.max(0, Math.min(1, ((x - 76) * 1 + (y - 76) * 1) / (2 * 30 * 30) * 30));
  const hx = 76 + t * 30, hy = 76 + t * 30;
  if (Math.hypot(x - hx, y - hy) <= 8) return fg;
  if (d <= ro && d >= ri) return fg;
  if (d < ri) {
    // Three token bars of different lengths inside the lens.
    const bars = [[40, 44, 68], [50, 38, 62], [60, 42, 72]];
    for (const [by, x0, x1] of bars) if (y >= by - 3 && y <= by + 3 && x >= x0 && x <= x1) return bar;
    return [0xfb, 0xe6, 0xda];
  }
  return bg;
}

const raw = Buffer.alloc(N * (N * 4 + 1));
for (let y = 0; y < N; y++) {
  raw[y * (N * 4 + 1)] = 0;
  for (let x = 0; x < N; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
      const c = colorAt(x + (sx + 0.5) / S, y + (sy + 0.5) / S);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a += 1; }
    }
    const o = y * (N * 4 + 1) + 1 + x * 4;
    raw[o] = a ? r / a : 0; raw[o + 1] = a ? g / a : 0; raw[o + 2] = a ? b / a : 0; raw[o + 3] = (255 * a) / (S * S);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => { let c = 0xffffffff; for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
  return Buffer.concat([len, td, c]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(N, 0); ihdr.writeUInt32BE(N, 4); ihdr[8] = 8; ihdr[9] = 6;
const png = Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`media/icon.png: ${png.length} bytes`);
