"""py-lib: componentize-py library fixture exporting wcomp:test/greet (string, record, enum, list, option, result)."""

from typing import List

from wit_world import exports
from wit_world.exports.greet import Person, Tone
from componentize_py_types import Err


class Greet(exports.Greet):
    def greet(self, name: str) -> str:
        return f"hello, {name}!"

    def greet_person(self, who: Person, how: Tone) -> str:
        base = f"hello, {who.name}"
        if who.age is not None:
            base += f" ({who.age})"
        if who.tags:
            base += " [" + ", ".join(who.tags) + "]"
        if how == Tone.EXCITED:
            return base.upper() + "!!!"
        if how == Tone.WHISPER:
            return "psst... " + base.lower()
        return base + "!"

    def greet_all(self, names: List[str]) -> List[str]:
        return [self.greet(n) for n in names]

    def total_age(self, people: List[Person]) -> int:
        if not people:
            raise Err("no people")
        return sum(p.age for p in people if p.age is not None)
