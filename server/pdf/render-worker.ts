// One PDF render in a worker thread that ends with it (server/pdf/editions.ts): pdfkit, the fonts,
// the hyphenation patterns and the render's own heap (~50 MB) go back to the system afterwards
// instead of staying in the server for good (docs/decisions/009).
import { parentPort, workerData } from 'node:worker_threads'
import { renderHandbookPdf, type PdfInput } from './handbook-pdf'

parentPort!.postMessage(await renderHandbookPdf(workerData as PdfInput))
