import Hypher from 'hypher'
import dutch from 'hyphenation.nl'

const hypher = new Hypher(dutch)

/** Dutch hyphenation points as soft hyphens: pdfkit breaks long compounds there. */
export function hyphenate(text: string) {
  return hypher.hyphenateText(text, 7)
}
