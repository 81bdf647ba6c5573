// Types of gen-kafka-codec.mjs for the test setup that regenerates the codec.
export const DEFINITIONS: string
export const OUTPUT: string
export function generateCodec(definitions?: string): Map<string, string>
export function writeCodec(modules?: Map<string, string>, output?: string): number
