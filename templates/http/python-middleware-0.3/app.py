"""The `{{name}}` component: HTTP middleware (wasi:http/middleware@0.3.0).

It passes each request to the handler it imports and adds an `x-middleware`
header to the response.
"""

import wit_world
from componentize_py_types import Ok
from wit_world import exports
from wit_world.imports import handler
from wit_world.imports.wasi_http_types import Request, Response


class Handler(exports.Handler):
    async def handle(self, request: Request) -> Response:
        upstream = await handler.handle(request)
        # A response's headers are immutable; `clone` gives a mutable copy.
        headers = upstream.get_headers().clone()
        headers.append("x-middleware", b"{{name}}")
        status = upstream.get_status_code()
        body, trailers = Response.consume_body(upstream, handled())
        response = Response.new(headers, body, trailers)[0]
        response.set_status_code(status)
        return response


def handled():
    """A future that resolves to `ok`: the response was handled without error."""
    return wit_world.result_unit_wasi_http_types_error_code_future(lambda: Ok(None))[1]
