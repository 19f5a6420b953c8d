// `rot13` (JavaScript, componentize-qjs): rotates ASCII letters by 13 places
// as they stream by. An async generator returned from an async export
// becomes the output `stream<u8>`; iterating a `stream<u8>` yields bounded
// Uint8Array chunks, so only one chunk is in memory at a time.

// One lookup per byte, built once: cheaper than arithmetic in QuickJS.
const TABLE = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let r = b;
  if (b >= 65 && b <= 90) r = ((b - 65 + 13) % 26) + 65; // A-Z
  else if (b >= 97 && b <= 122) r = ((b - 97 + 13) % 26) + 97; // a-z
  TABLE[b] = r;
}

export const rot13 = {
  async rot13(data) {
    return (async function* () {
      for await (const chunk of data) {
        const out = new Uint8Array(chunk.length);
        for (let i = 0; i < chunk.length; i++) out[i] = TABLE[chunk[i]];
        yield out;
      }
    })();
  },
};
