// The compose box and the forms of the ticket view: where a macro's
// preview goes, and what each form needs before it is sent.

/** The macro's filled-in text into the compose box: an empty box takes it
 * as it is; otherwise it goes at the cursor (or the end), on its own
 * paragraph, so what the agent wrote stays. Returns the new text and where
 * the cursor goes (the end of the inserted text). */
export function insertPreview(current: string, preview: string, cursor: number | null = null): { text: string; cursor: number } {
  if (!current.trim()) return { text: preview, cursor: preview.length };
  const at = cursor === null || cursor < 0 || cursor > current.length ? current.length : cursor;
  const before = current.slice(0, at).replace(/\s+$/, '');
  const after = current.slice(at).replace(/^\s+/, '');
  const head = before ? `${before}\n\n` : '';
  const text = `${head}${preview}${after ? `\n\n${after}` : ''}`;
  return { text, cursor: head.length + preview.length };
}

export interface EscalationForm {
  reason: string;
  tried: string;
  steps: string;
  environment: string;
  affected: string;
  attachments: string[];
}

/** The body of POST …/escalate, or the i18n key of what is missing: from
 * N1 a reason and what was tried; from N2 (to N3) also the steps to
 * reproduce and the environment. */
export function escalationBody(tier: string, f: EscalationForm): { body: Record<string, unknown> } | { missing: string } {
  if (!f.reason.trim()) return { missing: 'desk.escalate.needReason' };
  if (!f.tried.trim()) return { missing: 'desk.escalate.needTried' };
  const body: Record<string, unknown> = { reason: f.reason.trim(), tried: f.tried.trim() };
  if (tier === 'N2') {
    if (!f.steps.trim()) return { missing: 'desk.escalate.needSteps' };
    if (!f.environment.trim()) return { missing: 'desk.escalate.needEnvironment' };
    body.steps_to_reproduce = f.steps.trim();
    body.environment = f.environment.trim();
    if (f.affected.trim()) body.affected_customers = f.affected.trim();
    if (f.attachments.length) body.attachments = [...f.attachments];
  }
  return { body };
}

/** The body of POST …/resolve: at N3 a fix reference is required. */
export function resolveBody(tier: string, text: string, fix: string): { body: Record<string, unknown> } | { missing: string } {
  if (!text.trim()) return { missing: 'desk.resolve.needText' };
  if (tier === 'N3' && !fix.trim()) return { missing: 'desk.resolve.needFix' };
  const body: Record<string, unknown> = { text: text.trim() };
  if (fix.trim()) body.fix_reference = fix.trim();
  return { body };
}

/** A ticket number typed by hand (merge into, link to a problem). */
export function ticketNumber(s: string): number | null {
  const t = s.trim().replace(/^#/, '');
  if (!/^\d{1,12}$/.test(t)) return null;
  const n = Number(t);
  return n > 0 ? n : null;
}

/** A TOTP code: exactly 6 ASCII digits (spaces typed between are dropped). */
export function totpCode(s: string): string | null {
  const t = s.replace(/\s+/g, '');
  return /^[0-9]{6}$/.test(t) ? t : null;
}

export interface NewAgentForm {
  email: string;
  name: string;
  tier: string;
  /** Category ids (the router takes skills from its catalog). */
  skills: string[];
  /** As typed; a number input's v-model may give a number. */
  capacity: string | number;
}

/** The body of POST /desk/people for a new agent, or what is missing. */
export function newAgentBody(f: NewAgentForm): { body: Record<string, unknown> } | { missing: string } {
  const email = f.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return { missing: 'desk.people.needEmail' };
  if (!f.name.trim()) return { missing: 'desk.people.needName' };
  if (!['N1', 'N2', 'N3'].includes(f.tier)) return { missing: 'desk.people.needTier' };
  const typed = String(f.capacity ?? '').trim();
  const capacity = typed === '' ? null : Number(typed);
  if (capacity !== null && (!Number.isInteger(capacity) || capacity < 0 || capacity > 1000)) {
    return { missing: 'desk.people.needCapacity' };
  }
  const skills = [...new Set(f.skills.map((s) => s.trim()).filter(Boolean))];
  const body: Record<string, unknown> = { id: `agent:${email}`, name: f.name.trim(), email, tier: f.tier, skills };
  if (capacity !== null) body.capacity = capacity;
  return { body };
}
