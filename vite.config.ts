import { vitePlugin as remix } from '@remix-run/dev'
import path from 'node:path'
import { defineConfig, type Plugin } from 'vite'

declare module '@remix-run/node' {
  interface Future {
    v3_singleFetch: true
  }
}

// Everything in server/ is server-only, like *.server.ts files: a browser bundle
// that reaches into it fails the build instead of shipping database code.
function serverOnlyFolder(): Plugin {
  const serverDir = path.resolve('server') + path.sep
  return {
    name: 'server-only-folder',
    enforce: 'pre',
    load(id, options) {
      if (!options?.ssr && id.startsWith(serverDir)) {
        throw new Error(`${path.relative(process.cwd(), id)} is server-only but ended up in the browser bundle: use it only in loaders and actions, and pass values through loader data.`)
      }
      return null
    },
  }
}

export default defineConfig({
  plugins: [
    serverOnlyFolder(),
    remix({
      ignoredRouteFiles: ['**/*.test.*'],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: true,
      },
    }),
  ],
  build: { target: 'es2022' },
})
