"""py-hello: componentize-py fixture; a WASI 0.2 command (exports wasi:cli/run@0.2.12) printing "hello from python"."""

import sys

from wit_world import exports


class Run(exports.Run):
    def run(self) -> None:
        print("hello from python")
        sys.stdout.flush()
