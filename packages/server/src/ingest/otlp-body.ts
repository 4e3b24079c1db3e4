import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { BodyError } from './decode-body.js';
import {
  decodeProtobufRequest,
  type ExportLogsResponse,
  encodeProtobufResponse,
  ProtobufError,
} from './otlp-protobuf.js';
import type { OtlpLogsRequest } from './otlp-records.js';

const gunzipAsync = promisify(gunzip);

/** The two OTLP/HTTP encodings; a response is sent in the request's. */
export type OtlpEncoding = 'json' | 'protobuf';

const MEDIA_TYPES: Record<string, OtlpEncoding> = {
  'application/json': 'json',
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
};

export function otlpEncodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return Object.hasOwn(MEDIA_TYPES, mediaType) ? MEDIA_TYPES[mediaType] : undefined;
}

/** A gzip body that inflates past the limit (a 413, like a raw body past it). */
export class InflatedTooLargeError extends Error {
  override readonly name = 'InflatedTooLargeError';
}

/**
 * The body without its Content-Encoding (`gzip` or none: the two OTLP/HTTP names). `maxBytes`
 * bounds the inflated size, so a small bomb cannot take the memory a large body could not.
 * BodyError for a gzip stream that is truncated or not gzip.
 */
export async function inflate(body: Buffer, gzipped: boolean, maxBytes: number): Promise<Buffer> {
  if (!gzipped) return body;
  try {
    return await gunzipAsync(body, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InflatedTooLargeError(`the body inflates past this server's limit of ${maxBytes} bytes`);
    }
    throw new BodyError(`not valid gzip (${(error as Error).message})`);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** An ExportLogsServiceRequest from its bytes, or a BodyError saying why it cannot be read. */
export async function decodeOtlpRequest(body: Buffer, encoding: OtlpEncoding): Promise<OtlpLogsRequest> {
  if (encoding === 'protobuf') {
    try {
      return await decodeProtobufRequest(body);
    } catch (error) {
      if (error instanceof ProtobufError) {
        throw new BodyError(`not a valid OTLP ExportLogsServiceRequest protobuf (${error.message})`);
      }
      throw error;
    }
  }
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new BodyError('not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new BodyError(`not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BodyError(
      'expected an OTLP ExportLogsServiceRequest {"resourceLogs": [...]}; actionlog records go to POST /action-logs',
    );
  }
  return value as OtlpLogsRequest;
}

/**
 * The ExportLogsServiceResponse in the request's encoding. In OTLP/JSON int64 is a decimal
 * string (the protobuf JSON mapping), and a full success leaves `partialSuccess` unset.
 */
export async function encodeOtlpResponse(
  response: ExportLogsResponse,
  encoding: OtlpEncoding,
): Promise<{ contentType: string; body: Buffer | object }> {
  if (encoding === 'protobuf') {
    return { contentType: 'application/x-protobuf', body: await encodeProtobufResponse(response) };
  }
  const { partialSuccess } = response;
  return {
    contentType: 'application/json; charset=utf-8',
    body: partialSuccess
      ? {
          partialSuccess: {
            rejectedLogRecords: String(partialSuccess.rejectedLogRecords),
            errorMessage: partialSuccess.errorMessage,
          },
        }
      : {},
  };
}
