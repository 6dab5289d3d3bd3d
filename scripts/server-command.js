// How production runs the server: the compiled entry (scripts/build-if-needed.js) with a small
// young generation — a reader's request allocates little, and the default 16 MB semi-spaces are
// most of the idle RSS past the code itself (docs/decisions/009). Used by `npm start` and bench:read.
export const serverCommand = ['--max-semi-space-size=2', 'build/server-entry.js']
