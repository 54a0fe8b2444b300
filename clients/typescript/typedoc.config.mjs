// TypeDoc: the API reference (npm run docs writes it to docs/api/).
import { OptionDefaults } from "typedoc";

export default {
  entryPoints: ["src/index.ts"],
  out: "docs/api",
  name: "@lobbyd/client",
  readme: "README.md",
  excludePrivate: true,
  // No links to source files: a clone's git remote may be a local path, which TypeDoc cannot
  // turn into links (it warns, and the tests treat warnings as errors).
  disableSources: true,
  // The generated types (src/openapi.ts) carry openapi-typescript's tags.
  blockTags: [...OptionDefaults.blockTags, "@description", "@enum", "@constant"],
};
