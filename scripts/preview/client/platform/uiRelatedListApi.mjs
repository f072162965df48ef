import { RestWireAdapter, describe, objectForId, quote, soql, splitField, toUiRecord } from './transport.mjs';

/** Child object and lookup field of a related list, from the parent's describe (childRelationships). */
async function relationship(parentRecordId, relatedListId) {
  const parent = await objectForId(parentRecordId);
  const d = await describe(parent);
  const rel = (d.childRelationships || []).find((r) => r.relationshipName === relatedListId);
  if (!rel) {
    throw {
      status: 400,
      statusText: 'Bad Request',
      body: [{ errorCode: 'INVALID_TYPE', message: `${relatedListId} is not a related list of ${parent}` }]
    };
  }
  return rel;
}

function orderBy(sortBy) {
  const terms = (sortBy || []).map((s) => {
    const desc = s.startsWith('-');
    const [, field] = splitField(desc ? s.slice(1) : s);
    return desc ? `${field} DESC NULLS LAST` : `${field} ASC NULLS FIRST`;
  });
  return [...terms, 'Id'].join(', ');
}

export async function loadRelatedList(config) {
  const { childSObject, field } = await relationship(config.parentRecordId, config.relatedListId);
  const names = [...new Set([...(config.fields || []), ...(config.optionalFields || [])].map((f) => splitField(f)[1]))];
  const pageSize = config.pageSize || 50;
  const offset = Number(config.pageToken || 0);
  const where = `${field} = ${quote(config.parentRecordId)}`;
  const select = ['Id', ...names.filter((n) => n !== 'Id')].join(', ');
  const [page, count] = await Promise.all([
    soql(
      `SELECT ${select} FROM ${childSObject} WHERE ${where} ORDER BY ${orderBy(config.sortBy)} LIMIT ${pageSize} OFFSET ${offset}`
    ),
    soql(`SELECT COUNT() FROM ${childSObject} WHERE ${where}`)
  ]);
  const next = offset + page.records.length;
  return {
    records: page.records.map((r) => toUiRecord(r, childSObject)),
    count: count.totalSize,
    pageSize,
    currentPageToken: String(offset),
    nextPageToken: next < count.totalSize ? String(next) : null,
    previousPageToken: offset > 0 ? String(Math.max(0, offset - pageSize)) : null,
    listInfoETag: null
  };
}

export class getRelatedListRecords extends RestWireAdapter {
  static instances = new Set();

  load(config) {
    if (!config || !config.parentRecordId || !config.relatedListId) {
      return undefined;
    }
    return loadRelatedList(config);
  }
}

/** Refreshes every connected related list of this parent (the preview's stand-in for LDS cache updates). */
export function refreshRelatedLists(parentRecordId) {
  return Promise.all(
    [...getRelatedListRecords.instances]
      .filter((a) => a.config && a.config.parentRecordId === parentRecordId)
      .map((a) => a.refresh())
  );
}
