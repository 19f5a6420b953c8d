// js-lib: jco componentize (ComponentizeJS / StarlingMonkey) library fixture exporting
// wcomp:test/greet (same WIT as py-lib): string, record, enum, list, option and result types.
// Built with `-d all`, so the component has no WASI imports at all.

function greetOne(name) {
  return `hello, ${name}!`;
}

export const greet = {
  greet(name) {
    return greetOne(name);
  },

  // who: { name: string, age: number | undefined, tags: string[] }, how: "plain" | "excited" | "whisper"
  greetPerson(who, how) {
    let base = `hello, ${who.name}`;
    if (who.age !== undefined && who.age !== null) base += ` (${who.age})`;
    if (who.tags.length > 0) base += ` [${who.tags.join(", ")}]`;
    switch (how) {
      case "excited":
        return base.toUpperCase() + "!!!";
      case "whisper":
        return "psst... " + base.toLowerCase();
      default:
        return base + "!";
    }
  },

  greetAll(names) {
    return names.map(greetOne);
  },

  // result<u64, string>: return the ok value (u64 is a BigInt in jco), throw the error payload.
  totalAge(people) {
    if (people.length === 0) throw "no people";
    let sum = 0n;
    for (const p of people) {
      if (p.age !== undefined && p.age !== null) sum += BigInt(p.age);
    }
    return sum;
  },
};
