// Lint: type-aware promise rules matter most in an actor runtime, where a forgotten await
// loses a message or hides an error. Pure cores may not import I/O modules. Tests may not assert
// on a duration measured with the wall clock (local/no-timed-assertions).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noTimedAssertions from './scripts/eslint-rules/no-timed-assertions.js';

// src/util holds pure helpers that pure cores import (the shared hash), so it is held to the same rule.
// The placement decision (decide.ts and the pure parts it uses) is a pure core too.
const pureCore = [
  'src/raft/core/**/*.ts',
  'src/crdt/core/**/*.ts',
  'src/util/**/*.ts',
  'src/placement/decide.ts',
  'src/placement/adopt.ts',
  'src/placement/resume-hold.ts',
  'src/placement/rendezvous.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', '.tmp/**', 'eslint.config.js', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              name: ['test', 'it', 'describe', 'suite', 'before', 'after'],
              package: 'node:test',
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['scripts/eslint-rules/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts'],
    plugins: { local: { rules: { 'no-timed-assertions': noTimedAssertions } } },
    rules: {
      // waitFor resolves with the time it waited: asserting on that is a timing too.
      'local/no-timed-assertions': ['error', { durationCalls: ['waitFor'] }],
    },
  },
  {
    files: pureCore,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'fs', 'net', 'dgram', 'timers', 'child_process'] },
      ],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate'],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now' },
        { object: 'Math', property: 'random' },
      ],
    },
  },
);
