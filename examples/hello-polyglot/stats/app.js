// `stats`: implements `hello:polyglot/textstats` in JavaScript (componentize-js).
//
// A WIT record is a plain object ({ word, count }), a variant is
// { tag, val }, and `option<string>` is a string or undefined.

function words(text) {
  return text.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 0);
}

export const textstats = {
  wordCounts(text) {
    const counts = new Map();
    for (const w of words(text)) counts.set(w, (counts.get(w) ?? 0) + 1);
    // Sorted explicitly so the output does not depend on Map order.
    return [...counts]
      .map(([word, count]) => ({ word, count }))
      .sort((a, b) => b.count - a.count || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  },

  measure(text) {
    const n = words(text).length;
    if (n === 0) return { tag: "empty" };
    return n <= 5 ? { tag: "short", val: n } : { tag: "long", val: n };
  },

  longestWord(text) {
    let best;
    for (const w of words(text)) if (best === undefined || w.length > best.length) best = w;
    return best; // undefined is `none`
  },
};
