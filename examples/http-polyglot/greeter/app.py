"""`greeter`: implements `demo:http-polyglot/greeting` in Python (componentize-py)."""

from wit_world import exports


class Greeting(exports.Greeting):
    def greet(self, name: str) -> str:
        return f"Hello, {name}, from Python!"
