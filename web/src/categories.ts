// The router's category catalog (GET /categories), fetched once: tickets
// carry a category's id, the pages show its name.
import { ref } from 'vue';
import { api } from './api';
import type { Category } from './types';

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

export function categoryName(id: string): string {
  return categories.value.find((c) => c.id === id)?.name || id;
}
