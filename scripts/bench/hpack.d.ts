/** The parts of hpack.js 2.1.6 (no published types) that scripts/bench/h2frames.ts uses. */
declare module 'hpack.js' {
  export interface HeaderField {
    name: string;
    value: string;
    neverIndex: boolean;
  }
  export interface Decompressor {
    /** Internal: the bit-level decoder the library's own write() feeds. */
    _decoder: { push(chunk: Buffer): void; isEmpty(): boolean };
    /** Internal: decodes one header field representation and push()es it. */
    _execute(): void;
    push(field: HeaderField): boolean;
    updateTableSize(size: number): void;
  }
  export const decompressor: { create(options: { table: { size: number } }): Decompressor };
}
