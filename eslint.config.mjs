// Lint: typescript-eslint's type-aware rules and Pulumi's own plugin, whose rules keep
// a pulumi.Output out of a template literal (it would print "Calling [toString] on an
// Output<T> is not supported"; pulumi.interpolate is the way).
// Layout is prettier's (npm run format); eslint-config-prettier turns off the rules it
// owns, and `curly`, which it turns off too (a "special rule" in eslint-config-prettier
// 10.1.8 index.js), is turned back on below.
import pulumi from "@pulumi/eslint-plugin";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config({ ignores: ["node_modules/**", "bin/**", "**/*.js", "**/*.mjs"] }, ...tseslint.configs.recommendedTypeChecked, prettier, {
    languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
        "@pulumi/no-output-in-template-literal": "error",
        "@pulumi/no-output-instance-in-template-literal": "error",
        "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
        "@typescript-eslint/no-floating-promises": [
            "error",
            // node:test's describe/it return promises the runner itself awaits.
            {
                allowForKnownSafeCalls: [
                    { from: "package", package: "node:test", name: ["describe", "it", "test", "before", "after", "beforeEach", "afterEach"] },
                ],
            },
        ],
        "@typescript-eslint/no-explicit-any": "error",
        "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
        "no-console": "off",
        // A one-line if grows a second statement that silently falls outside it.
        curly: "error",
    },
});
