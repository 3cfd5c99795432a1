// Writes assets/icon.png, the bundle's 512x512 icon: a calendar page (a blue header with two rings, a grid of days,
// one day marked) drawn from rounded rectangles and circles, 4x4 supersampled, as an RGBA PNG through zlib. No image
// library: the picture is a few shapes. Run: node scripts/icon.mjs [path]
import { Buffer } from 'node:buffer';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const size = 512;
const out = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'icon.png');

const blue = [37, 99, 235];
const darkBlue = [29, 78, 216];
const white = [255, 255, 255];
const grey = [203, 213, 225];
const ink = [30, 41, 59];

/** Inside a rounded rectangle (x, y: top left; r: corner radius)? */
const roundRect = (x, y, w, h, r) => (px, py) => {
  const dx = Math.max(x + r - px, 0, px - (x + w - r));
  const dy = Math.max(y + r - py, 0, py - (y + h - r));
  return px >= x && px <= x + w && py >= y && py <= y + h && dx * dx + dy * dy <= r * r;
};
const circle = (cx, cy, r) => (px, py) => (px - cx) ** 2 + (py - cy) ** 2 <= r * r;

// Painted in order, the last shape that covers a point wins.
const card = { x: 56, y: 72, w: 400, h: 392 };
const shapes = [
  [roundRect(card.x, card.y, card.w, card.h, 56), white],
  [roundRect(card.x, card.y, card.w, 120, 56), blue],
  [(px, py) => py >= card.y + 64 && py <= card.y + 120 && px >= card.x && px <= card.x + card.w, blue],
  [roundRect(card.x + 96, card.y - 36, 36, 84, 18), ink],
  [roundRect(card.x + card.w - 132, card.y - 36, 36, 84, 18), ink],
];
// Three rows of four days under the header; the second row's third day is the booked one.
for (let row = 0; row < 3; row++) {
  for (let col = 0; col < 4; col++) {
    const x = card.x + 40 + col * 84;
    const y = card.y + 152 + row * 74;
    const booked = row === 1 && col === 2;
    shapes.push([roundRect(x, y, 64, 54, 12), booked ? darkBlue : grey]);
  }
}
shapes.push([circle(card.x + 40 + 2 * 84 + 32, card.y + 152 + 74 + 27, 11), white]);
// The outline of the card, over the shapes: a thin ring between two rounded rectangles.
const outer = roundRect(card.x - 6, card.y - 6, card.w + 12, card.h + 12, 62);
const inner = roundRect(card.x, card.y, card.w, card.h, 56);

const samples = 4;
const raw = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) {
  raw[y * (size * 4 + 1)] = 0; // filter: none
  for (let x = 0; x < size; x++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < samples; sy++) {
      for (let sx = 0; sx < samples; sx++) {
        const px = x + (sx + 0.5) / samples;
        const py = y + (sy + 0.5) / samples;
        let colour;
        if (outer(px, py) && !inner(px, py)) colour = darkBlue;
        for (const [inside, c] of shapes) if (inside(px, py)) colour = c;
        if (!colour) continue;
        sum[0] += colour[0];
        sum[1] += colour[1];
        sum[2] += colour[2];
        sum[3] += 255;
      }
    }
    const n = samples * samples;
    const covered = sum[3] / 255;
    const o = y * (size * 4 + 1) + 1 + x * 4;
    // Straight (not premultiplied) alpha: the colour is the average of the covered samples.
    raw[o] = covered ? Math.round(sum[0] / covered) : 0;
    raw[o + 1] = covered ? Math.round(sum[1] / covered) : 0;
    raw[o + 2] = covered ? Math.round(sum[2] / covered) : 0;
    raw[o + 3] = Math.round(sum[3] / n);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8; // bit depth
header[9] = 6; // colour type: RGBA
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, png);
process.stdout.write(`wrote ${out} (${size}x${size}, ${png.length} bytes)\n`);
