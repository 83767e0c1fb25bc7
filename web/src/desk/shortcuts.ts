// The ticket view's keyboard shortcuts. A key typed into a field is text,
// never a command; with Ctrl, Alt or Meta it belongs to the browser.
export type ShortcutAction = 'reply' | 'note' | 'take' | 'escalate' | 'phone' | 'resolve' | 'help' | 'queue';

export const SHORTCUTS: Record<string, ShortcutAction> = {
  r: 'reply',
  n: 'note',
  t: 'take',
  e: 'escalate',
  l: 'phone',
  s: 'resolve',
  q: 'queue',
  '?': 'help',
};

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  altKey?: boolean;
  metaKey?: boolean;
  target?: unknown;
}

interface ElementLike {
  tagName?: string;
  isContentEditable?: boolean;
  type?: string;
}

/** True when the key goes into a field the person is typing in. */
export function isTyping(target: unknown): boolean {
  const el = target as ElementLike | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  const type = (el.type || 'text').toLowerCase();
  return !['button', 'submit', 'reset', 'checkbox', 'radio', 'file'].includes(type);
}

export function shortcutFor(e: KeyLike): ShortcutAction | null {
  if (e.ctrlKey || e.altKey || e.metaKey) return null;
  if (isTyping(e.target)) return null;
  return SHORTCUTS[e.key] ?? null;
}
