// How production runs the server: the compiled entry (scripts/build-if-needed.js) with a young
// generation of at most 8 MB (V8's default 16 MB semi-spaces were most of the idle RSS past the code
// itself; 2 MB, the earlier choice, made live editing collect ~8× as often: ~15 % more CPU per
// delivered update; 8 MB keeps idle RSS ~5 MB above 2 MB's, decisions 009 and 014) — and WebAssembly
// (PGlite's Postgres, nothing else here) compiled by V8's baseline compiler only: the optimising tier's
// code for that large module costs ~80 MB of RSS for ~5–10 % of a query's CPU — and an old generation
// that grows its limit by 30 % at a time rather than V8's default factor, which let a read burst leave
// 117–130 MB behind (docs/decisions/009). 30 %, not the earlier 10 %: on one machine and day, a read
// burst left 82 MB behind with 30 % and 81 with 10 %, at 3.7 against 4.2 ms CPU per signed-in page, and
// live editing just after 600 editor pages were served did no worse (decision 014, seventh pass).
// Used by `npm start`, bench:read and bench:collab.
export const serverCommand = ['--max-semi-space-size=8', '--liftoff-only', '--heap-growing-percent=30', 'build/server-entry.js']
