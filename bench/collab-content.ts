import * as Y from 'yjs'

/** The field tiptap's Collaboration extension edits (server/collab/handbook-rules.ts), so our server's schema check accepts the inserts. */
export const field = 'default'

/** Appends `count` paragraphs of ordinary text to a document, in one transaction (one update). */
export function writeParagraphs(doc: Y.Doc, count: number) {
  const fragment = doc.getXmlFragment(field)
  doc.transact(() => {
    const paragraphs = Array.from({ length: count }, (_, index) => {
      const paragraph = new Y.XmlElement('paragraph')
      paragraph.insert(0, [new Y.XmlText(`Alinea ${index + 1}: gemeenten en zorgaanbieders spreken af wie wat doet, wanneer en met welk budget.`)])
      return paragraph
    })
    fragment.insert(fragment.length, paragraphs)
  })
}

/** The state of a document of `count` paragraphs, as our server stores it (document_states) and peers get it from a first client. */
export function largeDocumentState(count: number) {
  const doc = new Y.Doc()
  writeParagraphs(doc, count)
  return Y.encodeStateAsUpdate(doc)
}
