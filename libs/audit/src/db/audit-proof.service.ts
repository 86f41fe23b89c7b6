import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@mandate/common';
import type { SignedCheckpoint } from '../checkpoint';
import { consistencyProof, inclusionProof, merkleRoot } from '../merkle-tree';
import { AuditCheckpointService } from './audit-checkpoint.service';
import { AuditLogRepository } from './audit-log.repository';

export interface InclusionProofResult {
  seq: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  /** RFC 6962 audit path of leaf index seq − 1, hex. */
  proof: string[];
  /** The signed checkpoint of that tree size, when one was made. */
  checkpoint: SignedCheckpoint | null;
}

export interface ConsistencyProofResult {
  fromSize: number;
  toSize: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
  checkpoints: { from: SignedCheckpoint | null; to: SignedCheckpoint | null };
}

/** Largest tree a proof is computed over (proofs load the leaves: 32 bytes each). */
export const MAX_PROOF_TREE_SIZE = 2_000_000;

/**
 * RFC 6962 inclusion and consistency proofs over an organisation's stored leaves, computed on demand
 * (O(treeSize) reads; see the "Audit log" section of README.md for the planned node table).
 */
@Injectable()
export class AuditProofService {
  constructor(
    private readonly log: AuditLogRepository,
    private readonly checkpoints: AuditCheckpointService,
  ) {}

  async inclusion(org: string, seq: number, treeSize: number): Promise<InclusionProofResult> {
    await this.checkSize(org, treeSize);
    if (seq < 1 || seq > treeSize) {
      throw new DomainError(ErrorCode.BadRequest, 'seq must be in [1, treeSize]', { field: 'seq' });
    }
    const leaves = await this.loadLeaves(org, treeSize);
    return {
      seq,
      treeSize,
      leafHash: leaves[seq - 1].toString('hex'),
      rootHash: merkleRoot(leaves).toString('hex'),
      proof: inclusionProof(leaves, seq - 1).map((h) => h.toString('hex')),
      checkpoint: await this.checkpoints.at(org, treeSize),
    };
  }

  async consistency(org: string, fromSize: number, toSize: number): Promise<ConsistencyProofResult> {
    await this.checkSize(org, toSize);
    if (fromSize < 1 || fromSize > toSize) {
      throw new DomainError(ErrorCode.BadRequest, 'from must be in [1, to]', { field: 'from' });
    }
    const leaves = await this.loadLeaves(org, toSize);
    return {
      fromSize,
      toSize,
      fromRoot: merkleRoot(leaves.slice(0, fromSize)).toString('hex'),
      toRoot: merkleRoot(leaves).toString('hex'),
      proof: consistencyProof(leaves, fromSize).map((h) => h.toString('hex')),
      checkpoints: {
        from: await this.checkpoints.at(org, fromSize),
        to: await this.checkpoints.at(org, toSize),
      },
    };
  }

  private async checkSize(org: string, treeSize: number): Promise<void> {
    const head = await this.log.head(org);
    if (treeSize < 1 || treeSize > head.seq) {
      throw new DomainError(ErrorCode.BadRequest, `tree size must be in [1, ${head.seq}]`, {
        field: 'treeSize',
        headSeq: head.seq,
      });
    }
    if (treeSize > MAX_PROOF_TREE_SIZE) {
      throw new DomainError(
        ErrorCode.BadRequest,
        `proofs are limited to trees of ${MAX_PROOF_TREE_SIZE} events`,
      );
    }
  }

  private async loadLeaves(org: string, treeSize: number): Promise<Buffer[]> {
    const leaves: Buffer[] = [];
    for await (const leaf of this.log.leaves(org, 1, treeSize)) leaves.push(leaf);
    if (leaves.length !== treeSize) {
      throw new DomainError(
        ErrorCode.Conflict,
        `the stored audit log has ${leaves.length} of ${treeSize} leaves`,
      );
    }
    return leaves;
  }
}
