import { z } from 'zod';
import { configFileSchema } from './schema.js';

/** The JSON Schema of `actionlog.config.json`, for editors (`"$schema": "./node_modules/actionlog/actionlog.schema.json"`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'actionlog configuration',
  };
}
