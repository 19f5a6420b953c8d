"""The `{{name}}` component: an HTTP handler (wasi:http/proxy@0.2.12).

`GET /` greets, `POST /echo` sends the request body back, anything else is
404. Build with `wcomp build`, serve with `wcomp serve`.
"""

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    IncomingRequest,
    Method_Get,
    Method_Post,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

TEXT = b"text/plain; charset=utf-8"


class IncomingHandler(exports.IncomingHandler):
    def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
        method = request.method()
        path = (request.path_with_query() or "/").split("?")[0]
        if isinstance(method, Method_Get) and path == "/":
            respond(response_out, 200, TEXT, b"Hello from Python!\n")
        elif isinstance(method, Method_Post) and path == "/echo":
            content_type = request.headers().get("content-type") or [b"application/octet-stream"]
            respond(response_out, 200, content_type[0], read_body(request))
        else:
            respond(response_out, 404, TEXT, b"Not found\n")


def read_body(request: IncomingRequest) -> bytes:
    """The whole request body."""
    body = request.consume()
    chunks = []
    with body.stream() as stream:
        while True:
            try:
                chunks.append(stream.blocking_read(64 * 1024))
            except Err as e:
                if isinstance(e.value, StreamError_Closed):
                    break
                raise
    IncomingBody.finish(body)
    return b"".join(chunks)


def respond(response_out: ResponseOutparam, status: int, content_type: bytes, body: bytes) -> None:
    """Sends a complete response."""
    response = OutgoingResponse(Fields.from_list([("content-type", content_type)]))
    response.set_status_code(status)
    outgoing = response.body()
    ResponseOutparam.set(response_out, Ok(response))
    with outgoing.write() as stream:
        # blocking-write-and-flush takes at most 4096 bytes per call.
        for start in range(0, len(body), 4096):
            stream.blocking_write_and_flush(body[start : start + 4096])
    OutgoingBody.finish(outgoing, None)
