/**
 * The keyword gate (issue 3 item 2). Every rule lists lowercase literals that each of
 * its true matches contains (rule.ts). All keywords of all enabled rules are compiled
 * once into one automaton; one pass over a string tells which rules can possibly match
 * it, and only those rules' regexes run. On ordinary log text most strings contain no
 * keyword at all, so the common case costs one pass and no regex.
 *
 * Two implementations, measured side by side by bench/redact.mjs:
 *
 * - Aho-Corasick (Aho & Corasick 1975, "Efficient string matching", CACM 18(6)) over
 *   UTF-16 code units, with the goto/failure functions flattened into one dense
 *   transition table (a DFA). ASCII upper-case letters share the columns of their
 *   lower-case forms, so case folding costs nothing and no lower-cased copy of the
 *   text is made. One table load and one compare per character. This is the default.
 * - One case-insensitive regex, `(?=(kw1|kw2|...))`, advanced one position at a time so
 *   overlapping keywords are all seen. Kept as the measured alternative.
 */

export interface KeywordGate {
  /**
   * Writes to `out` the index (into the keyword sets given at build) of every rule with a
   * keyword in `text`, each index once, and returns how many. `out` must have room for
   * every rule. Rules whose keyword set is empty never appear. (A preallocated typed
   * array: resetting a JS array's length is a runtime call on V8's hot path.)
   */
  candidates(text: string, out: Int32Array): number;
  /** Length of the shortest keyword (a shorter string cannot contain any). */
  readonly minKeywordLength: number;
}

export type GateKind = 'aho-corasick' | 'regex';

export function buildKeywordGate(keywordSets: readonly (readonly string[])[], kind: GateKind = 'aho-corasick'): KeywordGate {
  return kind === 'regex' ? new RegexGate(keywordSets) : new AhoCorasickGate(keywordSets);
}

/** keyword (lowercased) -> rule indices that list it. */
function keywordTable(keywordSets: readonly (readonly string[])[]): Map<string, number[]> {
  const table = new Map<string, number[]>();
  keywordSets.forEach((set, rule) => {
    for (const raw of set) {
      const kw = raw.toLowerCase();
      if (kw.length === 0) continue;
      const list = table.get(kw);
      if (list === undefined) table.set(kw, [rule]);
      else if (!list.includes(rule)) list.push(rule);
    }
  });
  return table;
}

function shortest(table: Map<string, number[]>): number {
  let min = Infinity;
  for (const kw of table.keys()) if (kw.length < min) min = kw.length;
  return min;
}

/** Dedupes rule indices per call without allocating: a stamp per rule. */
class Stamps {
  private readonly seen: Uint32Array;
  private epoch = 0;
  constructor(n: number) {
    this.seen = new Uint32Array(n);
  }
  next(): number {
    if (this.epoch === 0xffffffff) {
      this.seen.fill(0);
      this.epoch = 0;
    }
    return ++this.epoch;
  }
  mark(rule: number, epoch: number): boolean {
    if (this.seen[rule] === epoch) return false;
    this.seen[rule] = epoch;
    return true;
  }
}

class AhoCorasickGate implements KeywordGate {
  readonly minKeywordLength: number;
  /** Row width: 128 ASCII columns plus one per distinct non-ASCII keyword character. */
  private readonly width: number;
  /** delta[stateOffset + column] = next state's offset (state id * width). */
  private readonly delta: Int32Array;
  /** States are renumbered so that every state with output has offset >= outFrom. */
  private readonly outFrom: number;
  /** Rule indices reported by output state (offset / width - first output id). */
  private readonly outputs: Int32Array[];
  private readonly firstOut: number;
  /** Column of each non-ASCII code unit that occurs in a keyword (0 = "no keyword has it"). */
  private readonly extra: Map<number, number>;
  private readonly stamps: Stamps;
  private readonly gatedRules: number;

  constructor(keywordSets: readonly (readonly string[])[]) {
    const table = keywordTable(keywordSets);
    this.minKeywordLength = shortest(table);
    this.stamps = new Stamps(keywordSets.length);
    this.gatedRules = keywordSets.filter((s) => s.length > 0).length;

    // Columns. NUL (column 0) occurs in no keyword, so it doubles as "any other char".
    this.extra = new Map();
    let width = 128;
    const used = new Set<number>();
    for (const kw of table.keys()) {
      for (let i = 0; i < kw.length; i++) {
        const c = kw.charCodeAt(i);
        used.add(c);
        if (c > 0x7f && !this.extra.has(c)) this.extra.set(c, width++);
      }
    }
    // Non-ASCII code units that lower-case to a keyword character share its column
    // (KELVIN SIGN -> 'k', LATIN CAPITAL SHARP S -> 'ß'), so folding stays per character.
    for (const [c, lc] of lowerPairs()) {
      if (!used.has(lc)) continue;
      this.extra.set(c, lc > 0x7f ? this.extra.get(lc)! : lc);
    }
    this.width = width;
    const colOf = (c: number): number => (c > 0x7f ? (this.extra.get(c) ?? 0) : c);

    // 1. Trie (goto function), with the rule set ending at each node.
    const gotoT: Map<number, number>[] = [new Map()];
    const out: Set<number>[] = [new Set()];
    for (const [kw, rules] of table) {
      let s = 0;
      for (let i = 0; i < kw.length; i++) {
        const col = colOf(kw.charCodeAt(i));
        let nx = gotoT[s]!.get(col);
        if (nx === undefined) {
          nx = gotoT.length;
          gotoT.push(new Map());
          out.push(new Set());
          gotoT[s]!.set(col, nx);
        }
        s = nx;
      }
      for (const r of rules) out[s]!.add(r);
    }
    const n = gotoT.length;

    // 2. Failure links in BFS order; outputs inherit along them; complete the DFA.
    const fail = new Int32Array(n);
    const dense = new Int32Array(n * width); // state ids for now
    const order: number[] = [0];
    for (const [col, nx] of gotoT[0]!) {
      dense[col] = nx;
      fail[nx] = 0;
      order.push(nx);
    }
    for (let qi = 1; qi < order.length; qi++) {
      const s = order[qi]!;
      for (const r of out[fail[s]!]!) out[s]!.add(r);
      const row = s * width;
      const frow = fail[s]! * width;
      for (let col = 0; col < width; col++) dense[row + col] = dense[frow + col]!;
      for (const [col, nx] of gotoT[s]!) {
        dense[row + col] = nx;
        fail[nx] = dense[frow + col]!;
        order.push(nx);
      }
    }
    // Upper-case ASCII letters take the columns of their lower-case forms.
    for (let s = 0; s < n; s++) {
      const row = s * width;
      for (let c = 0x41; c <= 0x5a; c++) dense[row + c] = dense[row + c + 0x20]!;
    }

    // 3. Renumber: states without output first (root stays 0), then states with output.
    const ids = new Int32Array(n);
    let next = 0;
    for (let s = 0; s < n; s++) if (out[s]!.size === 0) ids[s] = next++;
    this.firstOut = next;
    this.outputs = [];
    for (let s = 0; s < n; s++) {
      if (out[s]!.size > 0) {
        ids[s] = next++;
        this.outputs.push(Int32Array.from([...out[s]!].sort((a, b) => a - b)));
      }
    }
    this.delta = new Int32Array(n * width);
    for (let s = 0; s < n; s++) {
      const from = s * width;
      const to = ids[s]! * width;
      for (let col = 0; col < width; col++) this.delta[to + col] = ids[dense[from + col]!]! * width;
    }
    this.outFrom = this.firstOut * width;
  }

  candidates(text: string, out: Int32Array): number {
    const delta = this.delta;
    const outFrom = this.outFrom;
    const hasExtra = this.extra.size > 0;
    let s = 0;
    let found = 0;
    let epoch = 0;
    for (let i = 0, n = text.length; i < n; i++) {
      let c = text.charCodeAt(i);
      if (c > 0x7f) c = hasExtra ? (this.extra.get(c) ?? 0) : 0;
      s = delta[s + c]!;
      if (s >= outFrom) {
        if (epoch === 0) epoch = this.stamps.next();
        const rules = this.outputs[s / this.width - this.firstOut]!;
        for (let k = 0; k < rules.length; k++) {
          const r = rules[k]!;
          if (this.stamps.mark(r, epoch)) out[found++] = r;
        }
        if (found === this.gatedRules) return found; // every gated rule will run anyway
      }
    }
    return found;
  }
}

let pairs: [number, number][] | undefined;

/**
 * Every non-ASCII UTF-16 code unit whose toLowerCase() is one different code unit, built
 * on first use (about 1,400 pairs; a few milliseconds once per process).
 */
function lowerPairs(): [number, number][] {
  if (pairs !== undefined) return pairs;
  pairs = [];
  for (let c = 0x80; c <= 0xffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const lc = String.fromCharCode(c).toLowerCase();
    if (lc.length === 1 && lc.charCodeAt(0) !== c) pairs.push([c, lc.charCodeAt(0)]);
  }
  return pairs;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

class RegexGate implements KeywordGate {
  readonly minKeywordLength: number;
  private readonly re: RegExp | null;
  /** keyword -> its rules plus the rules of every keyword that is a prefix of it. */
  private readonly rulesOf = new Map<string, number[]>();
  private readonly stamps: Stamps;

  constructor(keywordSets: readonly (readonly string[])[]) {
    const table = keywordTable(keywordSets);
    this.minKeywordLength = shortest(table);
    this.stamps = new Stamps(keywordSets.length);
    const kws = [...table.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    for (const kw of kws) {
      const rules = new Set<number>();
      for (const [other, rs] of table) if (kw.startsWith(other)) for (const r of rs) rules.add(r);
      this.rulesOf.set(kw, [...rules]);
    }
    // Longest first: at one position the alternation takes the first alternative that
    // matches, and the prefix closure above covers the shorter keywords it hides.
    // 'u' makes 'i' use Unicode simple case folding (ẞ matches ß, KELVIN SIGN matches k).
    this.re = kws.length === 0 ? null : new RegExp(`(?=(${kws.map(escapeRegex).join('|')}))`, 'giu');
  }

  candidates(text: string, out: Int32Array): number {
    const re = this.re;
    if (re === null) return 0;
    re.lastIndex = 0;
    let epoch = 0;
    let found = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
      if (epoch === 0) epoch = this.stamps.next();
      const rules = this.rulesOf.get((m[1] as string).toLowerCase());
      if (rules !== undefined) for (const r of rules) if (this.stamps.mark(r, epoch)) out[found++] = r;
      // Zero-width match: step on one code unit so overlapping keywords are seen. (With
      // 'u', a lastIndex inside a surrogate pair is moved back to its start, so step a pair.)
      const c = text.charCodeAt(m.index);
      re.lastIndex = m.index + (c >= 0xd800 && c <= 0xdbff ? 2 : 1);
    }
    return found;
  }
}
