import { formatDate, formatDateTime, parseDate, parseDateTime } from '../clock';
import { SfError } from '../errors';
import { normalizeId } from '../ids';
import { FieldDef } from '../schema/types';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const bad = (code: string, message: string, fields: string[] = []): SfError => new SfError(400, code, message, fields);

/** Converts a client-supplied value to its stored wire form, enforcing type, length and picklist rules. */
export function coerceValue(f: FieldDef, raw: unknown): unknown {
  if (raw === null || raw === undefined) return f.type === 'boolean' ? false : null;
  switch (f.type) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw bad('JSON_PARSER_ERROR', `Cannot deserialize instance of boolean from VALUE_STRING value ${String(raw)} or request may be missing a required field`);
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw bad('JSON_PARSER_ERROR', `Cannot deserialize instance of ${f.type} from VALUE_STRING value ${String(raw)} or request may be missing a required field`);
      if (f.type === 'int' && !Number.isInteger(n)) throw bad('JSON_PARSER_ERROR', `Cannot deserialize instance of int from VALUE_NUMBER_FLOAT value ${n} or request may be missing a required field`);
      const intDigits = Math.max(f.precision - f.scale, 1);
      if (f.precision > 0 && Math.abs(Math.trunc(n)).toString().length > intDigits) {
        throw bad('NUMBER_OUTSIDE_VALID_RANGE', `${f.label}: value outside of valid range on numeric field: ${n}`, [f.name]);
      }
      return f.type === 'int' ? n : Number(n.toFixed(Math.min(f.scale || 0, 18)));
    }
    case 'date': {
      const s = String(raw);
      const t = parseDate(s) ?? parseDateTime(s);
      if (t === undefined) throw bad('JSON_PARSER_ERROR', `Cannot deserialize value of type \`java.util.Date\` from String "${s}": not a valid representation`);
      return formatDate(t);
    }
    case 'datetime': {
      const s = String(raw);
      const t = parseDateTime(s) ?? parseDate(s);
      if (t === undefined) throw bad('JSON_PARSER_ERROR', `Cannot deserialize value of type \`java.util.Date\` from String "${s}": not a valid representation`);
      return formatDateTime(t);
    }
    case 'reference':
    case 'id': {
      if (raw === '') return null;
      const id = normalizeId(raw);
      if (!id) throw bad('MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(raw)}`, [f.name]);
      return id;
    }
    default: {
      if (typeof raw === 'object') throw bad('JSON_PARSER_ERROR', `Cannot deserialize instance of string from START_OBJECT value { or request may be missing a required field`);
      const s = String(raw);
      if (s === '') return null;
      if (f.length > 0 && s.length > f.length) throw bad('STRING_TOO_LONG', `${f.label}: data value too large: ${s.length > 80 ? s.slice(0, 80) + '...' : s} (max length=${f.length})`, [f.name]);
      if (f.type === 'email' && !EMAIL.test(s)) throw bad('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]);
      if (f.restrictedPicklist && f.type === 'picklist' && !f.picklistValues.some((p) => p.value === s)) {
        throw bad('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${s}`, [f.name]);
      }
      if (f.restrictedPicklist && f.type === 'multipicklist') {
        for (const part of s.split(';')) {
          if (!f.picklistValues.some((p) => p.value === part)) throw bad('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${part}`, [f.name]);
        }
      }
      return s;
    }
  }
}
