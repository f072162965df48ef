import { SfError } from '../errors';

/** SOQL errors carry the query, a caret under the offending token and its row/column, like a real org. */
export function soqlError(code: string, soql: string, token: string, text: string): SfError {
  const lines = soql.split('\n');
  let row = 1;
  let col = 1;
  const needle = token.toLowerCase();
  for (let i = 0; i < lines.length; i++) {
    const at = needle ? lines[i].toLowerCase().indexOf(needle) : -1;
    if (at >= 0) {
      row = i + 1;
      col = at + 1;
      break;
    }
  }
  const line = lines[row - 1] ?? '';
  return new SfError(400, code, `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${text}`);
}

export const noSuchColumn = (soql: string, field: string, entity: string): SfError =>
  soqlError(
    'INVALID_FIELD',
    soql,
    field,
    `No such column '${field}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );

export const badRelationship = (soql: string, rel: string): SfError =>
  soqlError(
    'INVALID_FIELD',
    soql,
    rel,
    `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
