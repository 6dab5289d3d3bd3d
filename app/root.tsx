import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node'
import { Form, Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useLocation, useRouteError, useRouteLoaderData } from '@remix-run/react'
import { useEffect, useRef, type ReactNode } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary'
import { SearchForm } from '#app/components/search-form'
import { site } from '#app/site'
import { useNonce } from '#app/utils/nonce'
import regularFont from '#app/fonts/source-sans-3-400.woff2?url'
import stylesheet from '#app/styles.css?url'
import { can } from '#server/auth/permissions'

// Pages set their own title; this one shows when an error page replaces them.
export const meta: MetaFunction = ({ error }) => [
  { title: error ? `${isRouteErrorResponse(error) && error.status === 404 ? 'Pagina niet gevonden' : 'Er ging iets mis'} — ${site.title}` : site.title },
]

export const links: LinksFunction = () => [
  // The regular weight is on every page: fetch it with the stylesheet, not after it.
  { rel: 'preload', href: regularFont, as: 'font', type: 'font/woff2', crossOrigin: 'anonymous' },
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
  { rel: 'alternate', type: 'application/atom+xml', title: 'Wijzigingen in de handreiking', href: '/wijzigingen.xml' },
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
      waiting: canModerate ? await context.published.waitingCount() : null,
    },
  }
}

type MenuUser = NonNullable<Awaited<ReturnType<typeof loader>>['user']>

/** The site's main and account links; rendered in the phone menu and in the wide header bar. */
function SiteMenu({ user }: { user: MenuUser | null }) {
  return (
    <>
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
    </>
  )
}

/** On phones the menu folds into a <details>: it opens without JavaScript, and closes again after a client-side navigation. */
function PhoneMenu({ user }: { user: MenuUser | null }) {
  const menu = useRef<HTMLDetailsElement>(null)
  const location = useLocation()
  useEffect(() => {
    if (menu.current) menu.current.open = false
  }, [location])
  return (
    <details className="phone-menu" ref={menu}>
      <summary className="phone-menu__button">Menu</summary>
      <div className="phone-menu__panel">
        <SiteMenu user={user} />
      </div>
    </details>
  )
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
            <PhoneMenu user={user} />
            <SearchForm className="header-search" />
          </div>
          <div className="menu-bar">
            <div className="menu-bar__inner">
              <SiteMenu user={user} />
            </div>
          </div>
        </header>
        <main id="inhoud" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <div className="site-footer__inner">
            <p>{site.title} — een levende handreiking: de tekst groeit met de ervaringen van lokale netwerken.</p>
            <ul className="site-footer__links">
              <li>
                <Link to="/colofon">Colofon</Link>
              </li>
              <li>
                <Link to="/edities">Edities</Link>
              </li>
              <li>
                <a href="/handreiking.pdf">Download de handreiking (pdf)</a>
              </li>
              <li>
                <Link to="/volgen">Wijzigingen volgen</Link>
              </li>
            </ul>
            <p>Deze site gebruikt geen tracking-cookies.</p>
          </div>
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
