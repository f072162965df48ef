/** Reading a field value from either system the same way in every flow. */

/** A field's value as text, or null when it is absent, null or empty (Salesforce and Coupa both use all three). */
export const textOrNull = (v: unknown): string | null => (v === undefined || v === null || v === '' ? null : String(v));
