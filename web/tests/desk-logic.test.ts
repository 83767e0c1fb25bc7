import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { escalationBody, insertPreview, newAgentBody, resolveBody, ticketNumber, totpCode } from '../src/desk/compose';
import { defaultTab, queuePages, queuePath, tabCount } from '../src/desk/queue';
import { isTyping, shortcutFor } from '../src/desk/shortcuts';
import { canSeeReports, deskNext, isAdmin, isStaff } from '../src/desk/staff';
import { throttle } from '../src/desk/throttle';
import { attachmentKind, detailPairs, linkedIncidents, mergeTimeline } from '../src/desk/timeline';
import type { DeskMessage, HistoryEntry } from '../src/desk/types';
import type { Session } from '../src/types';

const msg = (id: number, time: string, direction: DeskMessage['direction'] = 'inbound'): DeskMessage => ({
  id,
  direction,
  internal: direction === 'internal',
  author: '',
  author_name: '',
  body: `m${id}`,
  reply: '',
  time,
  channel: 'email',
  mail_class: '',
  attachments: [],
});
const ev = (seq: number, time: string, type = 'TicketStatusChanged'): HistoryEntry => ({
  seq,
  time,
  by: 'agent:ana@example.com',
  type,
  summary: 's',
  summary_en: 's',
  details: {},
});

describe('the timeline', () => {
  it("lists a problem's incidents from its history, once each, not itself", () => {
    const t = '2026-12-04T10:00:00Z';
    const link = (seq: number, problem: number, incident: number): HistoryEntry => ({
      ...ev(seq, t, 'TicketLinked'),
      details: { problem, incident },
    });
    expect(linkedIncidents(3, [link(1, 3, 4), ev(2, t), link(3, 3, 9), link(4, 3, 4)])).toEqual([4, 9]);
    // On the incident's own page the link names it: no incidents there.
    expect(linkedIncidents(4, [link(1, 3, 4)])).toEqual([]);
    expect(linkedIncidents(3, [{ ...ev(1, t, 'TicketLinked'), details: { incident: 'x' } }])).toEqual([]);
  });
  it('merges messages and history entries oldest first', () => {
    const items = mergeTimeline(
      [msg(1, '2026-12-04T10:00:00Z'), msg(2, '2026-12-04T12:00:00Z', 'internal')],
      [ev(7, '2026-12-04T11:00:00Z'), ev(3, '2026-12-04T09:00:00Z', 'TicketCreated')],
    );
    expect(items.map((i) => (i.kind === 'message' ? `m${i.message.id}` : `e${i.entry.seq}`))).toEqual(['e3', 'm1', 'e7', 'm2']);
  });
  it('puts the event before the message of the same instant, and events in the router order', () => {
    const t = '2026-12-04T10:00:00Z';
    const items = mergeTimeline([msg(1, t)], [ev(9, t), ev(8, t, 'TicketCreated')]);
    expect(items.map((i) => i.key)).toEqual(['e8', 'e9', 'm1-0']);
  });
  it('shows a message once: its MessageAppended entry is the message itself', () => {
    const t = '2026-12-04T10:00:00Z';
    const items = mergeTimeline([msg(1, t, 'outbound')], [ev(4, t, 'MessageAppended'), ev(5, t, 'TicketStatusChanged')]);
    expect(items.map((i) => i.key)).toEqual(['e5', 'm1-0']);
  });
  it('shows what the person wrote, in a useful order, without empty ones', () => {
    expect(
      detailPairs(
        { environment: 'Windows 11', reason: 'Erro 500', tried: '', attachments: ['ab12', 'cd34'], by: 'agent:ana', ticket: { number: 1 }, to_tier: 'N2' },
        'TicketEscalated',
        (sha) => (sha === 'ab12' ? 'print.png' : sha),
      ),
    ).toEqual([
      ['reason', 'Erro 500'],
      ['environment', 'Windows 11'],
      ['attachments', 'print.png, cd34'],
    ]);
    expect(detailPairs(undefined)).toEqual([]);
  });
  it('leaves out codes: an assignment reason, ids, the whole ticket', () => {
    expect(detailPairs({ reason: 'auto', agent: 'agent:ana', number: 1 }, 'TicketAssigned')).toEqual([]);
    expect(detailPairs({ text: 'Reenviado', fix_reference: 'v2.4.1', auto_close_us: 'x' }, 'TicketStatusChanged')).toEqual([
      ['text', 'Reenviado'],
      ['fix_reference', 'v2.4.1'],
    ]);
  });
  it('shows images inline, text and logs as text, the rest as downloads', () => {
    expect(attachmentKind('image/png', 'print.png')).toBe('image');
    expect(attachmentKind('image/svg+xml', 'x.svg')).toBe('file');
    expect(attachmentKind('text/plain; charset=utf-8', 'a.txt')).toBe('text');
    expect(attachmentKind('application/octet-stream', 'server.log')).toBe('text');
    expect(attachmentKind('application/pdf', 'nota.pdf')).toBe('file');
  });
});

describe('keyboard shortcuts', () => {
  const input = { tagName: 'INPUT', type: 'text' };
  it('map the frequent actions', () => {
    expect(shortcutFor({ key: 'r', target: { tagName: 'BODY' } })).toBe('reply');
    expect(shortcutFor({ key: 'n' })).toBe('note');
    expect(shortcutFor({ key: 't' })).toBe('take');
    expect(shortcutFor({ key: 'e' })).toBe('escalate');
    expect(shortcutFor({ key: '?' })).toBe('help');
    expect(shortcutFor({ key: 'x' })).toBeNull();
  });
  it('never fire while typing in a field, nor with modifiers', () => {
    expect(shortcutFor({ key: 'r', target: input })).toBeNull();
    expect(shortcutFor({ key: 'r', target: { tagName: 'TEXTAREA' } })).toBeNull();
    expect(shortcutFor({ key: 'r', target: { tagName: 'SELECT' } })).toBeNull();
    expect(shortcutFor({ key: 'r', target: { tagName: 'DIV', isContentEditable: true } })).toBeNull();
    expect(shortcutFor({ key: 'r', ctrlKey: true })).toBeNull();
    expect(shortcutFor({ key: 'r', metaKey: true })).toBeNull();
    expect(isTyping({ tagName: 'INPUT', type: 'checkbox' })).toBe(false);
    expect(shortcutFor({ key: 't', target: { tagName: 'BUTTON' } })).toBe('take');
  });
});

describe('the macro preview in the compose box', () => {
  it('fills an empty box', () => {
    expect(insertPreview('  ', 'Olá, Maria!')).toEqual({ text: 'Olá, Maria!', cursor: 11 });
  });
  it('goes at the cursor on its own paragraph, keeping what was written', () => {
    expect(insertPreview('Oi.\nTchau.', 'MACRO', 4).text).toBe('Oi.\n\nMACRO\n\nTchau.');
    expect(insertPreview('Oi.', 'MACRO')).toEqual({ text: 'Oi.\n\nMACRO', cursor: 10 });
    expect(insertPreview('Oi.', 'MACRO', 0).text).toBe('MACRO\n\nOi.');
  });
});

describe('the forms', () => {
  const base = { reason: 'Erro no boleto', tried: 'Reenviei', steps: '', environment: '', affected: '', attachments: [] as string[] };
  it('escalating from N1 needs a reason and what was tried', () => {
    expect(escalationBody('N1', { ...base, reason: ' ' })).toEqual({ missing: 'desk.escalate.needReason' });
    expect(escalationBody('N1', { ...base, tried: '' })).toEqual({ missing: 'desk.escalate.needTried' });
    expect(escalationBody('N1', base)).toEqual({ body: { reason: 'Erro no boleto', tried: 'Reenviei' } });
  });
  it('escalating from N2 also needs steps and environment, and carries the chosen files', () => {
    expect(escalationBody('N2', base)).toEqual({ missing: 'desk.escalate.needSteps' });
    expect(escalationBody('N2', { ...base, steps: '1. abrir' })).toEqual({ missing: 'desk.escalate.needEnvironment' });
    expect(
      escalationBody('N2', { ...base, steps: '1. abrir', environment: 'Chrome', affected: '3 clientes', attachments: ['ab12'] }),
    ).toEqual({
      body: {
        reason: 'Erro no boleto',
        tried: 'Reenviei',
        steps_to_reproduce: '1. abrir',
        environment: 'Chrome',
        affected_customers: '3 clientes',
        attachments: ['ab12'],
      },
    });
  });
  it('resolving at N3 needs a fix reference', () => {
    expect(resolveBody('N1', 'Feito', '')).toEqual({ body: { text: 'Feito' } });
    expect(resolveBody('N3', 'Feito', ' ')).toEqual({ missing: 'desk.resolve.needFix' });
    expect(resolveBody('N3', 'Feito', 'v2.4.1')).toEqual({ body: { text: 'Feito', fix_reference: 'v2.4.1' } });
    expect(resolveBody('N1', '', '')).toEqual({ missing: 'desk.resolve.needText' });
  });
  it('reads ticket numbers and codes typed by hand', () => {
    expect(ticketNumber(' #42 ')).toBe(42);
    expect(ticketNumber('0')).toBeNull();
    expect(ticketNumber('4a')).toBeNull();
    expect(totpCode('123 456')).toBe('123456');
    expect(totpCode('12345')).toBeNull();
    expect(totpCode('١٢٣٤٥٦')).toBeNull();
  });
  it('makes a new agent from the form', () => {
    const f = { email: ' Ana@Example.com ', name: 'Ana', tier: 'N1', skills: ['boleto', 'acesso', 'boleto', ' '], capacity: '5' };
    expect(newAgentBody(f)).toEqual({
      body: { id: 'agent:ana@example.com', name: 'Ana', email: 'ana@example.com', tier: 'N1', skills: ['boleto', 'acesso'], capacity: 5 },
    });
    expect(newAgentBody({ ...f, email: 'ana' })).toEqual({ missing: 'desk.people.needEmail' });
    expect(newAgentBody({ ...f, tier: '' })).toEqual({ missing: 'desk.people.needTier' });
    expect(newAgentBody({ ...f, capacity: '2.5' })).toEqual({ missing: 'desk.people.needCapacity' });
  });
});

describe('the queue', () => {
  const none = { category: '', priority: '', channel: '', customer: '', organization: '' };
  it('asks for the tier view of N1..N3, mine and waiting by view', () => {
    expect(queuePath('N2', none)).toBe('/desk/queue?view=tier&tier=N2&limit=50');
    expect(queuePath('mine', none)).toBe('/desk/queue?view=mine&limit=50');
    expect(queuePath('N1', none, 50, true)).toBe('/desk/queue?view=open&tier=N1&limit=50');
    expect(queuePath('mine', none, 50, true)).toBe('/desk/queue?view=mine&limit=50');
    expect(queuePath('waiting', { ...none, priority: 'alta', customer: ' maria ' })).toBe(
      '/desk/queue?view=waiting&priority=alta&customer=maria&limit=50',
    );
    expect(queuePath('N1', { ...none, organization: 'Padaria' })).toBe(
      '/desk/queue?view=tier&tier=N1&organization=Padaria&limit=50',
    );
  });
  it('pages past the first 50, as far as the router pages (offset 10,000)', () => {
    expect(queuePath('N1', none, 50, false, 100)).toBe('/desk/queue?view=tier&tier=N1&limit=50&offset=100');
    expect(queuePath('N1', none, 50, false, 0)).toBe('/desk/queue?view=tier&tier=N1&limit=50');
    expect(queuePages(0)).toBe(1);
    expect(queuePages(50)).toBe(1);
    expect(queuePages(51)).toBe(2);
    expect(queuePages(120)).toBe(3);
    expect(queuePages(100000)).toBe(201);
  });
  it('counts each tab and starts at the person tier', () => {
    const c = { N1: 3, N2: 1, N3: 0, mine: 2, waiting: 1, open: { N1: 9, N2: 4, N3: 1 } };
    expect(tabCount(c, 'N3')).toBe(0);
    expect(tabCount(c, 'waiting')).toBe(1);
    expect(tabCount(null, 'N1')).toBeNull();
    expect(tabCount(c, 'N1', true)).toBe(9);
    expect(tabCount(c, 'mine', true)).toBe(2);
    expect(defaultTab('N2')).toBe('N2');
    expect(defaultTab('')).toBe('N1');
  });
});

describe('who opens which desk page', () => {
  const s = (role: string, signed = true): Session =>
    ({ signed_in: signed, csrf_token: '', language: 'pt-BR', time_zone: 'America/Sao_Paulo', person: { role } }) as unknown as Session;
  it('staff only; reports for supervisors and admins; people for admins', () => {
    expect(isStaff(s('customer'))).toBe(false);
    expect(isStaff(s('agent', false))).toBe(false);
    expect(isStaff(s('agent'))).toBe(true);
    expect(canSeeReports(s('agent'))).toBe(false);
    expect(canSeeReports(s('supervisor'))).toBe(true);
    expect(isAdmin(s('supervisor'))).toBe(false);
    expect(isAdmin(s('admin'))).toBe(true);
  });
  it('goes back to a dashboard page only', () => {
    expect(deskNext('/painel/chamados/4')).toBe('/painel/chamados/4');
    expect(deskNext('/chamados')).toBe('/painel');
    expect(deskNext('/painel//evil.example')).toBe('/painel');
    expect(deskNext('/painel/entrar')).toBe('/painel');
    expect(deskNext(undefined)).toBe('/painel');
  });
});

describe('live refreshes', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  it('run at once, then at most once every 300 ms for a burst', () => {
    const fn = vi.fn();
    const call = throttle(fn, 300);
    call();
    expect(fn).toHaveBeenCalledTimes(1);
    call();
    call();
    call();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(299);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
    call.cancel();
  });
});

describe('the TOTP QR code', () => {
  it('becomes an image data: URL, never markup in the page', async () => {
    const { svgDataUrl } = await import('../src/desk/qr');
    const svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><title>Balcão</title></svg>';
    const url = svgDataUrl(svg)!;
    expect(url.startsWith('data:image/svg+xml;base64,')).toBe(true);
    expect(new TextDecoder().decode(Uint8Array.from(atob(url.split(',')[1]), (c) => c.charCodeAt(0)))).toBe(svg);
    expect(svgDataUrl('<script>alert(1)</script>')).toBeNull();
  });
  it('takes a capacity typed into a number field', () => {
    expect(newAgentBody({ email: 'a@b.co', name: 'A', tier: 'N2', skills: [], capacity: 3 })).toEqual({
      body: { id: 'agent:a@b.co', name: 'A', email: 'a@b.co', tier: 'N2', skills: [], capacity: 3 },
    });
  });
});
