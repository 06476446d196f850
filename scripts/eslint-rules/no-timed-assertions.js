/**
 * ESLint rule `local/no-timed-assertions`: a test asserts that something happens, never how fast.
 * Reports a relational comparison (`<`, `<=`, `>`, `>=`) inside the arguments of an assertion
 * (`assert(…)`, `assert.ok/equal/deepEqual/…(…)`, `t.assert.…(…)`, or a function imported from
 * `node:assert`) when one side is derived from the wall clock:
 * - directly: `Date.now()`, `performance.now()`, `process.hrtime()`, `process.hrtime.bigint()`, or a
 *   call named in the `durationCalls` option (e.g. `waitFor`, which resolves with the time taken);
 * - through arithmetic, `Number(…)`, `.toFixed(…)`, casts, `await`, `?:` and `&&`/`||`;
 * - through a variable whose initialiser or any assignment is so derived, following up to
 *   `depth` variables (default 3);
 * - through `Math.max/min` of values so derived, or of the spread of an array (or a `Map`'s values)
 *   filled with them (`push`, `unshift`, `set`, index assignment, an array literal, or
 *   `map`/`flatMap`/`Array.from` whose callback returns such a value), and element reads of it;
 * - and an asserted variable whose value is such a comparison (`const fast = ms < 200`).
 *
 * ```js
 * const started = Date.now();
 * await work();
 * assert.ok(Date.now() - started < 500); // reported
 * t.diagnostic(`took ${Date.now() - started} ms`); // fine: printed, not asserted
 * ```
 *
 * Comparisons on a simulated clock are not reported: they are deterministic. Nor is a bound
 * passed to a waiting helper (a hang guard), which is not a comparison inside an assertion.
 *
 * When not to use: in benchmarks, whose job is to measure time.
 */

const RELATIONAL = new Set(['<', '<=', '>', '>=']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '**']);
const CLOCKS = new Set(['Date.now', 'performance.now', 'process.hrtime']);
const ASSERT_MODULES = new Set(['assert', 'assert/strict', 'node:assert', 'node:assert/strict']);
const WRAPPERS = new Set([
  'TSAsExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'TSSatisfiesExpression',
  'ChainExpression',
  'AwaitExpression',
]);

/** `a.b` of a non-computed member expression, or undefined. */
function memberName(node) {
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier')
    return undefined;
  return node.property.name;
}

/** The callee's own name: `f` for `f()`, `g` for `x.g()`. */
function calleeName(callee) {
  if (callee.type === 'Identifier') return callee.name;
  return memberName(callee);
}

function clockName(call) {
  let callee = call.callee;
  if (memberName(callee) === 'bigint') callee = callee.object; // process.hrtime.bigint()
  const prop = memberName(callee);
  if (prop === undefined || callee.object.type !== 'Identifier') return undefined;
  const name = `${callee.object.name}.${prop}`;
  return CLOCKS.has(name) ? `${name}()` : undefined;
}

/** The body expressions a callback returns (expression body, or `return x` in a block body). */
function returned(fn) {
  if (fn === undefined || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression'))
    return [];
  if (fn.body.type !== 'BlockStatement') return [fn.body];
  return fn.body.body.filter((s) => s.type === 'ReturnStatement' && s.argument).map((s) => s.argument);
}

class Tracer {
  constructor(context, maxDepth, durationCalls) {
    this.context = context;
    this.maxDepth = maxDepth;
    this.durationCalls = new Set(durationCalls);
  }

  variableOf(identifier) {
    let scope = this.context.sourceCode.getScope(identifier);
    for (; scope !== null; scope = scope.upper) {
      const variable = scope.set.get(identifier.name);
      if (variable !== undefined) return variable;
    }
    return undefined;
  }

  /** Every expression a variable is given: its initialiser and the right side of each assignment. */
  valuesOf(variable) {
    return variable.references.filter((r) => r.isWrite() && r.writeExpr).map((r) => r.writeExpr);
  }

  /** What makes `node` a clock reading (a short description), or undefined. */
  source(node, depth, seen) {
    if (node === null || node === undefined) return undefined;
    if (WRAPPERS.has(node.type)) return this.source(node.expression ?? node.argument, depth, seen);
    switch (node.type) {
      case 'CallExpression':
        return this.callSource(node, depth, seen);
      case 'BinaryExpression':
        if (!ARITHMETIC.has(node.operator)) return undefined;
        return this.source(node.left, depth, seen) ?? this.source(node.right, depth, seen);
      case 'UnaryExpression':
        return node.operator === '-' || node.operator === '+'
          ? this.source(node.argument, depth, seen)
          : undefined;
      case 'ConditionalExpression':
        return this.source(node.consequent, depth, seen) ?? this.source(node.alternate, depth, seen);
      case 'LogicalExpression':
        return this.source(node.left, depth, seen) ?? this.source(node.right, depth, seen);
      case 'AssignmentExpression':
        return this.source(node.right, depth, seen);
      case 'SequenceExpression':
        return this.source(node.expressions.at(-1), depth, seen);
      case 'MemberExpression':
        // latencies[0]
        return node.computed ? this.filledWith(node.object, depth, seen) : undefined;
      case 'Identifier':
        return this.follow(node, depth, seen, (value, d, s) => this.source(value, d, s));
      default:
        return undefined;
    }
  }

  callSource(call, depth, seen) {
    const clock = clockName(call);
    if (clock !== undefined) return clock;
    const name = calleeName(call.callee);
    if (name !== undefined && this.durationCalls.has(name)) return `${name}()`;
    const callee = call.callee;
    if (callee.type === 'Identifier' && callee.name === 'Number')
      return this.source(call.arguments[0], depth, seen);
    if (callee.type !== 'MemberExpression') return undefined;
    if (callee.object.type === 'Identifier' && callee.object.name === 'Math') {
      for (const arg of call.arguments) {
        const found =
          arg.type === 'SpreadElement'
            ? this.filledWith(arg.argument, depth, seen)
            : this.source(arg, depth, seen);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (name === 'get' || name === 'at') return this.filledWith(callee.object, depth, seen);
    if (name === 'toFixed' || name === 'toPrecision' || name === 'valueOf') {
      return this.source(callee.object, depth, seen);
    }
    return undefined;
  }

  /** Follows an identifier to the values its variable is given, one level of `depth` each. */
  follow(identifier, depth, seen, judge) {
    if (depth <= 0) return undefined;
    const variable = this.variableOf(identifier);
    if (variable === undefined || seen.has(variable)) return undefined;
    const next = new Set(seen).add(variable);
    for (const value of this.valuesOf(variable)) {
      const found = judge(value, depth - 1, next);
      if (found !== undefined) return found;
    }
    return judge === this.filledJudge ? this.filledByMutation(variable, depth - 1, next) : undefined;
  }

  /** What makes the elements of the array (or values of the map) `node` clock readings. */
  filledWith(node, depth, seen) {
    if (node === null || node === undefined) return undefined;
    if (WRAPPERS.has(node.type)) return this.filledWith(node.expression ?? node.argument, depth, seen);
    if (node.type === 'Identifier') return this.follow(node, depth, seen, this.filledJudge);
    return this.filledJudge(node, depth, seen);
  }

  filledJudge = (node, depth, seen) => {
    if (WRAPPERS.has(node.type)) return this.filledJudge(node.expression ?? node.argument, depth, seen);
    if (node.type === 'Identifier') return this.filledWith(node, depth, seen);
    if (node.type === 'ArrayExpression') {
      for (const el of node.elements) {
        if (el === null) continue;
        const found =
          el.type === 'SpreadElement'
            ? this.filledWith(el.argument, depth, seen)
            : this.source(el, depth, seen);
        if (found !== undefined) return found;
      }
      return undefined;
    }
    if (node.type !== 'CallExpression') return undefined;
    const clock = clockName(node); // process.hrtime() is an array of readings
    if (clock !== undefined) return clock;
    const callee = node.callee;
    const name = calleeName(callee);
    if (
      callee.type === 'MemberExpression' &&
      callee.object.type === 'Identifier' &&
      callee.object.name === 'Array'
    ) {
      if (name !== 'from') return undefined;
      const fromSource = this.filledWith(node.arguments[0], depth, seen);
      if (fromSource !== undefined) return fromSource;
      return this.firstReturned(node.arguments[1], depth, seen, false);
    }
    if (callee.type !== 'MemberExpression') return undefined;
    if (name === 'map') return this.firstReturned(node.arguments[0], depth, seen, false);
    if (name === 'flatMap') return this.firstReturned(node.arguments[0], depth, seen, true);
    if (['filter', 'slice', 'sort', 'toSorted', 'reverse', 'concat', 'values'].includes(name)) {
      return this.filledWith(callee.object, depth, seen);
    }
    return undefined;
  };

  firstReturned(fn, depth, seen, flat) {
    for (const value of returned(fn)) {
      const found =
        this.source(value, depth, seen) ?? (flat ? this.filledWith(value, depth, seen) : undefined);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** `xs.push(v)`, `xs.unshift(v)`, `m.set(k, v)`, `xs[i] = v` with `v` a clock reading. */
  filledByMutation(variable, depth, seen) {
    for (const ref of variable.references) {
      const id = ref.identifier;
      const member = id.parent;
      if (member?.type !== 'MemberExpression' || member.object !== id) continue;
      const use = member.parent;
      const name = memberName(member);
      let value;
      if (use?.type === 'CallExpression' && use.callee === member) {
        if (name === 'push' || name === 'unshift') value = use.arguments;
        else if (name === 'set') value = use.arguments.slice(1, 2);
      } else if (member.computed && use?.type === 'AssignmentExpression' && use.left === member) {
        value = [use.right];
      }
      for (const v of value ?? []) {
        const found =
          v.type === 'SpreadElement' ? this.filledWith(v.argument, depth, seen) : this.source(v, depth, seen);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }
}

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: {
      description: 'disallow assertions on a duration measured with the wall clock; assert the event instead',
    },
    schema: [
      {
        type: 'object',
        properties: {
          depth: { type: 'integer', minimum: 0 },
          durationCalls: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      timed:
        'This assertion compares a time measured with {{source}}. Assert the event (a gate, a state, ' +
        'an order of messages) with a generous bound only as a hang guard; print timings with ' +
        't.diagnostic or measure them in a benchmark.',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const tracer = new Tracer(context, options.depth ?? 3, options.durationCalls ?? []);
    const assertNames = new Set(['assert']);
    const visitorKeys = context.sourceCode.visitorKeys;

    function isAssertCall(call) {
      let callee = call.callee;
      if (callee.type === 'Identifier') return assertNames.has(callee.name);
      while (callee.type === 'MemberExpression') {
        if (memberName(callee) === 'assert') return true;
        if (callee.object.type === 'Identifier' && assertNames.has(callee.object.name)) return true;
        callee = callee.object;
      }
      return false;
    }

    function timedComparison(node, depth, seen) {
      if (node.type !== 'BinaryExpression' || !RELATIONAL.has(node.operator)) return undefined;
      return tracer.source(node.left, depth, seen) ?? tracer.source(node.right, depth, seen);
    }

    function check(node) {
      const direct = timedComparison(node, tracer.maxDepth, new Set());
      if (direct !== undefined) {
        context.report({ node, messageId: 'timed', data: { source: direct } });
        return;
      }
      if (node.type === 'Identifier') {
        // const fast = ms < 200; assert.ok(fast)
        const found = tracer.follow(node, tracer.maxDepth, new Set(), (value, d, s) =>
          timedComparison(value, d, s),
        );
        if (found !== undefined) context.report({ node, messageId: 'timed', data: { source: found } });
        return;
      }
      if (node.type === 'MemberExpression' && !node.computed) {
        check(node.object);
        return;
      }
      if (node.type === 'Property' && !node.computed) {
        check(node.value);
        return;
      }
      for (const key of visitorKeys[node.type] ?? []) {
        const child = node[key];
        for (const c of Array.isArray(child) ? child : [child]) {
          if (c !== null && typeof c === 'object' && typeof c.type === 'string') check(c);
        }
      }
    }

    return {
      ImportDeclaration(node) {
        if (!ASSERT_MODULES.has(node.source.value)) return;
        for (const spec of node.specifiers) assertNames.add(spec.local.name);
      },
      CallExpression(node) {
        if (isAssertCall(node)) for (const arg of node.arguments) check(arg);
      },
    };
  },
};

export default rule;
