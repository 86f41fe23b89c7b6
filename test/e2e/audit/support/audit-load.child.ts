/**
 * A server process under audit write load (run by the process-level audit tests, compiled with swc): it
 * builds the real application (createApp, as main.ts does) on DATABASE_URL and, with AUDIT_LOAD_WRITERS
 * concurrent writers for AUDIT_LOAD_MS milliseconds, appends to AUDIT_LOAD_ORG's chain through both real
 * paths — a domain event published in its transaction, and a batch of decision events appended with
 * appendBatch in one transaction (the recorder's group commit). After each COMMIT it prints
 * `ack <event id>` per event (stdout to a pipe is synchronous on Linux: a printed id was committed).
 * Ends with `done <events>`.
 */
import { randomUUID } from 'node:crypto';
import { AuditChainAppender, type AuditEventInput } from '@mandate/audit';
import { DomainEventPublisher } from '@mandate/events';
import { DataSource } from 'typeorm';
import { createApp } from '../../../../apps/server/src/create-app';

const BATCH = 8;

async function main(): Promise<void> {
  const org = process.env.AUDIT_LOAD_ORG ?? '';
  const durationMs = Number(process.env.AUDIT_LOAD_MS ?? '30000');
  const writers = Number(process.env.AUDIT_LOAD_WRITERS ?? '4');
  const name = process.env.AUDIT_LOAD_NAME ?? `p${process.pid}`;
  const app = await createApp({
    env: {
      DATABASE_URL: process.env.DATABASE_URL,
      MANDATE_MASTER_KEY: process.env.MANDATE_MASTER_KEY,
      LOG_LEVEL: 'silent',
      MANDATE_MIGRATE_ON_START: 'false',
      AUDIT_CHECKPOINT_EVERY: '500',
      AUDIT_CHECKPOINT_INTERVAL_SECONDS: '2',
    },
  });
  const dataSource = app.get(DataSource);
  const publisher = app.get(DomainEventPublisher);
  const appender = app.get(AuditChainAppender);
  process.stdout.write(`ready ${name}\n`);
  const until = Date.now() + durationMs;
  let total = 0;
  let n = 0;

  const writer = async (w: number): Promise<void> => {
    while (Date.now() < until) {
      n += 1;
      if (n % 2 === 0) {
        const ids: string[] = [];
        await dataSource.transaction(async (m) => {
          ids.push(
            (
              await publisher.publish(m, {
                type: 'test.load',
                orgId: org,
                actor: { type: 'system', id: `${name}-w${w}` },
                data: { n, writer: w, process: name },
              })
            ).id,
          );
        });
        process.stdout.write(`ack ${ids[0]}\n`);
        total += 1;
      } else {
        const events: AuditEventInput[] = Array.from({ length: BATCH }, (_, i) => ({
          id: randomUUID(),
          org,
          time: new Date(),
          type: 'tool_call.decided',
          actor: { type: 'agent', id: `${name}-agent-${w}` },
          subject: { type: 'tool', id: 'load/test' },
          data: { decision: 'allow', agent: `${name}-agent-${w}`, n, i, input: { arguments: { i } } },
        }));
        await dataSource.transaction((m) =>
          appender.appendBatch((text, values) => m.query(text, values), events),
        );
        process.stdout.write(events.map((e) => `ack ${e.id}\n`).join(''));
        total += events.length;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  process.stdout.write(`done ${total}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
