// The desk's JSON shapes (docs/API.md "Staff: sign-in, accounts and the
// dashboard"): what /api/v1/desk/… answers.
import type { Attachment, Status } from '../types';

export type Tier = 'N1' | 'N2' | 'N3';
export type Role = 'agent' | 'supervisor' | 'admin' | 'customer';
export type Availability = 'online' | 'away' | 'offline';
export type SlaState = 'ok' | 'warning' | 'breached' | 'met' | 'paused';

export interface Sla {
  target: 'first_response' | 'resolution' | null;
  state: SlaState | null;
  warn_at: string | null;
  due_at: string | null;
}

export interface DeskSummary {
  number: number;
  subject: string;
  status: Status;
  tier: string;
  category: string;
  priority: string;
  channel: string;
  customer: {
    name: string;
    address: string;
    organization: string;
    /** The customer's CPF or CNPJ, normalized and as people write it (ticket view only). */
    tax_id?: string;
    tax_id_formatted?: string;
  };
  assignee: string;
  assignee_name: string;
  created_at: string;
  updated_at: string;
  /** updated_at exactly (µs): a reply's seen_updated_us. */
  updated_us?: number;
  message_count: number;
  problem: number | null;
  incident_count: number;
  sla: Sla;
  /** Resolved, and the customer's answer was unclear: the agent should ask them. */
  awaits_judgement?: boolean;
}

export interface DeskMessage {
  id: string | number;
  direction: 'inbound' | 'outbound' | 'internal';
  internal: boolean;
  author: string;
  author_name: string;
  body: string;
  reply: string;
  time: string;
  channel: string;
  mail_class: string;
  /** A merge copied it from this ticket (the duplicate); null otherwise. */
  copied_from?: number | null;
  attachments: Attachment[];
  /** Files left out for being over the limits, "name (48.0 MB)". */
  refused_files?: string[];
}

export interface HistoryEntry {
  seq: number;
  time: string;
  by: string;
  type: string;
  summary: string;
  summary_en: string;
  details: Record<string, unknown>;
}

export interface DeskTicket extends DeskSummary {
  messages: DeskMessage[];
  timeline: HistoryEntry[];
  resolution: string | null;
  fix_reference: string | null;
  resolved_by: string | null;
  merged_into: number | null;
  previous: number | null;
  mentions: number | null;
  participants: string[];
  csat: { score: number; comment: string } | null;
  customer_tickets: DeskSummary[];
}

export interface QueueCounts {
  N1: number;
  N2: number;
  N3: number;
  mine: number;
  waiting: number;
  open: { N1: number; N2: number; N3: number };
}

export interface QueuePage {
  tickets: DeskSummary[];
  total: number;
  truncated: boolean;
}

/** A macro of GET /desk/macros: pt-BR and English names and texts (the
 * router sends text_en to English tickets when it is set), and what it
 * changes on the ticket (empty: nothing). */
export interface Macro {
  id: string;
  name: string;
  name_en: string;
  text: string;
  text_en: string;
  category: string;
  priority: string;
  action: string;
}
export type CatalogMacro = Macro;

/** A category of GET /desk/categories: its names, the priority and tier a
 * ticket gets when classified in it, and its standard procedure (a macro's
 * id, or empty). */
export interface CatalogCategory {
  id: string;
  name: string;
  name_en: string;
  priority: string;
  tier: string;
  procedure: string;
}

export interface MacroPreview {
  macro: string;
  name: string;
  text: string;
  category: string;
  priority: string;
  action: string;
}

export interface DeskPerson {
  id: string;
  name: string;
  email: string;
  phone: string;
  organization: string;
  tier: string;
  skills: string[];
  /** Agents: the restricted organizations they serve (router/access). */
  organizations?: string[];
  capacity: number;
  status: string;
  open_tickets: number;
  language: string;
  created_at: string;
  has_key: boolean;
  has_password?: boolean;
  totp?: boolean;
  invited?: boolean;
  /** Customers: their CPF or CNPJ, normalized, its kind and as people write it. */
  tax_id?: string;
  tax_id_kind?: 'cpf' | 'cnpj';
  tax_id_formatted?: string;
}

export interface TotpBegin {
  secret: string;
  uri: string;
  qr_svg: string;
}
