// The `{{name}}` component: an HTTP handler (wasi:http/handler@0.3.0), built
// with componentize-qjs. `GET /` greets, `POST /echo` streams the request
// body back, anything else is 404. Build with `wcomp build`, serve with
// `wcomp serve`.
import { Fields, Request, Response } from "wasi:http/types@0.3.0";

export const handler = {
  async handle(request) {
    const method = request.getMethod();
    const path = (request.getPathWithQuery() ?? "/").split("?")[0];
    if (method.tag === "get" && path === "/") {
      return text(200, "Hello from JavaScript!\n");
    }
    if (method.tag === "post" && path === "/echo") {
      return echo(request);
    }
    return text(404, "Not found\n");
  },
};

// A plain-text response. Its body is written once the host reads it.
function text(status, body) {
  const { readable, writable } = wit.Stream(wit.Stream.U8);
  writable.writeAll(ascii(body)).then(() => writable.drop());
  const headers = Fields.fromList([["content-type", ascii("text/plain; charset=utf-8")]]);
  const [response] = Response.new(headers, readable, resolved(wit.Future.RESULT_OPTION_OTHER_ERROR_CODE, { tag: "ok", val: null }));
  response.setStatusCode(status);
  return response;
}

// The request's body and trailers, handed straight back as the response's.
function echo(request) {
  const headers = Fields.fromList(request.getHeaders().copyAll().filter(([name]) => name === "content-type"));
  const handled = resolved(wit.Future.RESULT_VOID_ERROR_CODE, { tag: "ok" });
  const [body, trailers] = Request.consumeBody(request, handled);
  const [response] = Response.new(headers, body, trailers);
  return response;
}

// A future already holding `value`. The type constants are named by
// componentize-qjs from the WIT: `future<result<option<trailers>,
// error-code>>` is RESULT_OPTION_OTHER_ERROR_CODE, `future<result<_,
// error-code>>` is RESULT_VOID_ERROR_CODE.
function resolved(type, value) {
  const { readable, writable } = wit.Future(type);
  writable.write(value);
  return readable;
}

// The bytes of an ASCII string (this QuickJS has no TextEncoder).
function ascii(s) {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
