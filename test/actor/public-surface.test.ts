// What a user of the package sees of the actor system: its declarations as published (built with
// the runtime package's tsconfig.json, stripInternal) name the client API and none of the methods
// the runtime calls on itself (bridging to the mesh, cleaning up a cell, delivering remote
// envelopes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import ts from 'typescript';

test('the published ActorSystem type shows its client API and no internals', () => {
  const build = ts.getParsedCommandLineOfConfigFile(
    'packages/runtime/tsconfig.json',
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)),
    },
  );
  assert.ok(build);
  assert.equal(build.options.stripInternal, true, 'the build strips @internal members');
  const emitted = new Map<string, string>();
  const program = ts.createProgram(['packages/runtime/src/actor/index.ts'], {
    ...build.options,
    noEmit: false,
    emitDeclarationOnly: true,
    declaration: true,
    outDir: 'out',
  });
  program.emit(undefined, (name, text) => emitted.set(name.replace(/\\/g, '/'), text));
  const file = [...emitted.keys()].find((name) => name.endsWith('/actor/system.d.ts'));
  assert.ok(file, [...emitted.keys()].join(', '));
  const dts = emitted.get(file)!;
  const member = (name: string): boolean => new RegExp(`^\\s+(?:async )?${name}[<(]`, 'm').test(dts);
  for (const api of ['spawn', 'call', 'cast', 'register', 'whereis', 'monitor', 'link', 'stop'])
    assert.ok(member(api), `the client API has ${api}`);
  for (const internal of [
    'attachBridge',
    'rejectEnvelope',
    'nextTimerId',
    'awaitExit',
    'cleanup(',
    'receiveRemote',
    'nodeDown',
  ])
    assert.ok(!dts.includes(internal), `${internal} is not published`);
});
