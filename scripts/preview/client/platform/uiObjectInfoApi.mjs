import { RestWireAdapter, describe } from './transport.mjs';

export async function loadObjectInfo(objectApiName) {
  const d = await describe(objectApiName);
  const fields = {};
  for (const f of d.fields) {
    fields[f.name] = {
      apiName: f.name,
      label: f.label,
      dataType: f.type,
      createable: f.createable,
      updateable: f.updateable,
      required: !f.nillable && f.createable && !f.defaultedOnCreate
    };
  }
  return {
    apiName: d.name,
    label: d.label,
    labelPlural: d.labelPlural,
    keyPrefix: d.keyPrefix,
    createable: d.createable,
    updateable: d.updateable,
    deletable: d.deletable,
    queryable: d.queryable,
    fields
  };
}

export class getObjectInfo extends RestWireAdapter {
  static instances = new Set();

  load(config) {
    const name = config && config.objectApiName;
    if (!name) {
      return undefined;
    }
    return loadObjectInfo(typeof name === 'string' ? name : name.objectApiName);
  }
}
