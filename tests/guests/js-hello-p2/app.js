// js-hello-p2: jco componentize (ComponentizeJS / StarlingMonkey) fixture; a WASI 0.2 command
// exporting wasi:cli/run@0.2.12 that prints "hello from js" with console.log.
export const run = {
  run() {
    console.log("hello from js");
  },
};
