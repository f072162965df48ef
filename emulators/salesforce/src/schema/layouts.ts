import { describeField } from './describe';
import { to18 } from '../ids';
import { FieldDef, ObjectDef } from './types';

/**
 * Page layouts, compact layouts, approval layouts and named layouts, as `sobjects/{Type}/describe/…` returns them. The
 * emulator has no layout metadata, so every object gets what a fresh org gives it: one page layout with every
 * field a user sees (an "Information" section, then "System Information"), the "System Default" compact layout
 * (`id` null, name `SYSTEM`, the name field first), no approval layouts (no approval processes) and no named layouts.
 */

const MASTER_RECORD_TYPE_ID = '012000000000000AAA';
const SYSTEM_FIELDS = ['CreatedById', 'CreatedDate', 'LastModifiedById', 'LastModifiedDate'];
const HIDDEN = ['Id', 'IsDeleted', 'SystemModstamp', 'LastActivityDate', 'LastViewedDate', 'LastReferencedDate', 'MasterRecordId'];

/** A stable 18-character id with the given 3-character prefix, derived from the object's key prefix. */
function layoutId(prefix: string, obj: ObjectDef): string {
  return to18(`${prefix}${obj.keyPrefix}000000000`.slice(0, 15));
}

function layoutItem(f: FieldDef, tabOrder: number, edit: boolean): Record<string, unknown> {
  return {
    editableForNew: edit && f.createable,
    editableForUpdate: edit && f.updateable,
    label: f.label,
    layoutComponents: [{ components: [], details: describeField(f), displayLines: f.type === 'textarea' ? 3 : 1, tabOrder, type: 'Field', value: f.name }],
    placeholder: false,
    required: edit && f.required && f.createable,
  };
}

function section(heading: string, fields: FieldDef[], edit: boolean, id: string): Record<string, unknown> {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const pair = fields.slice(i, i + 2);
    const items = pair.map((f, j) => layoutItem(f, i + j + 1, edit));
    if (items.length === 1) items.push({ editableForNew: false, editableForUpdate: false, label: '', layoutComponents: [], placeholder: true, required: false });
    rows.push({ layoutItems: items, numItems: items.length });
  }
  return { collapsed: false, columns: 2, heading, layoutRows: rows, layoutSectionId: id, parentLayoutId: null, rows: rows.length, tabOrder: 'TopToBottom', useCollapsibleSection: false, useHeading: true };
}

export function describeLayout(obj: ObjectDef): Record<string, unknown> {
  const visible = obj.fields.filter((f) => !HIDDEN.includes(f.name) && f.type !== 'id' && !f.name.endsWith('__pc'));
  const info = visible.filter((f) => !SYSTEM_FIELDS.includes(f.name));
  const system = visible.filter((f) => SYSTEM_FIELDS.includes(f.name));
  const editable = info.filter((f) => f.createable || f.updateable);
  const id = layoutId('00h', obj);
  const sections = (edit: boolean) => [
    section('Information', edit ? editable : info, edit, layoutId('01B', obj)),
    ...(edit || !system.length ? [] : [section('System Information', system, false, layoutId('01C', obj))]),
  ];
  return {
    buttonLayoutSection: { detailButtons: [] },
    detailLayoutSections: sections(false),
    editLayoutSections: sections(true),
    feedView: null,
    highlightsPanelLayoutSection: null,
    id,
    multirowEditLayoutSections: [],
    offlineLinks: [],
    quickActionList: { quickActionListItems: [] },
    relatedContent: null,
    relatedLists: [],
    saveOptions: [],
  };
}

export function describeLayouts(obj: ObjectDef, version: string): Record<string, unknown> {
  const layout = describeLayout(obj);
  const base = `/services/data/v${version}/sobjects/${obj.name}/describe/layouts`;
  return {
    layouts: [layout],
    recordTypeMappings: [
      {
        available: true,
        defaultRecordTypeMapping: true,
        developerName: 'Master',
        layoutId: layout.id,
        master: true,
        name: 'Master',
        picklistsForRecordType: [],
        recordTypeId: MASTER_RECORD_TYPE_ID,
        urls: { layout: `${base}/${MASTER_RECORD_TYPE_ID}` },
      },
    ],
    recordTypeSelectorRequired: [false],
  };
}

export function describeCompactLayouts(obj: ObjectDef, version: string): Record<string, unknown> {
  const nameField = obj.fields.find((f) => f.nameField);
  const fields = nameField ? [nameField] : [];
  const systemDefault = {
    actions: [],
    fieldItems: fields.map((f, i) => layoutItem(f, i + 1, false)),
    id: null,
    imageItems: [],
    label: 'System Default',
    name: 'SYSTEM',
    objectType: obj.name,
  };
  return {
    compactLayouts: [systemDefault],
    defaultCompactLayoutId: null,
    recordTypeCompactLayoutMappings: [
      {
        available: true,
        compactLayoutId: null,
        compactLayoutName: 'SYSTEM',
        recordTypeId: MASTER_RECORD_TYPE_ID,
        recordTypeName: 'Master',
        urls: { compactLayout: `/services/data/v${version}/sobjects/${obj.name}/describe/compactLayouts/${MASTER_RECORD_TYPE_ID}` },
      },
    ],
  };
}
