// The JSON shapes of docs/API.md (HTTP API v1).
import type { Promise_ } from './promise';

export type Language = 'pt-BR' | 'en';

export interface Person {
  address: string;
  name: string;
  language: Language;
  has_password: boolean;
  /** Staff and customers (docs/API.md "Staff"): who acts on the bus. */
  principal?: string;
  role?: 'agent' | 'supervisor' | 'admin' | 'customer';
  tier?: 'N1' | 'N2' | 'N3' | '';
  status?: 'online' | 'away' | 'offline';
  totp?: boolean;
}

export interface Session {
  signed_in: boolean;
  csrf_token: string;
  language: Language;
  time_zone: string;
  person?: Person;
}

export interface Category {
  id: string;
  name: string;
  /** The English name; empty when there is none. */
  name_en: string;
  description: string;
}

export type Status = 'novo' | 'aberto' | 'aguardando_cliente' | 'resolvido' | 'fechado' | 'reaberto';

export interface TicketSummary {
  number: number;
  subject: string;
  status: Status;
  tier: string;
  category: string;
  priority: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  promise: Promise_ | null;
}

export interface Attachment {
  sha256: string;
  filename: string;
  content_type: string;
  size: number;
  url: string;
}

export interface Message {
  id: string | number;
  direction: 'inbound' | 'outbound';
  author_name: string;
  body: string;
  time: string;
  channel: string;
  attachments: Attachment[];
}

export interface Ticket extends TicketSummary {
  customer: { name: string; address: string };
  messages: Message[];
  resolution: string | null;
  rating: { score: number; comment: string } | null;
  can_accept: boolean;
  can_reject: boolean;
  can_rate: boolean;
  can_reply: boolean;
  auto_close_at: string | null;
}

export interface FileUpload {
  filename: string;
  content_type: string;
  content_base64: string;
}

export interface KbHit {
  id: string;
  title: string;
  type: string;
  category: string;
  snippet_html: string;
}

export interface KbSearch {
  hits: KbHit[];
  estimated: number;
  facets: { field: string; values: { value: string; count: number }[] }[];
  did_you_mean: string | null;
  /** The corrected query whose results these are (the one typed found nothing or far less). */
  showing_results_for?: string | null;
}

export interface Article {
  id: string;
  title: string;
  type: string;
  category: string;
  html: string;
  updated_at: string;
  helpful: number;
  not_helpful: number;
}
