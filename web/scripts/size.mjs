#!/usr/bin/env node
// The first page's weight: the .js and .css dist/index.html loads (its
// script, stylesheets and modulepreloads), gzip-compressed. Fails above
// 150 KB (issue 13's budget). The chunks loaded later (the dashboard, "desk")
// are listed apart, with their own total. Fails too if any JavaScript would
// need the CSP to allow eval: `new Function(` or `eval(`.
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET = 150 * 1024;
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const assets = join(dist, 'assets');

let files;
let html;
try {
  files = readdirSync(assets).filter((f) => /\.(js|css)$/.test(f));
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch {
  console.error(`size: ${dist} is incomplete; run npm run build first`);
  process.exit(2);
}
const firstPage = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]));

let first = 0;
let later = 0;
let bad = false;
for (const f of files.sort((a, b) => Number(firstPage.has(b)) - Number(firstPage.has(a)) || a.localeCompare(b))) {
  const data = readFileSync(join(assets, f));
  const gz = gzipSync(data, { level: 9 }).length;
  const isFirst = firstPage.has(f);
  if (isFirst) first += gz;
  else later += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(7)} KB  ${f}${isFirst ? '  (first page)' : '  (loaded when needed)'}`);
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
if (!firstPage.size) {
  console.error('size: dist/index.html loads no script from /assets/');
  bad = true;
}
console.log(`${(later / 1024).toFixed(1).padStart(7)} KB  loaded when needed, gzip`);
console.log(`${(first / 1024).toFixed(1).padStart(7)} KB  first page, gzip (budget ${BUDGET / 1024} KB)`);
if (first > BUDGET) {
  console.error(`size: the first page is over budget by ${((first - BUDGET) / 1024).toFixed(1)} KB`);
  bad = true;
}
process.exit(bad ? 1 : 0);
