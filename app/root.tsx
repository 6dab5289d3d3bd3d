import type { LinksFunction } from '@remix-run/node'
import { Link, Links, Meta, NavLink, Outlet, Scripts, ScrollRestoration, useRouteError } from '@remix-run/react'
import type { ReactNode } from 'react'
import { GeneralErrorBoundary } from '#app/components/error-boundary'
import { SearchForm } from '#app/components/search-form'
import { site } from '#app/site'
import stylesheet from '#app/styles.css?url'

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
]

export function Layout({ children }: { children: ReactNode }) {
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
                  <NavLink to="/colofon">Colofon</NavLink>
                </li>
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
        <ScrollRestoration />
        <Scripts />
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
