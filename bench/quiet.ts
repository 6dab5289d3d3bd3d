// Imported first by every benchmark: the site's request log (info) would bury the table, so
// benchmarks log warnings and errors only unless LOG_LEVEL says otherwise. ES modules run in
// import order, so this runs before #server/logger reads LOG_LEVEL.
process.env.LOG_LEVEL ??= 'warn'
