// The router's category catalog (GET /categories), fetched once: tickets
// carry a category's id, the pages show its name in the UI's language.
import { ref } from 'vue';
import { api } from './api';
import { currentLanguage } from './i18n';
import type { Category, Language } from './types';

export const categories = ref<Category[]>([]);
let request: Promise<Category[]> | null = null;

export function loadCategories(): Promise<Category[]> {
  if (!request) {
    request = api
      .get<{ categories: Category[] }>('/categories')
      .then((r) => (categories.value = r.categories))
      .catch((e: unknown) => {
        request = null;
        throw e;
      });
  }
  return request;
}

/** The list as an admin just saved it (POST /desk/categories answers the
 * whole list): every page shows the new names without a reload. */
export function replaceCategories(list: { id: string; name: string; name_en: string }[]): void {
  const before = new Map(categories.value.map((c) => [c.id, c]));
  categories.value = list.map((c) => ({ id: c.id, name: c.name, name_en: c.name_en, description: before.get(c.id)?.description ?? '' }));
  request = Promise.resolve(categories.value);
}

/** A category's or a macro's name in a language: the English one in
 * English when it has one, else the Portuguese one, else its id. */
export function localName(item: { id: string; name: string; name_en?: string }, lang: Language): string {
  if (lang === 'en' && item.name_en?.trim()) return item.name_en;
  return item.name || item.id;
}

/** The category's name in the UI's language (its id when unknown). */
export function categoryName(id: string): string {
  const c = categories.value.find((x) => x.id === id);
  return c ? localName(c, currentLanguage()) : id;
}
