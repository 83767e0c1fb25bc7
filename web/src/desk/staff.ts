// Who the signed-in person is for the dashboard: staff or not, and which
// pages their role opens (the router still decides every action).
import type { Session } from '../types';

export function isStaff(s: Session | null | undefined): boolean {
  const role = s?.signed_in ? s.person?.role : undefined;
  return role === 'agent' || role === 'supervisor' || role === 'admin';
}

export function canSeeReports(s: Session | null | undefined): boolean {
  const role = s?.person?.role;
  return isStaff(s) && (role === 'supervisor' || role === 'admin');
}

export function isAdmin(s: Session | null | undefined): boolean {
  return isStaff(s) && s?.person?.role === 'admin';
}

/** Where to go after the desk's sign-in: a dashboard page, never elsewhere. */
export function deskNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/painel') || next.startsWith('/painel/entrar')) return '/painel';
  if (next.includes('//') || next.includes('\\')) return '/painel';
  return next;
}
