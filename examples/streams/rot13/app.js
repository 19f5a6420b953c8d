// `rot13` (JavaScript, componentize-qjs): rotates ASCII letters by 13 places
// as they stream by. An async generator returned from an async export
// becomes the output `stream<u8>`; iterating a `stream<u8>` yields bounded
// Uint8Array chunks, so only one chunk is in memory at a time.
//
// QuickJS interprets every loop iteration, so the work per byte is what
// costs: each chunk is rotated in place, four bytes per iteration, through
// a table of every pair of bytes (64 Ki entries, built once).

// One byte.
const TABLE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let r = b;
  if (b >= 65 && b <= 90) r = ((b - 65 + 13) % 26) + 65; // A-Z
  else if (b >= 97 && b <= 122) r = ((b - 97 + 13) % 26) + 97; // a-z
  TABLE[b] = r;
}

// Two bytes, as a little-endian 16-bit value (wasm is little-endian).
const PAIRS = new Int32Array(65536);
for (let v = 0; v < 65536; v++) PAIRS[v] = TABLE[v & 255] | (TABLE[v >> 8] << 8);

// Rotates `chunk` in place: bytes one by one up to a 4-byte boundary, then
// whole 32-bit words, then the last few bytes.
function rotate(chunk) {
  const n = chunk.length;
  let i = 0;
  for (const head = (4 - (chunk.byteOffset & 3)) & 3; i < head && i < n; i++) {
    chunk[i] = TABLE[chunk[i]];
  }
  const count = (n - i) >> 2;
  const words = new Int32Array(chunk.buffer, chunk.byteOffset + i, count);
  for (let k = 0; k < count; k++) {
    const w = words[k];
    words[k] = PAIRS[w & 0xffff] | (PAIRS[w >>> 16] << 16);
  }
  for (i += count << 2; i < n; i++) chunk[i] = TABLE[chunk[i]];
  return chunk;
}

export const rot13 = {
  async rot13(data) {
    return (async function* () {
      for await (const chunk of data) yield rotate(chunk);
    })();
  },
};
