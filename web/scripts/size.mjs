#!/usr/bin/env node
// The first page's weight: every .js and .css under dist/assets, gzip-
// compressed (the app is one bundle, so that is what the first page loads).
// Fails above 150 KB (issue 13's budget), and if the bundle would need the
// CSP to allow eval: `new Function(` or `eval(` anywhere in its JavaScript.
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const assets = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'assets');

let files;
try {
  files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
} catch {
  console.error(`size: ${assets} is missing; run npm run build first`);
  process.exit(2);
}

let total = 0;
let bad = false;
for (const f of files.sort()) {
  const data = readFileSync(join(assets, f));
  const gz = gzipSync(data, { level: 9 }).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(7)} KB  ${f}`);
  if (f.endsWith('.js')) {
    const text = data.toString('utf8');
    for (const needle of ['new Function(', 'new Function (']) {
      if (text.includes(needle)) {
        console.error(`size: ${f} contains "${needle}": the CSP (no unsafe-eval) would break it`);
        bad = true;
      }
    }
    if (/(^|[^.\w$])eval\(/.test(text)) {
      console.error(`size: ${f} calls eval(): the CSP (no unsafe-eval) would break it`);
      bad = true;
    }
  }
}
console.log(`${(total / 1024).toFixed(1).padStart(7)} KB  total, gzip (budget ${BUDGET / 1024} KB)`);
if (total > BUDGET) {
  console.error(`size: over budget by ${((total - BUDGET) / 1024).toFixed(1)} KB`);
  bad = true;
}
process.exit(bad ? 1 : 0);
