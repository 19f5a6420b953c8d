"""The `{{name}}` component: an HTTP handler (wasi:http/service@0.3.0).

`GET /` greets, `POST /echo` streams the request body back, anything else is
404. Build with `wcomp build`, serve with `wcomp serve`.
"""

import componentize_py_async_support
import wit_world
from componentize_py_async_support.streams import ByteStreamWriter
from componentize_py_types import Ok
from wit_world import exports
from wit_world.imports.wasi_http_types import Fields, Method_Get, Method_Post, Request, Response


class Handler(exports.Handler):
    async def handle(self, request: Request) -> Response:
        method = request.get_method()
        path = (request.get_path_with_query() or "/").split("?")[0]
        if isinstance(method, Method_Get) and path == "/":
            return text(200, b"Hello from Python!\n")
        if isinstance(method, Method_Post) and path == "/echo":
            return echo(request)
        return text(404, b"Not found\n")


def text(status: int, body: bytes) -> Response:
    """A plain-text response. Its body is written by a task that runs once
    the response is returned and the host reads it."""
    tx, rx = wit_world.byte_stream()
    componentize_py_async_support.spawn(write_all(tx, body))
    headers = Fields.from_list([("content-type", b"text/plain; charset=utf-8")])
    response = Response.new(headers, rx, no_trailers())[0]
    response.set_status_code(status)
    return response


def echo(request: Request) -> Response:
    """The request's body and trailers, handed straight back as the response's."""
    headers = [h for h in request.get_headers().copy_all() if h[0] == "content-type"]
    body, trailers = Request.consume_body(request, handled())
    return Response.new(Fields.from_list(headers), body, trailers)[0]


async def write_all(tx: ByteStreamWriter, data: bytes) -> None:
    with tx:
        await tx.write_all(data)


def no_trailers():
    """A future that resolves to `ok(none)`: the body has no trailers."""
    return wit_world.result_option_wasi_http_types_fields_wasi_http_types_error_code_future(lambda: Ok(None))[1]


def handled():
    """A future that resolves to `ok`: the request was handled without error."""
    return wit_world.result_unit_wasi_http_types_error_code_future(lambda: Ok(None))[1]
