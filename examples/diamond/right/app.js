// `right` (JavaScript, componentize-qjs): bumps the shared counter and
// reports the total it got back.
import { increment } from "diamond:app/counter";

export const right = {
  bump() {
    // The same counter instance as `left`'s, so totals interleave.
    return `right (js)     bumped the counter to ${increment("right")}`;
  },
};
