import type { QueryAst } from 'actionlog';

/**
 * The column names of a query's result when it is a table (after `stats`, or as `fields` shows
 * it), in order; undefined when the result is whole records. The same rule as the CLI's tables.
 */
export function outputColumns(ast: QueryAst): string[] | undefined {
  let columns: string[] | undefined;
  let projection: string[] | undefined;
  for (const stage of ast.stages) {
    if (stage.kind === 'stats') {
      columns = [...stage.by.map((k) => k.as), ...stage.aggregates.map((a) => a.as)];
      projection = undefined;
    } else if (stage.kind === 'fields') {
      projection = stage.fields.map((p) => p.as);
    } else if (stage.kind === 'parse' && columns) {
      columns = [...columns.filter((c) => !stage.names.includes(c)), ...stage.names];
    }
  }
  return projection ?? columns;
}
