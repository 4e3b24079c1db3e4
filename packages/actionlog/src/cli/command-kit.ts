import { type Command, CommanderError, Option } from 'commander';
import { type Expr, fieldRef } from '../query/ast.js';
import { QueryError } from '../query/errors.js';
import { parseExpression } from '../query/parser.js';
import { parseLevel } from '../record/levels.js';
import { UsageError } from './time-range.js';

/**
 * Makes a sub-command exit with code 2 on a bad argument (commander's own errors, our
 * UsageError and QueryError), printing one clear message and never a stack trace.
 */
export function withUsageExit(command: Command): Command {
  command.exitOverride((error) => {
    if (error.exitCode !== 0) throw new CommanderError(2, error.code, error.message);
    throw error;
  });
  return command;
}

/** Runs a command's action: bad input becomes a message on stderr and exit code 2. */
export async function runAction(name: string, action: () => Promise<void>): Promise<void> {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // `actionlog log | head`: the reader left; stop quietly.
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await action();
  } catch (error) {
    if (error instanceof QueryError) {
      process.stderr.write(`actionlog ${name}: ${error.render()}\n`);
    } else if (error instanceof UsageError) {
      process.stderr.write(`actionlog ${name}: ${error.message}\n`);
    } else {
      throw error;
    }
    process.exitCode = 2;
  }
}

/** Writes to stdout, waiting when the pipe is full. */
export async function write(text: string): Promise<void> {
  if (!process.stdout.write(text))
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

export interface FilterFlags {
  keyword?: string[];
  actionType?: string[];
  status?: string[];
  sessionId?: string;
  toolName?: string[];
  category?: string[];
  level?: string;
  service?: string[];
  user?: string;
  where?: string;
}

const collect = (value: string, previous: string[] = []) => [
  ...previous,
  ...value.split(',').filter(Boolean),
];

/** The quick filters shared by `log`, `tail` and `stats`. */
export function addFilterOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '-k, --keyword <text>',
        'full-text: records whose line contains the text (any case); repeat to require several',
      ).argParser(collectOne),
    )
    .addOption(
      new Option('-a, --action-type <action>', 'only these actions (repeat, or a,b,c)').argParser(collect),
    )
    .addOption(
      new Option('--status <status>', 'only this status, e.g. failed (repeat for several)').argParser(
        collect,
      ),
    )
    .option('--session-id <id>', 'only this session')
    .addOption(
      new Option('--tool-name <name>', 'only tool calls of this tool (data.tool_name)').argParser(collect),
    )
    .addOption(
      new Option(
        '-c, --category <category>',
        'only this category, e.g. audit, http, agent (repeat for several)',
      ).argParser(collect),
    )
    .option('-l, --level <level>', 'this level and above: debug, info, warning, error, critical')
    .addOption(
      new Option('-s, --service <service>', 'only this service (repeat for several)').argParser(collect),
    )
    .option('-u, --user <id>', 'only this user (user_id)')
    .option('-w, --where <condition>', "any condition in the query language, e.g. 'duration_ms > 500'");
}

function collectOne(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The filter flags as conditions (all must hold). */
export function filterConditions(flags: FilterFlags): Expr[] {
  const conditions: Expr[] = [];
  const oneOf = (field: string, values: string[] | undefined) => {
    if (!values || values.length === 0) return;
    conditions.push(
      values.length === 1
        ? { kind: 'compare', field: fieldRef(field), op: '=', value: values[0] }
        : { kind: 'in', field: fieldRef(field), values },
    );
  };
  for (const term of flags.keyword ?? []) {
    if (term === '') throw new UsageError('--keyword: give some text to search for');
    conditions.push({ kind: 'text', term });
  }
  oneOf('action', flags.actionType);
  oneOf('status', flags.status);
  if (flags.sessionId !== undefined) oneOf('session_id', [flags.sessionId]);
  oneOf('data.tool_name', flags.toolName);
  oneOf('category', flags.category);
  oneOf('service', flags.service);
  if (flags.user !== undefined) oneOf('user_id', [flags.user]);
  if (flags.level !== undefined) {
    const level = parseLevel(flags.level);
    if (!level)
      throw new UsageError(`--level: got "${flags.level}"; expected debug, info, warning, error or critical`);
    conditions.push({ kind: 'compare', field: fieldRef('level'), op: '>=', value: level });
  }
  if (flags.where !== undefined) {
    try {
      conditions.push(parseExpression(flags.where));
    } catch (error) {
      if (error instanceof QueryError)
        throw new QueryError(`--where: ${error.detail}`, error.query, error.column);
      throw error;
    }
  }
  return conditions;
}

/** A positive whole number flag. */
export function positiveInt(text: string, flag: string, max = 1_000_000_000): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new UsageError(`${flag}: got "${text}"; expected a whole number from 1 to ${max}`);
  }
  return value;
}
