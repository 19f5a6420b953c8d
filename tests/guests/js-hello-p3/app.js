// js-hello-p3: componentize-qjs (QuickJS) fixture; exports wasi:cli/run@0.3.0 (async run) and
// writes "hello from js p3" via wasi:cli/stdout@0.3.0#write-via-stream (QuickJS has no console).
import stdout from "wasi:cli/stdout@0.3.0";

function ascii(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
}

export const run = {
  async run() {
    const { readable, writable } = wit.Stream(wit.Stream.U8);
    // write-via-stream hands the readable end to the host and returns a future.
    const done = stdout.writeViaStream(readable);
    await writable.writeAll(ascii("hello from js p3\n"));
    writable.drop();
    const result = await done.read();
    if (result && result.tag === "err") {
      throw result.val;
    }
  },
};
