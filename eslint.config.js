// `npm run lint` (eslint . && prettier --check .). Flat config: TypeScript under src/ and test/ is
// linted with type information (tsconfig.test.json, the program `npm run typecheck` builds); the
// plain-JS bench, scripts and fixtures, and the TypeScript outside that program, without it.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'bench/out/', '.tunnel-state/', 'man/', 'templates/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    // In recommendedTypeChecked already; named so the gate's core stays on whatever the preset does.
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Input validation matches control characters (\x00-\x1f) on purpose: that is what it rejects.
      'no-control-regex': 'off',
      // Fakes and interface implementations are `async` to return a promise; dropping it would make a throw synchronous.
      '@typescript-eslint/require-await': 'off',
      // A `let` read in a closure before its one assignment stays `let`: as a const that read would throw (TDZ).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // vitest types its asymmetric matchers (expect.any, expect.stringContaining, ...) as any, so every use would be flagged.
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // No type information here: plain JS, and the TypeScript outside tsconfig.test.json (root and bench config, the Slurm bench).
    files: ['**/*.js', '**/*.mjs', '**/*.cjs', '*.ts', 'bench/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  prettier,
);
