import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useRouteError, useRouteLoaderData } from '@remix-run/react'
import type { ReactNode } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary'
import { SearchForm } from '#app/components/search-form'
import { site } from '#app/site'
import { useNonce } from '#app/utils/nonce'
import stylesheet from '#app/styles.css?url'
import { can } from '#server/auth/permissions'
import { waitingCount } from '#server/contributions/moderation'

// Pages set their own title; this one shows when an error page replaces them.
export const meta: MetaFunction = ({ error }) => [
  { title: error ? `${isRouteErrorResponse(error) && error.status === 404 ? 'Pagina niet gevonden' : 'Er ging iets mis'} — ${site.title}` : site.title },
]

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export async function loader({ context }: LoaderFunctionArgs) {
  const user = context.authentication?.user ?? null
  if (!user) return { user: null }
  const canModerate = can(user, 'contribution:moderate')
  return {
    user: {
      name: user.name || user.email,
      canInvite: can(user, 'user:invite'),
      canManageUsers: can(user, 'user:manage'),
      waiting: canModerate ? await waitingCount(context.db) : null,
    },
  }
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce()
  const user = useRouteLoaderData<typeof loader>('root')?.user ?? null
  return (
    <html lang="nl">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#inhoud">
          Naar de inhoud
        </a>
        <header className="site-header">
          <div className="site-header__inner">
            <Link to="/" className="site-name">
              <span className="site-name__title">{site.title}</span>
              <span className="site-name__subtitle">{site.subtitle}</span>
            </Link>
            <nav aria-label="Hoofdmenu" className="main-nav">
              <ul>
                <li>
                  <NavLink to="/" end>
                    Handreiking
                  </NavLink>
                </li>
                <li>
                  <NavLink to="/voorbeelden">Goede voorbeelden</NavLink>
                </li>
                <li>
                  <NavLink to="/edities">Edities</NavLink>
                </li>
                <li>
                  <NavLink to="/colofon">Colofon</NavLink>
                </li>
              </ul>
            </nav>
            <nav aria-label="Account" className="account-nav">
              <ul>
                {user ? (
                  <>
                    {user.waiting !== null ? (
                      <li>
                        <NavLink to="/beheer/moderatie">
                          Moderatie
                          {user.waiting > 0 ? (
                            <span className="badge">
                              {user.waiting}
                              <span className="visually-hidden"> wachtend</span>
                            </span>
                          ) : null}
                        </NavLink>
                      </li>
                    ) : null}
                    {user.canManageUsers ? (
                      <li>
                        <NavLink to="/beheer/gebruikers">Gebruikers</NavLink>
                      </li>
                    ) : user.canInvite ? (
                      <li>
                        <NavLink to="/beheer/uitnodigen">Uitnodigen</NavLink>
                      </li>
                    ) : null}
                    <li>
                      <NavLink to="/account">
                        <span className="visually-hidden">Mijn account: </span>
                        {user.name}
                      </NavLink>
                    </li>
                    <li>
                      <Form method="post" action="/uitloggen">
                        <button type="submit" className="link-button">
                          Uitloggen
                        </button>
                      </Form>
                    </li>
                  </>
                ) : (
                  <li>
                    <NavLink to="/inloggen">Inloggen</NavLink>
                  </li>
                )}
              </ul>
            </nav>
            <SearchForm className="header-search" />
          </div>
        </header>
        <main id="inhoud" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>
            {site.title} — een levende handreiking: de tekst groeit met de ervaringen van lokale netwerken.
          </p>
          <p>
            <Link to="/colofon">Colofon</Link> · <a href="/handreiking.pdf">Download de handreiking (pdf)</a> · Deze site
            gebruikt geen tracking-cookies.
          </p>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary error={useRouteError()} />
}
