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
    // Commands, scripts, benchmarks and tests talk to the terminal on purpose.
    files: ['src/commands/**', 'scripts/**', 'bench/**', 'test/**', 'bin/**'],
    rules: {'no-console': 'off'},
  },
);
