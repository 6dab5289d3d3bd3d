import { defineConfig } from 'vitest/config'

const unitAndDatabase = ['tests/**/*.test.ts']
const browser = ['tests/e2e/**/*.test.ts']

// The database tests run on embedded PGlite always, and once more on a real
// Postgres when TEST_DATABASE_URL is set (CI sets it).
const projects = [
  { test: { name: 'pglite', include: unitAndDatabase, exclude: browser, env: { TEST_DB: 'pglite' } } },
  ...(process.env.TEST_DATABASE_URL
    ? [{ test: { name: 'postgres', include: unitAndDatabase, exclude: browser, env: { TEST_DB: 'postgres' } } }]
    : []),
  // A browser test is a whole journey through many pages in Chromium: the longest took 93 s with both
  // CPUs loaded (load average 14), too near the 120 s the others get.
  { test: { name: 'browser', include: browser, env: { TEST_DB: 'pglite' }, testTimeout: 300_000 } },
]

export default defineConfig({
  test: {
    projects: projects.map((project) => ({ extends: true, ...project })),
    // Most tests take 0.5–3 s on an idle machine (a copied database, the real site); the margin is for
    // a machine whose CPUs are busy with other work: on this 2-CPU machine with a load average of 20–25
    // (eight other builds and test runs) a test's CPU work takes 10–15 times as long, and the first
    // page of a file (which renders the PDF for its size) took over 60 s. A timeout only bounds a
    // failure. Tests that start server processes or render whole PDFs set their own, with their reasons.
    testTimeout: 120_000,
    // beforeAll/afterAll start and stop whole sites and databases (pdf.test.ts renders and parses the PDF).
    hookTimeout: 300_000,
    pool: 'forks',
    // vitest's default is one file at a time on 2 CPUs (CPUs − 1). Most files here wait on a server,
    // a socket, a child process or Chromium much of the time, so four run side by side.
    maxWorkers: 4,
    // The migrated and the imported database, made once per run for every test file to copy.
    globalSetup: ['tests/support/database-templates.ts'],
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent' },
  },
})
