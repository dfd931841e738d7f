#!/usr/bin/env node
// The `tunely` executable of the npm package (package.json "bin"). It only
// loads the CLI's CommonJS build (dist/cjs/main.js): through the ESM loader
// the same CLI is ~4.5 MiB larger in memory (module records for every module,
// and the lexer it runs over each CommonJS dependency: ws, undici, commander).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./cjs/main.js');
