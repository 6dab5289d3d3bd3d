import type { Editor } from '@tiptap/react'
import { useRef, useState, type KeyboardEvent } from 'react'
import { FieldError } from '#app/components/form-field'

export type ToolbarState = Record<'bold' | 'italic' | 'heading2' | 'heading3' | 'bulletList' | 'orderedList' | 'blockquote' | 'link' | 'canUndo' | 'canRedo', boolean>

type Item = {
  label: string
  /** Shown on a phone, where only the first buttons fit in one row. */
  icon?: string
  /** As people press it; aria-keyshortcuts gets the spec's spelling. */
  shortcut?: string
  pressed?: boolean
  disabled?: boolean
  /** On a phone: behind "Meer" rather than in the one row. */
  more?: boolean
  run: () => void
}

/**
 * A WAI-ARIA toolbar: one tab stop, arrow keys move between buttons, each
 * button says whether its style is on (aria-pressed) and its shortcut (in its
 * tooltip and aria-keyshortcuts). It stays in view while typing (sticky); on a
 * phone it is one row, the rest behind "Meer". Focus comes back to the button
 * that opened the link form when that closes.
 */
export function Toolbar({ editor, active }: { editor: Editor; active: ToolbarState }) {
  const [focused, setFocused] = useState(0)
  const [linkFormOpen, setLinkFormOpen] = useState(false)
  const [moreOpen, setMoreOpen] = useState(false)
  const buttons = useRef<Array<HTMLButtonElement | null>>([])
  const chain = () => editor.chain().focus()
  const items: Item[] = [
    { label: 'Ongedaan maken', icon: '↶', shortcut: 'Ctrl+Z', disabled: !active.canUndo, run: () => chain().undo().run() },
    { label: 'Opnieuw', icon: '↷', shortcut: 'Ctrl+Y', disabled: !active.canRedo, run: () => chain().redo().run() },
    { label: 'Vet', icon: 'B', shortcut: 'Ctrl+B', pressed: active.bold, run: () => chain().toggleBold().run() },
    { label: 'Cursief', icon: 'I', shortcut: 'Ctrl+I', pressed: active.italic, run: () => chain().toggleItalic().run() },
    { label: 'Kop', shortcut: 'Ctrl+Alt+2', pressed: active.heading2, more: true, run: () => chain().toggleHeading({ level: 2 }).run() },
    { label: 'Subkop', shortcut: 'Ctrl+Alt+3', pressed: active.heading3, more: true, run: () => chain().toggleHeading({ level: 3 }).run() },
    { label: 'Opsomming', shortcut: 'Ctrl+Shift+8', pressed: active.bulletList, more: true, run: () => chain().toggleBulletList().run() },
    { label: 'Genummerde lijst', shortcut: 'Ctrl+Shift+7', pressed: active.orderedList, more: true, run: () => chain().toggleOrderedList().run() },
    { label: 'Citaat', shortcut: 'Ctrl+Shift+B', pressed: active.blockquote, more: true, run: () => chain().toggleBlockquote().run() },
    { label: active.link ? 'Link aanpassen' : 'Link', pressed: active.link, more: true, run: () => setLinkFormOpen(true) },
  ]
  const linkIndex = items.length - 1
  const visible = () => buttons.current.map((button, index) => ({ button, index })).filter(({ button }) => button && button.offsetParent !== null)
  const focusButton = (index: number) => {
    setFocused(index)
    buttons.current[index]?.focus()
  }
  const move = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && moreOpen) {
      setMoreOpen(false)
      moreButton.current?.focus()
      return
    }
    const shown = visible()
    const at = Math.max(0, shown.findIndex(({ index }) => index === focused))
    const target =
      event.key === 'ArrowRight' ? shown[(at + 1) % shown.length] : event.key === 'ArrowLeft' ? shown[(at - 1 + shown.length) % shown.length] : event.key === 'Home' ? shown[0] : event.key === 'End' ? shown[shown.length - 1] : undefined
    if (!target || event.target === moreButton.current) return
    event.preventDefault()
    focusButton(target.index)
  }
  const moreButton = useRef<HTMLButtonElement>(null)
  // Back to the Link button; on a phone with "Meer" closed it is hidden, so to "Meer".
  const returnFocus = () => {
    const link = buttons.current[linkIndex]
    if (link && link.offsetParent !== null) focusButton(linkIndex)
    else moreButton.current?.focus()
  }
  return (
    <div className="toolbar-dock">
      <div role="toolbar" aria-label="Opmaak" className={`toolbar${moreOpen ? ' toolbar--more-open' : ''}`} onKeyDown={move}>
        {items.map((item, index) => (
          <button
            key={index}
            ref={(element) => {
              buttons.current[index] = element
            }}
            type="button"
            tabIndex={index === focused ? 0 : -1}
            aria-label={item.icon ? item.label : undefined}
            data-icon={item.icon}
            aria-pressed={item.pressed}
            aria-disabled={item.disabled || undefined}
            aria-keyshortcuts={item.shortcut?.replace('Ctrl', 'Control')}
            title={item.shortcut ? `${item.label} (${item.shortcut})` : item.label}
            onFocus={() => setFocused(index)}
            onClick={() => {
              if (!item.disabled) item.run()
            }}
            className={`toolbar__button${item.more ? ' toolbar__button--more' : ''}${item.icon ? ' toolbar__button--icon' : ''}`}
          >
            <span className="toolbar__label">{item.label}</span>
          </button>
        ))}
        <button
          ref={moreButton}
          type="button"
          className="toolbar__button toolbar__more"
          aria-expanded={moreOpen}
          onClick={() => setMoreOpen((open) => !open)}
        >
          Meer
        </button>
      </div>
      {linkFormOpen ? (
        <LinkForm
          editor={editor}
          onClose={() => {
            setLinkFormOpen(false)
            requestAnimationFrame(returnFocus)
          }}
        />
      ) : null}
    </div>
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
    editor.chain().extendMarkRange('link').setLink({ href: href.trim() }).run()
    onClose()
  }
  return (
    <div
      className="link-form"
      role="group"
      aria-label="Link"
      onKeyDown={(event) => {
        if (event.key !== 'Escape') return
        event.preventDefault()
        event.stopPropagation()
        onClose()
      }}
    >
      <label htmlFor="link-adres">Adres van de link</label>
      <FieldError id="link-fout" error={error} />
      <input
        id="link-adres"
        type="text"
        inputMode="url"
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
            editor.chain().extendMarkRange('link').unsetLink().run()
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
