import type { OtlpLogsRequest } from './otlp-records.js';

/**
 * The protobuf side of OTLP/HTTP: the code the OpenTelemetry JS project generated (protobufjs
 * static module) from the official opentelemetry-proto definitions, as shipped in
 * `@opentelemetry/otlp-transformer` 0.214.0 — the last version that ships it (later versions
 * hand-write their encoder and decode no requests). The version is pinned exactly for that
 * reason. Loaded on the first protobuf request: a server that only sees JSON never pays for it.
 */
interface MessageType {
  decode(bytes: Uint8Array): object;
  toObject(message: object, options: { longs: StringConstructor }): Record<string, unknown>;
  encode(message: object): { finish(): Uint8Array };
}

interface LogsService {
  ExportLogsServiceRequest: MessageType;
  ExportLogsServiceResponse: MessageType;
}

let logsService: Promise<LogsService> | undefined;

function load(): Promise<LogsService> {
  logsService ??= import('@opentelemetry/otlp-transformer/build/src/generated/root.js').then((module) => {
    const root = (module.default ?? module) as unknown as {
      opentelemetry: { proto: { collector: { logs: { v1: LogsService } } } };
    };
    return root.opentelemetry.proto.collector.logs.v1;
  });
  return logsService;
}

/** A protobuf body that is not an ExportLogsServiceRequest. */
export class ProtobufError extends Error {
  override readonly name = 'ProtobufError';
}

/**
 * The request as plain data: int64 as decimal strings, ids and bytes as Uint8Array. Throws
 * ProtobufError for bytes that are not the message (a truncated field, a wrong wire type, or
 * nesting deep enough to exhaust the decoder's stack).
 */
export async function decodeProtobufRequest(body: Uint8Array): Promise<OtlpLogsRequest> {
  const { ExportLogsServiceRequest } = await load();
  try {
    return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), { longs: String });
  } catch (error) {
    throw new ProtobufError((error as Error).message);
  }
}

export interface ExportLogsResponse {
  partialSuccess?: { rejectedLogRecords: number; errorMessage: string };
}

export async function encodeProtobufResponse(response: ExportLogsResponse): Promise<Buffer> {
  const { ExportLogsServiceResponse } = await load();
  const bytes = ExportLogsServiceResponse.encode(response).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
