#!/usr/bin/env node
// The `keyhole` bin. A release install (`npm ci --omit=dev` plus the dist/ of `npm run build`)
// runs the compiled CLI; a development checkout (src/ present and tsx installed) runs the
// TypeScript sources through tsx, so a stale dist/ never hides an edit. KEYHOLE_RUN_FROM=dist
// or =src forces one.
import { existsSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const from = process.env.KEYHOLE_RUN_FROM;
let tsx;
if (from !== 'dist' && existsSync(new URL('src/cli/main.ts', root))) {
  try {
    tsx = await import('tsx/esm/api');
  } catch {
    if (from === 'src') throw new Error('KEYHOLE_RUN_FROM=src needs the development dependencies (tsx)');
  }
}
if (tsx) {
  tsx.register();
  await import(new URL('src/cli/main.ts', root).href);
} else {
  const dist = new URL('dist/cli/main.js', root);
  if (!existsSync(dist)) {
    console.error('keyhole: dist/ is missing; run `npm run build` first');
    process.exit(1);
  }
  await import(dist.href);
}
