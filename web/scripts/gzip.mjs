#!/usr/bin/env node
// Writes FILE.gz beside each text asset of dist/ (the gateway serves the .gz
// to browsers that accept gzip: docs/API.md "Static files").
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|css|html|svg|json)$/.test(name)) writeFileSync(p + '.gz', gzipSync(readFileSync(p), { level: 9 }));
  }
}
walk(dist);
