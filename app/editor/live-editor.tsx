import { Collaboration } from '@tiptap/extension-collaboration'
import { CollaborationCaret } from '@tiptap/extension-collaboration-caret'
import { EditorContent, useEditor, useEditorState, type Editor } from '@tiptap/react'
import { useEffect, useState } from 'react'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { handbookExtensions } from './schema'
import { Toolbar } from './toolbar'

export type EditorUser = { name: string; color: string }
type Connection = 'verbonden' | 'opnieuw verbinden' | 'offline'

/** The live editor: tiptap on a Yjs doc that y-websocket keeps in sync with /collab/<document>. */
export function LiveEditor({ document, user }: { document: string; user: EditorUser }) {
  const [session, setSession] = useState<{ doc: Y.Doc; provider: WebsocketProvider } | null>(null)
  useEffect(() => {
    const doc = new Y.Doc()
    const protocol = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
    const provider = new WebsocketProvider(`${protocol}//${window.location.host}/collab`, document, doc)
    setSession({ doc, provider })
    return () => {
      provider.destroy()
      doc.destroy()
    }
  }, [document])
  if (!session) return <p className="muted">De editor wordt geladen…</p>
  return <CollaborativeEditor doc={session.doc} provider={session.provider} user={user} />
}

function CollaborativeEditor({ doc, provider, user }: { doc: Y.Doc; provider: WebsocketProvider; user: EditorUser }) {
  const editor = useEditor({
    immediatelyRender: false,
    extensions: [
      ...handbookExtensions,
      Collaboration.configure({ document: doc, field: 'default' }),
      CollaborationCaret.configure({ provider, user }),
    ],
    editorProps: {
      attributes: { class: 'prose editor-content', 'aria-label': 'Tekst van deze paragraaf', 'aria-multiline': 'true', role: 'textbox' },
    },
  })
  const connection = useConnectionState(provider)
  const people = usePeople(provider)
  return (
    <div className="live-editor">
      <div className="live-editor__bar">
        <p role="status" className={`connection connection--${connection.replace(' ', '-')}`}>
          <span aria-hidden="true" className="connection__dot" />
          {connection === 'verbonden' ? 'Verbonden' : connection === 'offline' ? 'Offline — uw wijzigingen worden bewaard en verstuurd zodra u weer online bent' : 'Opnieuw verbinden…'}
        </p>
        <div className="presence">
          <h2 className="visually-hidden">Wie er nu bewerkt</h2>
          <ul aria-label="Nu aan het bewerken">
            {people.map((person) => (
              <li key={person.clientId}>
                <span className="presence__dot" style={{ background: person.color }} aria-hidden="true" />
                {person.name}
                {person.self ? ' (u)' : ''}
              </li>
            ))}
          </ul>
        </div>
      </div>
      {editor ? <EditorToolbar editor={editor} /> : null}
      <EditorContent editor={editor} />
    </div>
  )
}

function EditorToolbar({ editor }: { editor: Editor }) {
  const active = useEditorState({
    editor,
    selector: ({ editor: current }) => ({
      bold: current.isActive('bold'),
      italic: current.isActive('italic'),
      heading2: current.isActive('heading', { level: 2 }),
      heading3: current.isActive('heading', { level: 3 }),
      bulletList: current.isActive('bulletList'),
      orderedList: current.isActive('orderedList'),
      blockquote: current.isActive('blockquote'),
      link: current.isActive('link'),
      canUndo: current.can().undo(),
      canRedo: current.can().redo(),
    }),
  })
  return <Toolbar editor={editor} active={active} />
}

function useConnectionState(provider: WebsocketProvider): Connection {
  const [status, setStatus] = useState<Connection>(provider.wsconnected ? 'verbonden' : 'opnieuw verbinden')
  useEffect(() => {
    const update = () => setStatus(!navigator.onLine ? 'offline' : provider.wsconnected ? 'verbonden' : 'opnieuw verbinden')
    provider.on('status', update)
    window.addEventListener('online', update)
    window.addEventListener('offline', update)
    update()
    return () => {
      provider.off('status', update)
      window.removeEventListener('online', update)
      window.removeEventListener('offline', update)
    }
  }, [provider])
  return status
}

function usePeople(provider: WebsocketProvider) {
  const [people, setPeople] = useState<Array<{ clientId: number; name: string; color: string; self: boolean }>>([])
  useEffect(() => {
    const update = () =>
      setPeople(
        [...provider.awareness.getStates().entries()]
          .filter(([, state]) => state.user?.name)
          .map(([clientId, state]) => ({ clientId, name: String(state.user.name), color: String(state.user.color), self: clientId === provider.awareness.clientID })),
      )
    provider.awareness.on('change', update)
    update()
    return () => provider.awareness.off('change', update)
  }, [provider])
  return people
}
