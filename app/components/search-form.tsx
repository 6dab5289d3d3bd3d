import { Form, useLocation, useSearchParams } from '@remix-run/react'
import { useId } from 'react'

/**
 * The site's one search box (in the header): a plain GET form, so search works
 * the same with JavaScript off. On the search page it holds the query, to refine it there.
 */
export function SearchForm({ className }: { className?: string }) {
  const id = useId()
  const { pathname } = useLocation()
  const [searchParams] = useSearchParams()
  const query = pathname === '/zoeken' ? (searchParams.get('q') ?? '') : ''
  return (
    <Form method="get" action="/zoeken" role="search" className={`search-form ${className ?? ''}`}>
      <label htmlFor={id}>Zoek in de handreiking</label>
      <div className="search-form__row">
        <input key={query} id={id} type="search" name="q" defaultValue={query} maxLength={200} autoComplete="off" />
        <button type="submit">Zoeken</button>
      </div>
    </Form>
  )
}
