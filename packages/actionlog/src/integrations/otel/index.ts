// `import 'actionlog/otel'`: from here on, records logged inside an active OpenTelemetry span carry
// its trace_id and span_id.
import * as api from '@opentelemetry/api';
import { enableOpenTelemetry } from './enable.js';

enableOpenTelemetry(api);

export { disableOpenTelemetry, enableOpenTelemetry, type OpenTelemetryApi } from './enable.js';
