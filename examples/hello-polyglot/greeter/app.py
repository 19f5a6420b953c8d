"""`greeter`: implements `hello:polyglot/greeting` in Python (componentize-py).

WIT records arrive as dataclasses, enums as Python enums, `option<u32>` as
`Optional[int]`, and a `result` error is raised as `componentize_py_types.Err`.
"""

from typing import List

from componentize_py_types import Err
from wit_world import exports
from wit_world.exports.greeting import Person, Tone


class Greeting(exports.Greeting):
    def greet(self, who: Person, how: Tone) -> str:
        line = f"hello, {who.name}"
        if who.age is not None:
            line += f" ({who.age})"
        if who.tags:
            line += " [" + ", ".join(who.tags) + "]"
        if how == Tone.EXCITED:
            return line.upper() + "!!!"
        if how == Tone.WHISPER:
            return "psst... " + line.lower()
        return line + "."

    def total_age(self, people: List[Person]) -> int:
        ages = [p.age for p in people if p.age is not None]
        if not ages:
            # Becomes the `err` case of `result<u32, string>` on the caller's side.
            raise Err("no known ages among " + ", ".join(p.name for p in people))
        return sum(ages)
