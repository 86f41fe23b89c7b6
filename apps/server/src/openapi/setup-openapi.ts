import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { decisionRouteOpenApi } from '@mandate/decisions';

export const OPENAPI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/json';

/** OpenAPI 3 document generated from every controller in the app: UI at /docs, JSON at /docs/json. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Mandate API')
    .setDescription(
      "Governance engine for AI agents' MCP tool calls. Errors are `{code, message, requestId, details?}`.",
    )
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup(
    OPENAPI_PATH,
    app,
    () => decisionRouteOpenApi(SwaggerModule.createDocument(app, config)),
    {
      jsonDocumentUrl: OPENAPI_JSON_PATH,
      yamlDocumentUrl: 'docs/yaml',
    },
  );
}
