// The `{{name}}` component: an HTTP handler (wasi:http/proxy@0.2.12), built
// with componentize-js (`jco componentize`). `GET /` greets, `POST /echo`
// sends the request body back, anything else is 404. Build with
// `wcomp build`, serve with `wcomp serve`.
import {
  Fields,
  IncomingBody,
  OutgoingBody,
  OutgoingResponse,
  ResponseOutparam,
} from "wasi:http/types@0.2.12";

const TEXT = "text/plain; charset=utf-8";
const encoder = new TextEncoder();

export const incomingHandler = {
  handle(request, responseOut) {
    const method = request.method();
    const path = (request.pathWithQuery() ?? "/").split("?")[0];
    if (method.tag === "get" && path === "/") {
      respond(responseOut, 200, TEXT, encoder.encode("Hello from JavaScript!\n"));
    } else if (method.tag === "post" && path === "/echo") {
      const [contentType = "application/octet-stream"] = request.headers().get("content-type");
      respond(responseOut, 200, contentType, readBody(request));
    } else {
      respond(responseOut, 404, TEXT, encoder.encode("Not found\n"));
    }
  },
};

// The whole request body.
function readBody(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  for (;;) {
    try {
      chunks.push(stream.blockingRead(65536n));
    } catch (e) {
      // A `result` error is thrown as a ComponentError carrying it as `payload`.
      if (e.payload?.tag === "closed") break;
      throw e;
    }
  }
  stream[Symbol.dispose]();
  IncomingBody.finish(body);
  return concat(chunks);
}

// Sends a complete response.
function respond(responseOut, status, contentType, body) {
  const value = typeof contentType === "string" ? encoder.encode(contentType) : contentType;
  const response = new OutgoingResponse(Fields.fromList([["content-type", value]]));
  response.setStatusCode(status);
  const outgoing = response.body();
  ResponseOutparam.set(responseOut, { tag: "ok", val: response });
  const stream = outgoing.write();
  // blocking-write-and-flush takes at most 4096 bytes per call.
  for (let at = 0; at < body.length; at += 4096) {
    stream.blockingWriteAndFlush(body.subarray(at, at + 4096));
  }
  stream[Symbol.dispose]();
  OutgoingBody.finish(outgoing, undefined);
}

function concat(chunks) {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}
