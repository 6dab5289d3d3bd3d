import type { Extensions } from '@tiptap/core'
import { StarterKit } from '@tiptap/starter-kit'

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
    link: {
      openOnClick: false,
      autolink: true,
      protocols: ['http', 'https', 'mailto'],
      HTMLAttributes: { rel: 'noopener', target: null },
    },
  }),
]
