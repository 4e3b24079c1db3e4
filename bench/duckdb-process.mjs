// `node bench/duckdb-process.mjs '<sql>'`: DuckDB as a new process, the way the actionlog CLI is
// timed: Node starts, loads @duckdb/node-api, opens an in-memory database and runs one query
// (schema detection and all). Prints the result as JSON: {count, rows}.
import { DuckDBInstance } from '@duckdb/node-api';

const sql = process.argv[2];
if (!sql) {
  process.stderr.write("usage: node bench/duckdb-process.mjs '<sql>'\n");
  process.exit(2);
}
const connection = await (await DuckDBInstance.create(':memory:')).connect();
const reader = await connection.runAndReadAll(sql);
const names = reader.columnNames();
const rows = reader
  .getRows()
  .map((row) =>
    Object.fromEntries(names.map((name, i) => [name, typeof row[i] === 'bigint' ? Number(row[i]) : row[i]])),
  );
// Whole records are only counted (as the CLI's jsonl output is); aggregates are returned.
process.stdout.write(
  JSON.stringify(rows.length > 100 ? { count: rows.length } : { count: rows.length, rows }),
);
