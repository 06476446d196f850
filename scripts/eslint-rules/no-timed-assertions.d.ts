/** Types of the local ESLint rule `no-timed-assertions` (the rule is plain JavaScript: ESLint loads it from eslint.config.js). */
import type { Rule } from 'eslint';

declare const rule: Rule.RuleModule;
export default rule;
