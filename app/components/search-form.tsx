import { Form } from '@remix-run/react'
import { useId } from 'react'

/** A plain GET form: search works the same with JavaScript off. */
export function SearchForm({ defaultValue = '', className }: { defaultValue?: string; className?: string }) {
  const id = useId()
  return (
    <Form method="get" action="/zoeken" role="search" className={`search-form ${className ?? ''}`}>
      <label htmlFor={id}>Zoek in de handreiking</label>
      <div className="search-form__row">
        <input id={id} type="search" name="q" defaultValue={defaultValue} maxLength={200} autoComplete="off" />
        <button type="submit">Zoeken</button>
      </div>
    </Form>
  )
}
