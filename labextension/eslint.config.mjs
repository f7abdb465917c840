// ESLint 9 flat config for the extension's TypeScript (`npm run lint`).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['lib/', 'build-test/', 'node_modules/'] },
  {
    files: ['src/**/*.{ts,tsx}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      // type information for the promise rules below (tsconfig.json's program)
      parserOptions: { projectService: true, tsconfigRootDir: dirname(fileURLToPath(import.meta.url)) }
    },
    rules: {
      // the ANSI-escape and URL-cleaning regexes match control characters on purpose
      'no-control-regex': 'off',
      // type-aware: a forgotten await or a promise where a void callback is expected
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error'
    }
  }
);
