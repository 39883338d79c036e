// ESLint for the patient pages' JavaScript (server/patient_web/static/js): browser ES modules,
// the recommended rules and a few more. Types are tsc's job (tsconfig.json); style is not linted.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    files: ["server/patient_web/static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      eqeqeq: ["error", "always"],
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_", caughtErrors: "all" }],
      "prefer-const": "error",
      "no-var": "error",
      "no-shadow": "error",
      "no-throw-literal": "error",
      "no-implicit-globals": "error",
      "no-param-reassign": "error",
      "no-return-assign": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "no-use-before-define": ["error", { functions: false, classes: true, variables: true }],
      "object-shorthand": "error",
      "prefer-template": "error",
    },
  },
];
