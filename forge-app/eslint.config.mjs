// ESLint (flat config) for the Forge app and its Custom UI, run by scripts/test.sh as `npm run lint`.
// The linters live in forge-app/tools (they need TypeScript 5's JavaScript API; the app compiles with TypeScript 7),
// so this file imports them from there. Rules are typescript-eslint's recommended set plus React hooks; every rule
// turned down below says why.
import { createRequire } from 'node:module';

const require = createRequire(new URL('./tools/package.json', import.meta.url));
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const reactHooks = require('eslint-plugin-react-hooks');
const globals = require('globals');

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'ui/dist/**', 'ui/dist-e2e/**', 'ui/src/generated/**', 'tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      // `_name` marks a parameter a signature requires but the body does not use.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The manifest tests walk parsed YAML of any shape, as the Forge CLI does; typing it would restate the schema.
    files: ['test/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
