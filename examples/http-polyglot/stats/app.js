// `stats`: implements `demo:http-polyglot/textstats` in JavaScript
// (componentize-js). A WIT record is a plain object; `option<string>` is a
// string or undefined.

export const textstats = {
  summarize(text) {
    const words = text.split(/\s+/).filter((w) => w.length > 0);
    let longest;
    for (const w of words) if (longest === undefined || w.length > longest.length) longest = w;
    return { words: words.length, chars: [...text].length, longest };
  },
};
