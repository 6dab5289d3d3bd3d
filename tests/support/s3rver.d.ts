// s3rver 3.7 ships no types: the little the S3 tests use of it.
declare module 's3rver' {
  export default class S3rver {
    constructor(options: { port: number; address: string; silent?: boolean; directory: string; configureBuckets?: Array<{ name: string; configs: unknown[] }> })
    run(): Promise<{ address: string; port: number }>
    close(): Promise<void>
  }
}
