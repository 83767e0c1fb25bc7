// The dashboard's texts join vue-i18n when its chunk loads (the portal's
// first page never carries them).
import { i18n } from '../i18n';
import deskEn from '../locales/desk.en';
import deskPtBR from '../locales/desk.pt-BR';

let merged = false;
export function loadDeskMessages(): void {
  if (merged) return;
  merged = true;
  i18n.global.mergeLocaleMessage('pt-BR', deskPtBR);
  i18n.global.mergeLocaleMessage('en', deskEn);
}
