import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const font = (file: string) => require.resolve(`@expo-google-fonts/source-sans-3/${file}`)

/** Source Sans 3 from npm, embedded (subset) in every PDF: the same face as the site. */
export const pdfFonts = {
  regular: font('400Regular/SourceSans3_400Regular.ttf'),
  italic: font('400Regular_Italic/SourceSans3_400Regular_Italic.ttf'),
  bold: font('700Bold/SourceSans3_700Bold.ttf'),
  boldItalic: font('700Bold_Italic/SourceSans3_700Bold_Italic.ttf'),
  heading: font('600SemiBold/SourceSans3_600SemiBold.ttf'),
}
