/** An MCP tool definition as a server lists it (`tools/list`), the unit Mandate pins by digest. */
export interface ToolDefinition {
  name: string;
  description?: string;
  title?: string;
  inputSchema: unknown;
  outputSchema?: unknown;
  annotations?: unknown;
}
