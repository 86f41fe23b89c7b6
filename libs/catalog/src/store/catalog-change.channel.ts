/** Channel on which a committed catalog change is announced: payload `{"orgId": …, "revision": n}`. */
export const CATALOG_CHANGED_CHANNEL = 'mandate_catalog_changed';
