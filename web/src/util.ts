// Small pure helpers: mailed-link tokens, safe redirects, UUIDs, kb snippets,
// file sizes.

/** The token of a mailed link: `#t=TOKEN` (never sent to a server). */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const t = params.get('t');
  return t ? t : null;
}

/** Where to go after signing in: a path of this app only, never another site. */
export function safeNext(next: unknown, fallback = '/chamados'): string {
  if (typeof next !== 'string') return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  if (next === '/entrar' || next.startsWith('/entrar?') || next.startsWith('/entrar/')) return fallback;
  return next;
}

/** A random UUID (v4), also where crypto.randomUUID is missing (plain http). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface SnippetPart {
  text: string;
  bold: boolean;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name] ?? whole;
  });
}

/**
 * kb's snippet_html (escaped text with <b> marks) as plain text parts, so
 * the page shows it by text interpolation and never as HTML: any other tag
 * stays visible text.
 */
export function snippetParts(html: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let bold = false;
  for (const piece of html.split(/(<\/?b>)/i)) {
    const tag = piece.toLowerCase();
    if (tag === '<b>') bold = true;
    else if (tag === '</b>') bold = false;
    else if (piece) parts.push({ text: decodeEntities(piece), bold });
  }
  return parts;
}

/** "1,2 MB" / "1.2 MB". */
export function formatSize(bytes: number, lang: string): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  const digits = u === 0 || n >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n)} ${units[u]}`;
}

/** A password the gateway takes: 10 to 128 characters (not UTF-16 units). */
export function passwordLengthOk(password: string): boolean {
  const n = [...password].length;
  return n >= 10 && n <= 128;
}
