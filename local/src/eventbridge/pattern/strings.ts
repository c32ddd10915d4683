/** String operators: case-insensitive comparison and wildcards, with event-ruler's rules for both. */

/**
 * A pattern string prepared for case-insensitive matching: for each of its code points, the spellings an event
 * may use there (the code point, its lower case and its upper case, as event-ruler builds them).
 */
export interface FoldedText {
  readonly alternatives: readonly (readonly string[])[];
  /** Every alternative is one UTF-16 unit, so a match has exactly `alternatives.length` units. */
  readonly singleUnit: boolean;
}

export function foldText(text: string): FoldedText {
  const alternatives: string[][] = [];
  let singleUnit = true;
  for (const codePoint of text) {
    const spellings = [codePoint];
    for (const variant of [codePoint.toLowerCase(), codePoint.toUpperCase()]) {
      if (!spellings.includes(variant)) {
        spellings.push(variant);
      }
    }
    singleUnit &&= spellings.every(function isSingleUnit(spelling) {
      return spelling.length === 1;
    });
    alternatives.push(spellings);
  }
  return { alternatives, singleUnit };
}

export function foldedEquals(value: string, folded: FoldedText): boolean {
  if (folded.singleUnit) {
    return value.length === folded.alternatives.length && unitsMatch(value, 0, folded);
  }
  return matchForward(value, 0, folded, 0, true);
}

export function foldedStartsWith(value: string, folded: FoldedText): boolean {
  if (folded.singleUnit) {
    return value.length >= folded.alternatives.length && unitsMatch(value, 0, folded);
  }
  return matchForward(value, 0, folded, 0, false);
}

export function foldedEndsWith(value: string, folded: FoldedText): boolean {
  if (folded.singleUnit) {
    const start = value.length - folded.alternatives.length;
    return start >= 0 && unitsMatch(value, start, folded);
  }
  return matchBackward(value, value.length, folded, folded.alternatives.length - 1);
}

function unitsMatch(value: string, start: number, folded: FoldedText): boolean {
  const alternatives = folded.alternatives;
  for (let i = 0; i < alternatives.length; i++) {
    const unit = value[start + i] ?? '';
    if (!(alternatives[i] ?? []).includes(unit)) {
      return false;
    }
  }
  return true;
}

// Case mappings can change length (e.g. 'ß' upper-cases to 'SS'), so the general case tries each spelling.
function matchForward(
  value: string,
  pos: number,
  folded: FoldedText,
  index: number,
  whole: boolean,
): boolean {
  if (index === folded.alternatives.length) {
    return !whole || pos === value.length;
  }
  for (const spelling of folded.alternatives[index] ?? []) {
    if (
      value.startsWith(spelling, pos) &&
      matchForward(value, pos + spelling.length, folded, index + 1, whole)
    ) {
      return true;
    }
  }
  return false;
}

function matchBackward(value: string, end: number, folded: FoldedText, index: number): boolean {
  if (index < 0) {
    return true;
  }
  for (const spelling of folded.alternatives[index] ?? []) {
    const start = end - spelling.length;
    if (start >= 0 && value.startsWith(spelling, start) && matchBackward(value, start, folded, index - 1)) {
      return true;
    }
  }
  return false;
}

/** A wildcard pattern as the literal pieces between its `*`s (one piece when it has none). */
export interface Wildcard {
  readonly text: string;
  readonly pieces: readonly string[];
}

/**
 * Parses a wildcard value: `*` matches any run of characters, `\*` and `\\` are a literal star and backslash;
 * consecutive stars and any other escape are rejected. Returns the error message for an invalid value.
 */
export function parseWildcard(text: string): Wildcard | string {
  const pieces: string[] = [];
  let piece = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '*') {
      if (text[i + 1] === '*') {
        return `Consecutive wildcard characters at pos ${i}`;
      }
      pieces.push(piece);
      piece = '';
    } else if (c === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        return `Invalid escape character at pos ${i}`;
      }
      piece += next;
      i++;
    } else {
      piece += c;
    }
  }
  pieces.push(piece);
  return { text, pieces };
}

export function wildcardMatches(wildcard: Wildcard, value: string): boolean {
  const pieces = wildcard.pieces;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) {
    return value === first;
  }
  const last = pieces[pieces.length - 1] ?? '';
  const limit = value.length - last.length;
  if (limit < first.length || !value.startsWith(first) || !value.endsWith(last)) {
    return false;
  }
  // With `*` as the only metacharacter, taking each middle piece at its leftmost fit never loses a match.
  let pos = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const middle = pieces[i] ?? '';
    const at = value.indexOf(middle, pos);
    if (at < 0 || at + middle.length > limit) {
      return false;
    }
    pos = at + middle.length;
  }
  return true;
}

/**
 * How many wildcard patterns of one field can be partially matched at once by a worst-case value: the measure of
 * event-ruler's MachineComplexityEvaluator, computed on a byte automaton shaped like event-ruler's (shared literal
 * prefixes, each `*` a self-looping state that the next byte may also skip). Patterns are grouped by identity:
 * an anything-but wildcard list is one pattern with several spellings. Stops counting once past `limit`.
 */
export function wildcardComplexity(patterns: readonly (readonly Wildcard[])[], limit: number): number {
  const automaton = new ComplexityAutomaton();
  patterns.forEach(function addPattern(spellings, identity) {
    for (const spelling of spellings) {
      automaton.add(spelling, identity);
    }
  });
  return automaton.evaluate(limit);
}

const STAR = -1;

interface AutomatonState {
  readonly literal: Map<number, number[]>;
  readonly stars: number[];
  readonly identities: Set<number>;
}

class ComplexityAutomaton {
  private readonly states: AutomatonState[] = [newState()];
  private readonly alphabet = new Set<number>();

  add(wildcard: Wildcard, identity: number): void {
    const tokens = wildcardBytes(wildcard);
    let current = 0;
    let beforeStar = -1;
    let determinate = true;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i] ?? 0;
      const state = this.state(current);
      if (token === STAR) {
        let star = determinate ? state.stars[0] : undefined;
        if (star === undefined) {
          star = this.states.length;
          this.states.push(newState());
          state.stars.push(star);
          this.state(star).stars.push(star);
        }
        determinate = false;
        beforeStar = current;
        current = star;
      } else {
        const terminal = i === tokens.length - 1;
        let next = determinate && !terminal ? state.literal.get(token)?.[0] : undefined;
        if (next === undefined) {
          next = this.states.length;
          this.states.push(newState());
          addLiteral(state, token, next);
          if (beforeStar >= 0) {
            addLiteral(this.state(beforeStar), token, next);
          }
        }
        this.alphabet.add(token);
        beforeStar = -1;
        current = next;
      }
      this.state(current).identities.add(identity);
    }
  }

  evaluate(limit: number): number {
    // One byte outside every literal stands for all such bytes: they only ever follow `*` loops.
    const bytes = [...this.alphabet, 256];
    const seen = new Set<string>(['0']);
    const pending: number[][] = [[0]];
    let maximum = 0;
    for (let active = pending.pop(); active !== undefined; active = pending.pop()) {
      for (const byte of bytes) {
        const next = new Set<number>();
        for (const id of active) {
          const state = this.state(id);
          for (const star of state.stars) {
            next.add(star);
          }
          for (const target of state.literal.get(byte) ?? []) {
            next.add(target);
          }
        }
        if (next.size === 0) {
          continue;
        }
        let size = 0;
        for (const id of next) {
          const state = this.state(id);
          size += state.identities.size;
          // A value that reached this state may go on into its `*`, so those prefixes count as live too.
          for (const star of state.stars) {
            if (!next.has(star)) {
              size += this.state(star).identities.size;
            }
          }
        }
        maximum = Math.max(maximum, size);
        if (maximum > limit) {
          return maximum;
        }
        const sorted = [...next].sort(function ascending(a, b) {
          return a - b;
        });
        const key = sorted.join(',');
        if (!seen.has(key)) {
          seen.add(key);
          pending.push(sorted);
        }
      }
    }
    return maximum;
  }

  private state(id: number): AutomatonState {
    const state = this.states[id];
    if (state === undefined) {
      throw new Error(`No automaton state ${id}`);
    }
    return state;
  }
}

function newState(): AutomatonState {
  return { literal: new Map(), stars: [], identities: new Set() };
}

function addLiteral(state: AutomatonState, byte: number, target: number): void {
  const targets = state.literal.get(byte);
  if (targets === undefined) {
    state.literal.set(byte, [target]);
  } else {
    targets.push(target);
  }
}

// event-ruler matches UTF-8 bytes of the quoted value, so the quotes are part of the automaton.
function wildcardBytes(wildcard: Wildcard): number[] {
  const encoder = new TextEncoder();
  const tokens: number[] = [0x22];
  wildcard.pieces.forEach(function appendPiece(piece, index) {
    if (index > 0) {
      tokens.push(STAR);
    }
    tokens.push(...encoder.encode(piece));
  });
  tokens.push(0x22);
  return tokens;
}
