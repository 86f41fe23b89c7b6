/** Tokenizer for Rego v1 source text. */

export type TokenType = 'ident' | 'number' | 'string' | 'rawstring' | 'op' | 'eof';

export interface Token {
  type: TokenType;
  /** Identifier name, operator text, number text, or decoded string value. */
  text: string;
  row: number;
  col: number;
  /** A newline (or start of text) separates this token from the previous one. */
  nl: boolean;
  /** Whitespace or a comment separates this token from the previous one. */
  ws: boolean;
}

export class LexError extends Error {
  constructor(
    message: string,
    readonly row: number,
    readonly col: number,
  ) {
    super(message);
  }
}

const TWO_CHAR_OPS = new Set([':=', '==', '!=', '<=', '>=']);
const ONE_CHAR_OPS = new Set([
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '|',
  '&',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ';',
  '.',
  ':',
]);

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Splits `text` into tokens; the last token is always `eof`. Throws LexError on malformed input. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let row = 1;
  let lineStart = 0;
  let nl = true;
  let ws = true;
  const n = text.length;

  const err = (message: string, at: number): LexError => new LexError(message, row, at - lineStart + 1);

  while (i < n) {
    const c = text[i];
    if (c === '\n') {
      i++;
      row++;
      lineStart = i;
      nl = true;
      ws = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      ws = true;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      ws = true;
      continue;
    }
    const start = i;
    const col = i - lineStart + 1;
    const push = (type: TokenType, value: string): void => {
      tokens.push({ type, text: value, row, col, nl, ws });
      nl = false;
      ws = false;
    };

    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text[i])) i++;
      push('ident', text.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === '.' && i + 1 < n && isDigit(text[i + 1]) && !endsOperand(tokens, ws))) {
      while (i < n && isDigit(text[i])) i++;
      if (text[i] === '.' && i + 1 < n && isDigit(text[i + 1])) {
        i++;
        while (i < n && isDigit(text[i])) i++;
      }
      if (text[i] === 'e' || text[i] === 'E') {
        let j = i + 1;
        if (text[j] === '+' || text[j] === '-') j++;
        if (!isDigit(text[j] ?? '')) throw err('invalid number: missing exponent digits', start);
        while (j < n && isDigit(text[j])) j++;
        i = j;
      }
      if (i < n && isIdentStart(text[i])) throw err('invalid number', start);
      push('number', text.slice(start, i));
      continue;
    }
    if (c === '"') {
      i++;
      let value = '';
      for (;;) {
        if (i >= n || text[i] === '\n') throw err('non-terminated string', start);
        const ch = text[i];
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const e = text[i + 1];
          switch (e) {
            case '"':
              value += '"';
              break;
            case '\\':
              value += '\\';
              break;
            case '/':
              value += '/';
              break;
            case 'b':
              value += '\b';
              break;
            case 'f':
              value += '\f';
              break;
            case 'n':
              value += '\n';
              break;
            case 'r':
              value += '\r';
              break;
            case 't':
              value += '\t';
              break;
            case 'u': {
              const hex = text.slice(i + 2, i + 6);
              if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw err('illegal \\u escape in string', i);
              value += String.fromCharCode(parseInt(hex, 16));
              i += 4;
              break;
            }
            default:
              throw err(`illegal escape sequence \\${e ?? ''} in string`, i);
          }
          i += 2;
          continue;
        }
        if (ch.charCodeAt(0) < 0x20) throw err('illegal control character in string', i);
        value += ch;
        i++;
      }
      push('string', value);
      continue;
    }
    if (c === '`') {
      const startRow = row;
      i++;
      const from = i;
      while (i < n && text[i] !== '`') {
        if (text[i] === '\n') {
          row++;
          lineStart = i + 1;
        }
        i++;
      }
      if (i >= n) throw new LexError('non-terminated raw string', startRow, col);
      const value = text.slice(from, i);
      i++;
      tokens.push({ type: 'rawstring', text: value, row: startRow, col, nl, ws });
      nl = false;
      ws = false;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      i += 2;
      push('op', two);
      continue;
    }
    if (ONE_CHAR_OPS.has(c)) {
      i++;
      push('op', c);
      continue;
    }
    if (c === '!') throw err('illegal ! character (use `not`)', i);
    throw err(`illegal character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ type: 'eof', text: '', row, col: i - lineStart + 1, nl: true, ws: true });
  return tokens;
}

/** True when the previous token ends an operand so that `.5` after it must be a ref dot, not a number. */
function endsOperand(tokens: Token[], ws: boolean): boolean {
  if (ws) return false;
  const last = tokens[tokens.length - 1];
  if (!last) return false;
  if (last.type === 'op') return last.text === ')' || last.text === ']' || last.text === '}';
  return true;
}
