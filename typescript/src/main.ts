// The `tunely` CLI process: V8 settings first (cli_v8.ts), the gc pacer
// (gc_pacer.ts), then the command line. Run from the CommonJS build
// (dist/cjs/main.js) by the executable, bin.ts, which says why.
import './cli_v8.js'; // first: V8 flags before the modules below load
import { enableGcPacing } from './gc_pacer.js';
import { program } from './cli.js';

enableGcPacing();
void program().parseAsync(process.argv);
