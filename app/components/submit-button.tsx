import { useNavigation } from '@remix-run/react'
import { useEffect, useRef, useState, type ButtonHTMLAttributes } from 'react'

export const busyLabel = 'Bezig met versturen…'

/**
 * A submit button that says it is busy and cannot be pressed twice while its
 * own form is on its way (with JavaScript; without it the form simply posts,
 * and the server accepts a form once).
 */
export function SubmitButton({ children, className, ...button }: ButtonHTMLAttributes<HTMLButtonElement>) {
  const element = useRef<HTMLButtonElement>(null)
  const [busy, setBusy] = useState(false)
  const navigation = useNavigation()
  useEffect(() => {
    const form = element.current?.form
    if (!form) return
    const started = (event: SubmitEvent) => {
      if (!event.defaultPrevented && event.submitter === element.current) setBusy(true)
    }
    form.addEventListener('submit', started)
    return () => form.removeEventListener('submit', started)
  }, [])
  useEffect(() => {
    if (navigation.state === 'idle') setBusy(false)
  }, [navigation.state])
  return (
    <button ref={element} type="submit" {...button} className={className} disabled={busy || button.disabled} aria-disabled={busy || undefined}>
      {busy ? busyLabel : children}
    </button>
  )
}
