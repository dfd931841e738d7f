// Where the admin key lives between page loads: sessionStorage only, so it is
// gone when the tab closes and never sent anywhere by the browser on its own
// (no localStorage, no cookies).

export const KEY_STORAGE_NAME = 'tunely.adminKey';

export function readKey(): string | null {
  try {
    return window.sessionStorage.getItem(KEY_STORAGE_NAME);
  } catch {
    return null;
  }
}

export function storeKey(key: string): void {
  window.sessionStorage.setItem(KEY_STORAGE_NAME, key);
}

export function clearKey(): void {
  try {
    window.sessionStorage.removeItem(KEY_STORAGE_NAME);
  } catch {
    // Storage unavailable: nothing was kept.
  }
}
