// Node 18 (Debian 12's nodejs) has Web Crypto only as node:crypto's
// webcrypto, not as the global `crypto` browsers and Node 20 have.
import { webcrypto } from 'node:crypto';

if (!(globalThis as { crypto?: unknown }).crypto) {
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });
}
