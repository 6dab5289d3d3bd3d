import type { Editor } from '@tiptap/react'
import { useRef, useState, type KeyboardEvent } from 'react'
import { FieldError } from '#app/components/form-field'

type Active = Record<'bold' | 'italic' | 'heading2' | 'heading3' | 'bulletList' | 'orderedList' | 'blockquote' | 'link', boolean>

/**
 * A WAI-ARIA toolbar: one tab stop, arrow keys move between buttons,
 * each button says whether its style is on (aria-pressed).
 */
export function Toolbar({ editor, active }: { editor: Editor; active: Active }) {
  const [focused, setFocused] = useState(0)
  const [linkFormOpen, setLinkFormOpen] = useState(false)
  const buttons = useRef<Array<HTMLButtonElement | null>>([])
  const chain = () => editor.chain().focus()
  const items: Array<{ label: string; shortcut?: string; pressed?: boolean; run: () => void }> = [
    { label: 'Vet', shortcut: 'Ctrl+B', pressed: active.bold, run: () => chain().toggleBold().run() },
    { label: 'Cursief', shortcut: 'Ctrl+I', pressed: active.italic, run: () => chain().toggleItalic().run() },
    { label: 'Kop', pressed: active.heading2, run: () => chain().toggleHeading({ level: 2 }).run() },
    { label: 'Subkop', pressed: active.heading3, run: () => chain().toggleHeading({ level: 3 }).run() },
    { label: 'Opsomming', pressed: active.bulletList, run: () => chain().toggleBulletList().run() },
    { label: 'Genummerde lijst', pressed: active.orderedList, run: () => chain().toggleOrderedList().run() },
    { label: 'Citaat', pressed: active.blockquote, run: () => chain().toggleBlockquote().run() },
    { label: active.link ? 'Link aanpassen' : 'Link', pressed: active.link, run: () => setLinkFormOpen(true) },
  ]
  const move = (event: KeyboardEvent) => {
    const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    const target = event.key === 'Home' ? 0 : event.key === 'End' ? items.length - 1 : (focused + delta + items.length) % items.length
    if (delta === 0 && event.key !== 'Home' && event.key !== 'End') return
    event.preventDefault()
    setFocused(target)
    buttons.current[target]?.focus()
  }
  return (
    <>
      <div role="toolbar" aria-label="Opmaak" className="toolbar" onKeyDown={move}>
        {items.map((item, index) => (
          <button
            key={item.label}
            ref={(element) => {
              buttons.current[index] = element
            }}
            type="button"
            tabIndex={index === focused ? 0 : -1}
            aria-pressed={item.pressed}
            aria-keyshortcuts={item.shortcut?.replace('Ctrl', 'Control')}
            title={item.shortcut ? `${item.label} (${item.shortcut})` : item.label}
            onFocus={() => setFocused(index)}
            onClick={item.run}
            className="toolbar__button"
          >
            {item.label}
          </button>
        ))}
      </div>
      {linkFormOpen ? <LinkForm editor={editor} onClose={() => setLinkFormOpen(false)} /> : null}
    </>
  )
}

function LinkForm({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const [href, setHref] = useState<string>(editor.getAttributes('link').href ?? 'https://')
  const [error, setError] = useState('')
  const apply = () => {
    if (!/^(https?:\/\/[^\s]+\.[^\s]+|mailto:[^\s@]+@[^\s@]+)$/.test(href.trim())) {
      setError('Vul een volledig webadres in, zoals https://www.voorbeeld.nl.')
      return
    }
    editor.chain().focus().extendMarkRange('link').setLink({ href: href.trim() }).run()
    onClose()
  }
  return (
    <div className="link-form" role="group" aria-label="Link">
      <label htmlFor="link-adres">Adres van de link</label>
      <FieldError id="link-fout" error={error} />
      <input
        id="link-adres"
        type="url"
        value={href}
        autoFocus
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? 'link-fout' : undefined}
        onChange={(event) => setHref(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            event.preventDefault()
            apply()
          }
          if (event.key === 'Escape') onClose()
        }}
      />
      <button type="button" onClick={apply}>
        Link opslaan
      </button>
      {editor.isActive('link') ? (
        <button
          type="button"
          className="button--secondary"
          onClick={() => {
            editor.chain().focus().extendMarkRange('link').unsetLink().run()
            onClose()
          }}
        >
          Link verwijderen
        </button>
      ) : null}
      <button type="button" className="button--secondary" onClick={onClose}>
        Annuleren
      </button>
    </div>
  )
}
