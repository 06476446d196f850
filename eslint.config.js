// Lint: type-aware promise rules matter most in an actor runtime, where a forgotten await
// loses a message or hides an error. Pure cores may not import I/O modules. Tests may not assert
// on a duration measured with the wall clock (local/no-timed-assertions).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import noTimedAssertions from './scripts/eslint-rules/no-timed-assertions.js';

// The runtime's util/ holds pure helpers that pure cores import (the shared hash), so it is held
// to the same rule. The placement decision (decide.ts and the pure parts it uses) is a pure core
// too.
const pureCore = [
  'packages/runtime/src/raft/core/**/*.ts',
  'packages/runtime/src/crdt/core/**/*.ts',
  'packages/runtime/src/util/**/*.ts',
  'packages/runtime/src/placement/decide.ts',
  'packages/runtime/src/placement/adopt.ts',
  'packages/runtime/src/placement/resume-hold.ts',
  'packages/runtime/src/placement/rendezvous.ts',
  'packages/runtime/src/placement/pid-table.ts',
];

// The two packages: the runtime (packages/runtime) imports nothing from the application, and the
// application, its examples and benchmarks import the runtime by its package name, through the
// entries of its exports map (tests may reach into packages/runtime/src: they test internals).
const notFromTheApp = {
  regex: '(^|/)(src/(dispatch|cli)|examples|bench|test)/|^superhero-dispatch',
  message: 'The runtime imports nothing from the application.',
};
const runtimeByName = {
  regex: '(^|/)packages/',
  message: "Import the runtime by its package name ('@superhero-dispatch/runtime/<layer>').",
};

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'build/**',
      'data/**',
      '.tmp/**',
      'eslint.config.js',
      'bin/**',
    ],
  },
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
    // A plain JavaScript program the packaging test runs against the installed package.
    files: ['test/packaging/fixtures/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { console: 'readonly' },
    },
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
    files: ['packages/runtime/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [notFromTheApp] }] },
  },
  {
    files: ['src/**/*.ts', 'examples/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [runtimeByName] }] },
  },
  {
    files: pureCore,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*', 'fs', 'net', 'dgram', 'timers', 'child_process'] }, notFromTheApp],
        },
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
