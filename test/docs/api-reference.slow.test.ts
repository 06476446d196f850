/**
 * `npm run docs` builds the runtime's API reference from its doc comments (TypeDoc, `typedoc.json`)
 * without a warning, with one module per entry of the package's exports map.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

test('the API reference builds without warnings and covers every entry point of the runtime', async () => {
  const out = mkdtempSync(join(tmpdir(), 'api-reference-'));
  try {
    const json = join(out, 'api.json');
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc'),
        '--treatWarningsAsErrors',
        '--out',
        join(out, 'html'),
        '--json',
        json,
      ],
      { cwd: ROOT, timeout: 600_000, maxBuffer: 64 << 20 },
    );
    const config = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { entryPoints: string[] };
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', 'runtime', 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const entries = Object.keys(manifest.exports).filter((k) => k !== './package.json');
    assert.equal(config.entryPoints.length, entries.length, 'one TypeDoc entry point per export');
    for (const e of entries) {
      const source =
        e === '.' ? 'packages/runtime/src/index.ts' : `packages/runtime/src/${e.slice(2)}/index.ts`;
      assert.ok(config.entryPoints.includes(source), `${e} is documented (${source})`);
    }
    const doc = JSON.parse(readFileSync(json, 'utf8')) as {
      children?: { name: string; children?: unknown[] }[];
    };
    assert.equal(doc.children?.length, entries.length, 'one module per entry point');
    for (const m of doc.children ?? [])
      assert.ok((m.children?.length ?? 0) > 0, `${m.name} documents something`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
