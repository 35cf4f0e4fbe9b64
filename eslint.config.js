// ESLint over the view's JS and its node tests (`make lint`, `make test`).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: [".venv*/**", "node_modules/**", ".npm-cache/**", "binder/**", "benchmarks/**", "notebooks/**", "tests/browser/**"] },
  js.configs.recommended,
  {
    files: ["sora_notebook/widgets/static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "none", caughtErrors: "none" }],
      "no-restricted-properties": ["error",
        { property: "innerHTML", message: "Text reaches the page through textContent only." },
        { property: "outerHTML", message: "Text reaches the page through textContent only." },
        { property: "insertAdjacentHTML", message: "Text reaches the page through textContent only." }],
    },
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
