import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { createNodeLogger, resolveLogFormat } from '../../src/cli/logger.ts';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

test('auto is pretty on a terminal and JSON anywhere else', () => {
  assert.equal(resolveLogFormat('auto', true), 'pretty');
  assert.equal(resolveLogFormat('auto', false), 'json');
  assert.equal(resolveLogFormat('json', true), 'json');
  assert.equal(resolveLogFormat('pretty', false), 'pretty');
});

test('a JSON logger writes one parseable line per record, naming the node', () => {
  const out = capture();
  const log = createNodeLogger({
    level: 'info',
    node: 'gotham',
    format: 'auto',
    isTTY: false,
    destination: out.stream,
  });
  log.info({ peer: 'metropolis' }, 'connected');
  const record = JSON.parse(out.text().trim()) as Record<string, unknown>;
  assert.equal(record.msg, 'connected');
  assert.equal(record.node, 'gotham');
  assert.equal(record.peer, 'metropolis');
});

test('a pretty logger writes readable lines, synchronously, with the node first and no JSON', () => {
  const out = capture();
  const log = createNodeLogger({
    level: 'info',
    node: 'gotham',
    format: 'pretty',
    isTTY: false,
    destination: out.stream,
  });
  log.warn({ peer: 'capitol' }, 'disconnected');
  log.debug('below the level');
  const text = out.text();
  assert.match(text, /WARN.*\(gotham\) disconnected/);
  assert.match(text, /peer: "capitol"/);
  assert.doesNotMatch(text, /below the level/);
  assert.doesNotMatch(text, /^\{/m, 'no JSON line');
  // colour codes only on a terminal
  assert.ok(!text.includes(`${String.fromCharCode(27)}[`), 'no colour codes');
});
