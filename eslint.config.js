// Flat config: typescript-eslint's recommended rules on everything we write.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'demo/', 'coverage/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', URL: 'readonly'},
    },
    rules: {
      'no-console': ['error', {allow: ['error']}],
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_'}],
    },
  },
  {
    // CommonJS helpers (preloaded with node --require).
    files: ['**/*.cjs'],
    languageOptions: {sourceType: 'commonjs', globals: {require: 'readonly', module: 'writable', __filename: 'readonly'}},
    rules: {'@typescript-eslint/no-require-imports': 'off'},
  },
  {
    // oclif comes from its one-file bundle (#oclif, dist/oclif): the full package costs ~1,400 module loads at start.
    files: ['src/**/*.ts'],
    rules: {'no-restricted-imports': ['error', {paths: [{name: '@oclif/core', message: 'Import from "#oclif" (the bundled oclif): the full package costs every CLI start ~1 s of CPU.'}]}]},
  },
  {
    // Commands, scripts, benchmarks and tests talk to the terminal on purpose.
    files: ['src/commands/**', 'scripts/**', 'bench/**', 'test/**', 'bin/**'],
    rules: {'no-console': 'off'},
  },
);
