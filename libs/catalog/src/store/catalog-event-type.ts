/** Domain events of the catalog (each published in the transaction of its change). */
export const CatalogEventType = {
  ServerRegistered: 'catalog.server.registered',
  ServerUpdated: 'catalog.server.updated',
  ToolReported: 'catalog.tool.reported',
  ToolQuarantined: 'catalog.tool.quarantined',
  ToolApproved: 'catalog.tool.approved',
  ToolBlocked: 'catalog.tool.blocked',
  ToolRiskChanged: 'catalog.tool.risk_changed',
} as const;

export type CatalogEventType = (typeof CatalogEventType)[keyof typeof CatalogEventType];
