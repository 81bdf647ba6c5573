// The registry's errors, as Confluent Schema Registry gives them: an HTTP status, Confluent's error_code and its
// message text (io.confluent.kafka.schemaregistry.rest.exceptions.Errors and the Rest*Exception classes), so a
// client that reads `error_code` (Confluent's own clients do) behaves as it does against Confluent's registry.

/** A refusal of the registry: answered as `{"error_code": errorCode, "message": message}` with `status`. */
export class RegistryError extends Error {
  readonly status: number
  readonly errorCode: number

  constructor(status: number, errorCode: number, message: string) {
    super(message)
    this.name = 'RegistryError'
    this.status = status
    this.errorCode = errorCode
  }
}

export const subjectNotFound = (subject: string) => new RegistryError(404, 40401, `Subject '${subject}' not found.`)
export const versionNotFound = (version: number) => new RegistryError(404, 40402, `Version ${version} not found.`)
export const schemaNotFound = (id?: number) =>
  new RegistryError(404, 40403, id === undefined ? 'Schema not found' : `Schema ${id} not found`)
// Confluent's texts, the missing space before "Set" included.
export const subjectSoftDeleted = (subject: string) =>
  new RegistryError(404, 40404, `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`)
export const subjectNotSoftDeleted = (subject: string) =>
  new RegistryError(404, 40405, `Subject '${subject}' was not deleted first before being permanently deleted`)
export const versionSoftDeleted = (subject: string, version: number) =>
  new RegistryError(
    404,
    40406,
    `Subject '${subject}' Version ${version} was soft deleted.Set permanent=true to delete permanently`,
  )
export const versionNotSoftDeleted = (subject: string, version: number) =>
  new RegistryError(
    404,
    40407,
    `Subject '${subject}' Version ${version} was not deleted first before being permanently deleted`,
  )
export const subjectCompatibilityNotConfigured = (subject: string) =>
  new RegistryError(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`)
export const subjectModeNotConfigured = (subject: string) =>
  new RegistryError(404, 40409, `Subject '${subject}' does not have subject-level mode configured`)

/**
 * Confluent answers an incompatible schema with HTTP 409 and error_code 409 (Confluent Platform 7.x and 8.0; 8.1 and
 * later say 40901 with the same status and message): clients test the status.
 */
export const incompatibleSchema = (message: string) => new RegistryError(409, 409, message)

export const invalidSchema = (message: string) => new RegistryError(422, 42201, message)
export const invalidVersion = (version: string) =>
  new RegistryError(
    422,
    42202,
    `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  )
export const invalidCompatibility = () =>
  new RegistryError(
    422,
    42203,
    'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
  )
export const invalidMode = (message = 'Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.') =>
  new RegistryError(422, 42204, message)
export const operationNotPermitted = (message: string) => new RegistryError(422, 42205, message)
/** `key` as Confluent's SchemaKey prints itself. */
export const referenceExists = (subject: string, version: number) =>
  new RegistryError(
    422,
    42206,
    `One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=${subject},version=${version}}.`,
  )
export const idDoesNotMatch = (message: string) => new RegistryError(422, 42207, message)
export const invalidSubject = (subject: string) =>
  new RegistryError(422, 42208, `The specified subject '${subject}' is not a valid.`)
export const schemaTooLarge = (message: string) => new RegistryError(422, 42209, message)
export const storeError = (message: string) => new RegistryError(500, 50001, message)

// What Confluent's REST layer (rest-utils, Jersey, Jetty) answers before a resource sees the request.
export const notFound = () => new RegistryError(404, 404, 'HTTP 404 Not Found')
export const methodNotAllowed = () => new RegistryError(405, 405, 'HTTP 405 Method Not Allowed')
export const unsupportedMediaType = () => new RegistryError(415, 415, 'HTTP 415 Unsupported Media Type')
export const malformedJson = (detail: string) =>
  new RegistryError(400, 400, `Unrecognized token in the request body: it is not valid JSON (${detail})`)
export const unprocessable = (message: string) => new RegistryError(422, 422, message)
export const requestTooLarge = (limit: number) =>
  new RegistryError(
    413,
    413,
    `The request body is larger than ${limit} bytes (kafkalite.schema.registry.max.request.bytes): send a smaller schema, or raise the setting.`,
  )
export const unauthorized = () => new RegistryError(401, 401, 'Unauthorized')
