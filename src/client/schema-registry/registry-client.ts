// PLACEHOLDER until branch `registry` lands: the interface the serdes are written against (Confluent's JS client
// names). On merge, take the registry branch's file whole.
import {KafkaException} from '../../errors.js'

export interface SchemaReference {
  name: string
  subject: string
  version: number
}
export interface SchemaInfo {
  schema: string
  schemaType?: 'AVRO' | 'JSON' | 'PROTOBUF'
  references?: SchemaReference[]
}
export interface SchemaMetadata extends SchemaInfo {
  id: number
  subject: string
  version: number
}

export class SchemaRegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: number,
  ) {
    super(message)
  }
}

export class SchemaRegistryClient {
  constructor(
    readonly config: {
      'schema.registry.url'?: string
      'basic.auth.credentials.source'?: string
      'basic.auth.user.info'?: string
    } = {},
  ) {}
  #missing(): never {
    throw new KafkaException('ILLEGAL_STATE', 'The schema registry client is not merged yet.')
  }
  register(_subject: string, _schema: SchemaInfo, _normalize?: boolean): Promise<number> {
    this.#missing()
  }
  getBySubjectAndId(_subject: string | undefined, _id: number): Promise<SchemaInfo> {
    this.#missing()
  }
  getId(_subject: string, _schema: SchemaInfo, _normalize?: boolean): Promise<number> {
    this.#missing()
  }
  getLatestSchemaMetadata(_subject: string): Promise<SchemaMetadata> {
    this.#missing()
  }
  getSchemaMetadata(_subject: string, _version: number): Promise<SchemaMetadata> {
    this.#missing()
  }
  close(): void {}
}
