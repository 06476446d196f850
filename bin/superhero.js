#!/usr/bin/env node
// The `superhero` command: runs the TypeScript sources through tsx, so no build step is needed.
// The repository's tsconfig.json maps the runtime's package name to its sources (`paths`); it is
// named here, and so in the environment of the node processes the launcher starts and of the
// probe thread, so that it applies whatever the working directory. Without it (an installed copy
// of the application) the name resolves to the runtime package's compiled JavaScript.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';
const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url));
if (existsSync(tsconfig)) process.env.TSX_TSCONFIG_PATH ??= tsconfig;
register();
await import('../src/cli/main.ts');
