import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Facts the decision pipeline's stages record with each decision (pinned digest, grants, approval, …). */
export class DecisionFacts1795470000000 implements MigrationInterface {
  name = 'DecisionFacts1795470000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "decisions" ADD "facts" jsonb NOT NULL DEFAULT '{}'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "decisions" DROP COLUMN "facts"`);
  }
}
