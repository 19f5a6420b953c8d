"""`count` (Python, componentize-py): passes bytes through unchanged while
counting bytes and lines; the summary goes out through a future once the
input ends.
"""

from typing import Tuple

import componentize_py_async_support
import wit_world
from componentize_py_async_support.futures import FutureReader
from componentize_py_async_support.streams import ByteStreamReader
from wit_world import exports
from wit_world.exports.count import Summary

CHUNK = 64 * 1024


class Count(exports.Count):
    async def count(self, data: ByteStreamReader) -> Tuple[ByteStreamReader, FutureReader[Summary]]:
        out_tx, out_rx = wit_world.byte_stream()
        # The default is what the reader gets if we never write the future.
        summary_tx, summary_rx = wit_world.count_summary_future(lambda: Summary(bytes=0, lines=0))

        async def pump() -> None:
            total = lines = 0
            # `with` drops each handle promptly: closing out_tx is what tells
            # the next stage the stream has ended.
            with data, out_tx:
                while not data.writer_dropped:
                    chunk = await data.read(CHUNK)
                    total += len(chunk)
                    lines += chunk.count(b"\n")
                    await out_tx.write_all(chunk)
                    if out_tx.reader_dropped:
                        break
            await summary_tx.write(Summary(bytes=total, lines=lines))

        # The caller needs our return value before any bytes can flow, so the
        # pumping runs after the return, in the same component-model task.
        componentize_py_async_support.spawn(pump())
        return out_rx, summary_rx
