// How production runs the server: the compiled entry (scripts/build-if-needed.js) with a small
// young generation — a reader's request allocates little, and the default 16 MB semi-spaces are
// most of the idle RSS past the code itself — and WebAssembly (PGlite's Postgres, nothing else
// here) compiled by V8's baseline compiler only: the optimising tier's code for that large module
// costs ~80 MB of RSS for ~5–10 % of a query's CPU (docs/decisions/009). Used by `npm start` and bench:read.
export const serverCommand = ['--max-semi-space-size=2', '--liftoff-only', 'build/server-entry.js']
