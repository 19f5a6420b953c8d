// Runs the app transpiled by `wcomp build --target node` (jco {{jco}}), as
// `wcomp run` does: `node run.mjs ARGS...`. Made by wcomp; rebuilt on each
// `wcomp build --target node`.
//
// Node 20's V8 has the extended-const proposal behind a flag, and the
// transpiled core modules use it; the flag is set before they compile.
import { setFlagsFromString } from "node:v8";
import { _setArgs, _setEnv } from "@bytecodealliance/preview2-shim/cli";
import { _setPreopens } from "@bytecodealliance/preview2-shim/filesystem";

setFlagsFromString("--experimental-wasm-extended-const");

// Deny by default, like `wcomp run`: the shim would otherwise hand the app
// the whole host filesystem (`/`) and every environment variable.
_setPreopens({});
_setEnv({});
_setArgs([{{argv0}}, ...process.argv.slice(2)]);

const { run } = await import("./app.js");
try {
  run.run();
} catch (error) {
  // `run` returning `err` is thrown by jco's bindings; `exit` calls
  // `process.exit` itself.
  console.error(error?.payload !== undefined ? `error: ${error.message}` : error);
  process.exitCode = 1;
}
