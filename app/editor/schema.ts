import type { Extensions } from '@tiptap/core'
import { Link } from '@tiptap/extension-link'
import { StarterKit } from '@tiptap/starter-kit'

/**
 * Links carry only their address. `rel` is our fixed policy, added when rendering;
 * no `target`, `class` or `title` comes from a document, whatever a client sends.
 */
const HandbookLink = Link.extend({
  addAttributes() {
    return { href: { default: null, parseHTML: (element: HTMLElement) => element.getAttribute('href') } }
  },
})

/**
 * The handbook's document schema: the one list of tiptap extensions that the
 * live editor, the Markdown importer, the server HTML renderer, the suggestion
 * applier and the PDF renderer all use. A node added here shows up everywhere.
 *
 * Headings start at level 2 because the page's own title is the h1.
 * Undo/redo is off: in the live editor Yjs provides a shared-aware undo.
 */
export const handbookExtensions: Extensions = [
  StarterKit.configure({
    heading: { levels: [2, 3, 4] },
    code: false,
    codeBlock: false,
    horizontalRule: false,
    strike: false,
    underline: false,
    undoRedo: false,
    link: false,
  }),
  HandbookLink.configure({
    openOnClick: false,
    autolink: true,
    protocols: ['http', 'https', 'mailto'],
    HTMLAttributes: { rel: 'noopener noreferrer', target: null, class: null },
  }),
]
