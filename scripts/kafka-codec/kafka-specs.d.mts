// Types of kafka-specs.mjs for the fidelity test.
import type {Message, Range} from './model.mjs'

export function kafkaClientsJar(release: string): string
export function mavenCommand(release: string): string
export function readSpecsFromJar(jarPath: string): Map<string, unknown> | null
export function parseJsonWithComments(text: string): unknown
export function specToMessage(spec: unknown): Message
export function compareMessage(ours: Message, theirs: Message, versions: Range): string[]
export function comparableVersions(ours: Message, theirs: Message): Range | null
export function definitionReleases(): string[]
