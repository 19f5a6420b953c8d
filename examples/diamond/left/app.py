"""`left` (Python): bumps the shared counter and reports the total it got back."""

from wit_world import exports
from wit_world.imports import counter


class Left(exports.Left):
    def bump(self) -> str:
        # `counter` is whichever instance composition plugged in: the same
        # one `right` uses, so the total includes right's bumps too.
        return f"left  (python) bumped the counter to {counter.increment('left')}"
