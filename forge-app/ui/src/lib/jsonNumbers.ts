// Numbers in JSON typed by the admin that a JavaScript number cannot keep: JSON.parse rounds 12345678901234567890
// to 12345678901234567000 and turns 1e400 into Infinity (sent as null), so the rule would be saved with another value
// than the one written. The backend keeps numbers exactly (docs/api.md "Templates"); the builder says so instead.

const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** The significant digits of a number's text (no sign, point, exponent, leading or trailing zeros). */
function digits(text: string): string {
  return text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
}

/** The number literals of `json` (outside its strings) that JSON.parse would not keep as written. */
export function inexactNumbers(json: string): string[] {
  const out: string[] = [];
  for (const [token] of json.matchAll(TOKEN)) {
    if (token.startsWith('"')) continue;
    const n = Number(token);
    if (!Number.isFinite(n) || digits(token) !== digits(String(Math.abs(n)))) out.push(token);
  }
  return out;
}

/** Reports each number of `json` that would change through JSON.parse, with `add`. */
export function reportInexactNumbers(json: string, path: string, add: (path: string, message: string) => void) {
  for (const token of inexactNumbers(json)) {
    const shown = token.length > 40 ? `${token.slice(0, 40)}…` : token;
    add(path, `The number ${shown} has more digits than the rule builder can keep (about 15): it would be saved as ${JSON.stringify(Number(token))}. Write it as text in quotes, or keep fewer digits.`);
  }
}
