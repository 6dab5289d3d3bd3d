import { createContext, useContext } from 'react'

/** The per-request CSP nonce, so Remix's inline scripts may run and injected ones may not. */
export const NonceContext = createContext<string | undefined>(undefined)

export function useNonce() {
  return useContext(NonceContext)
}
