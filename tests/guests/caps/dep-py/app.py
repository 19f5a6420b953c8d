"""The fixture's dependency in Python: reports what it sees."""

import os

from wit_world import exports


class Probe(exports.Probe):
    def probe(self, path: str, var: str) -> str:
        try:
            with open(path) as f:
                file = f.read().strip()
        except OSError:
            file = "denied"
        return f"file={file} env={os.environ.get(var, 'unset')}"
