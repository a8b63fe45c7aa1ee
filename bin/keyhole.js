#!/usr/bin/env node
// The `keyhole` bin: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
