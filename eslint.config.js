// ESLint flat config (ESLint 10 + typescript-eslint 8).
//
// Correctness rules only: no stylistic rules and no formatter (the code style — a space before
// function parens, no semicolons — is left as it is). Linting is not type-aware: the test files
// belong to tsconfig.test.json and see the library through the built `dist/` (the package imports
// itself as `undici-client-cache`), so a type-aware lint would depend on a prior build; `npm run
// build` and `npm run typecheck` already do the type checking.
import { defineConfig } from 'eslint/config'
import tseslint from 'typescript-eslint'

// Node's own globals (process, console, URL, fetch, setTimeout, ...), read from the running Node,
// for the plain .mjs scripts (examples, benchmarks, CI helpers); TypeScript checks the .ts files.
const nodeGlobals = Object.fromEntries(
  Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly'])
)

export default defineConfig(
  {
    ignores: ['dist/', 'build-test/', 'node_modules/', '.ci/cache/', '.ci/services/']
  },
  {
    linterOptions: {
      reportUnusedDisableDirectives: 'error'
    }
  },
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      // `_`-prefixed names mark a deliberately unused parameter or binding (e.g. an interface
      // method an implementation ignores, `const { a, ...rest }` to drop a field).
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true
      }]
    }
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: nodeGlobals
    },
    rules: {
      'no-undef': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {
        argsIgnorePattern: '^_',
        varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_',
        ignoreRestSiblings: true
      }]
    }
  }
)
