/**
 * Path rules in pino's redaction syntax (the one fast-redact and @pinojs/redact parse),
 * plus `**` for "any number of keys, including none":
 *
 *   a.b            key b inside key a
 *   a["x-y"].c     bracket form for keys that are not identifiers ('...' works too)
 *   a[0]           array index 0 (the same as key "0", as in pino)
 *   a.*.b  a[*]    any one key or index
 *   **.password    password at any depth, including the top level
 *
 * All paths of a policy (redact paths, allow paths, strict keep paths) are compiled once
 * into one trie. The walker then runs it as a lazily built DFA: each DFA state is a set
 * of trie nodes, and its transitions are cached per key, so a record whose keys were
 * seen before costs one Map lookup per key and never allocates.
 */

import { LogSealError } from '../errors.js';

/** One parsed segment. `star` = one key, `glob` = zero or more keys. */
export type PathSegment = { kind: 'key'; key: string } | { kind: 'star' } | { kind: 'glob' };

/** What a path stands for in the policy. */
export type PathRole = 'redact' | 'allow' | 'keep';

const IDENT_STOP = new Set(['.', '[', ']', '"', "'", '`']);

function syntaxError(path: string, at: number, why: string): never {
  throw new LogSealError('LOGSEAL_ERR_PATH_SYNTAX', `redaction path ${JSON.stringify(path)}: ${why} at offset ${at}`);
}

/** Parses one path; throws LOGSEAL_ERR_PATH_SYNTAX naming the path and the offset. */
export function parsePath(path: string): PathSegment[] {
  if (typeof path !== 'string' || path.length === 0) syntaxError(String(path), 0, 'empty path');
  const out: PathSegment[] = [];
  let i = 0;
  const n = path.length;
  let expectSegment = true; // at the start or right after a '.'
  while (i < n) {
    const c = path[i] as string;
    if (c === '[') {
      i++;
      const q = path[i];
      if (q === '"' || q === "'") {
        let key = '';
        i++;
        for (;;) {
          if (i >= n) syntaxError(path, i, 'unterminated quoted key');
          const ch = path[i] as string;
          if (ch === '\\') {
            if (i + 1 >= n) syntaxError(path, i, 'dangling escape');
            key += path[i + 1];
            i += 2;
            continue;
          }
          if (ch === q) break;
          key += ch;
          i++;
        }
        i++; // closing quote
        if (path[i] !== ']') syntaxError(path, i, "expected ']' after quoted key");
        out.push({ kind: 'key', key });
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) syntaxError(path, i, "unclosed '['");
        const body = path.slice(i, close);
        if (body === '*') out.push({ kind: 'star' });
        else if (/^(0|[1-9][0-9]{0,9})$/.test(body)) out.push({ kind: 'key', key: body });
        else syntaxError(path, i, 'brackets hold a quoted key, an index or *');
        i = close;
      }
      i++; // past ']'
      expectSegment = false;
      if (i < n && path[i] !== '.' && path[i] !== '[') syntaxError(path, i, "expected '.' or '['");
      if (path[i] === '.') {
        i++;
        expectSegment = true;
        if (i >= n) syntaxError(path, i, 'trailing dot');
      }
      continue;
    }
    if (!expectSegment) syntaxError(path, i, 'unexpected character');
    let j = i;
    while (j < n && !IDENT_STOP.has(path[j] as string)) j++;
    if (j === i) syntaxError(path, i, c === '.' ? 'empty key' : `unexpected ${JSON.stringify(c)}`);
    const word = path.slice(i, j);
    if (/\s/.test(word)) syntaxError(path, i, 'whitespace in an unquoted key (use ["..."])');
    if (word === '**') out.push({ kind: 'glob' });
    else if (word === '*') out.push({ kind: 'star' });
    else if (word.includes('*')) syntaxError(path, i, "'*' must be a whole segment");
    else out.push({ kind: 'key', key: word });
    i = j;
    expectSegment = false;
    if (i < n) {
      if (path[i] === '.') {
        i++;
        expectSegment = true;
        if (i >= n) syntaxError(path, i, 'trailing dot');
      } else if (path[i] !== '[') syntaxError(path, i, `unexpected ${JSON.stringify(path[i])}`);
    }
  }
  return out;
}

interface TrieNode {
  /** Unique within one compiled matcher; names DFA states (sets of nodes). */
  readonly id: number;
  keys: Map<string, TrieNode> | null;
  star: TrieNode | null;
  /** The node reached after a `**` segment (it loops on every key). */
  glob: TrieNode | null;
  isGlob: boolean;
  /** Index of the first redact path ending here (into the entries given to compile), or -1. */
  redact: number;
  allow: boolean;
  keep: boolean;
  /** A keep path goes on below this node. */
  keepThrough: boolean;
}

function node(id: number, isGlob = false): TrieNode {
  return { id, keys: null, star: null, glob: null, isGlob, redact: -1, allow: false, keep: false, keepThrough: false };
}

/** A DFA state: what the walker needs to know about the key path that led here. */
export interface PathState {
  /** Index of the redact path that matches exactly here, or -1. */
  readonly redact: number;
  /** An allow path matches here (this value and everything below are never touched). */
  readonly allow: boolean;
  /** A strict-mode keep path matches here (this value and everything below survive). */
  readonly keep: boolean;
  /** Some keep path continues below this key (the object survives as far as it leads). */
  readonly keepBelow: boolean;
  /** The state after `key`, or null when no path can match any more. */
  step(key: string): PathState | null;
}

const MAX_CACHED_KEYS = 1024;

class DfaState implements PathState {
  readonly redact: number;
  readonly allow: boolean;
  readonly keep: boolean;
  readonly keepBelow: boolean;
  private readonly cache = new Map<string, DfaState | null>();

  constructor(
    private readonly nodes: readonly TrieNode[],
    private readonly intern: Map<string, DfaState>,
  ) {
    let redact = -1;
    let allow = false;
    let keep = false;
    let keepBelow = false;
    for (const nd of nodes) {
      if (nd.redact >= 0 && (redact < 0 || nd.redact < redact)) redact = nd.redact;
      if (nd.allow) allow = true;
      if (nd.keep) keep = true;
      if (nd.keepThrough) keepBelow = true;
    }
    this.redact = redact;
    this.allow = allow;
    this.keep = keep;
    this.keepBelow = keepBelow;
  }

  step(key: string): DfaState | null {
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    const next: TrieNode[] = [];
    for (const nd of this.nodes) {
      const k = nd.keys?.get(key);
      if (k !== undefined) addClosed(next, k);
      if (nd.star !== null) addClosed(next, nd.star);
      if (nd.isGlob) addClosed(next, nd);
    }
    const state = next.length === 0 ? null : internState(next, this.intern);
    // Keys under a `**` or `*` are unbounded (ids, hashes as keys): cap the cache so a
    // hostile stream of distinct keys cannot grow memory without limit.
    if (this.cache.size < MAX_CACHED_KEYS) this.cache.set(key, state);
    return state;
  }
}

/** Adds `nd` and, through `**` (which may match zero keys), the nodes it reaches. */
function addClosed(set: TrieNode[], nd: TrieNode): void {
  if (set.includes(nd)) return;
  set.push(nd);
  if (nd.glob !== null) addClosed(set, nd.glob);
}

function internState(nodes: TrieNode[], intern: Map<string, DfaState>): DfaState {
  const ids = nodes.map((n) => n.id).sort((a, b) => a - b);
  const sig = ids.join(',');
  let st = intern.get(sig);
  if (st === undefined) {
    st = new DfaState(nodes, intern);
    intern.set(sig, st);
  }
  return st;
}

export interface CompiledPaths {
  /** The state at the top of a record, or null when there are no paths at all. */
  readonly root: PathState | null;
  /** The redact entries in the order given (PathState.redact indexes them). */
  readonly redactCount: number;
}

/**
 * Compiles redact, allow and keep paths into one matcher. Throws LOGSEAL_ERR_PATH_SYNTAX
 * on the first bad path. `redact[i]` is reported as PathState.redact = i.
 */
export function compilePaths(spec: {
  redact?: readonly string[];
  allow?: readonly string[];
  keep?: readonly string[];
}): CompiledPaths {
  let nextId = 0;
  const root = node(nextId++);
  let any = false;
  const add = (path: string, role: PathRole, index: number): void => {
    let cur = root;
    for (const seg of parsePath(path)) {
      if (role === 'keep') cur.keepThrough = true;
      if (seg.kind === 'key') {
        if (cur.keys === null) cur.keys = new Map();
        let nx = cur.keys.get(seg.key);
        if (nx === undefined) {
          nx = node(nextId++);
          cur.keys.set(seg.key, nx);
        }
        cur = nx;
      } else if (seg.kind === 'star') {
        if (cur.star === null) cur.star = node(nextId++);
        cur = cur.star;
      } else {
        if (cur.glob === null) cur.glob = node(nextId++, true);
        cur = cur.glob;
      }
    }
    any = true;
    if (role === 'redact') {
      if (cur.redact < 0) cur.redact = index;
    } else if (role === 'allow') cur.allow = true;
    else cur.keep = true;
  };
  (spec.redact ?? []).forEach((p, i) => add(p, 'redact', i));
  (spec.allow ?? []).forEach((p, i) => add(p, 'allow', i));
  (spec.keep ?? []).forEach((p, i) => add(p, 'keep', i));
  const redactCount = spec.redact?.length ?? 0;
  if (!any) return { root: null, redactCount };
  const closed: TrieNode[] = [];
  addClosed(closed, root);
  return { root: internState(closed, new Map()), redactCount };
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A key path as a JSON path for findings: `$`, `.key` for identifiers, `["key"]` otherwise, `[i]` for positions. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENT.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}
