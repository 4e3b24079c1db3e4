/**
 * JSON schemas shared by the route plugins. A parameter's `description` says what is allowed:
 * the 400 for a bad value quotes it ("limit: got "0"; expected a whole number from 1 to 1000").
 */

export function limitParam(defaultValue: number, max = 1000) {
  return {
    type: 'integer',
    minimum: 1,
    maximum: max,
    default: defaultValue,
    description: `a whole number from 1 to ${max} (default ${defaultValue})`,
  } as const;
}

export const timeParam = (edge: 'from' | 'to') =>
  ({
    type: 'string',
    maxLength: 64,
    description: `${edge === 'from' ? 'the start (inclusive)' : 'the end (exclusive)'}: an ISO date or date-time (UTC when no zone), now, or a time ago such as 15m, 24h, 7d`,
  }) as const;

/** One record in the original action-logs shape (see toAction); other fields pass through. */
export const actionSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    timestamp: { type: ['string', 'null'] },
    service: { type: ['string', 'null'] },
    action: { type: ['string', 'null'] },
    status: { type: ['string', 'null'] },
    duration: { type: ['integer', 'null'], description: 'duration_ms rounded to whole milliseconds' },
    error: { type: ['string', 'null'], description: "the error's message" },
  },
  required: ['timestamp', 'service', 'action', 'status', 'duration', 'error'],
} as const;

export const actionsResponse = {
  type: 'object',
  properties: { actions: { type: 'array', items: actionSchema } },
  required: ['actions'],
} as const;

export const errorResponse = {
  type: 'object',
  properties: { detail: { type: 'string' } },
  required: ['detail'],
} as const;
