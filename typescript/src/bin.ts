#!/usr/bin/env node
// The `tunely` executable of the npm package (package.json "bin").
import { program } from './cli.js';

await program().parseAsync(process.argv);
