import { SandboxProfileEntity } from './sandbox-profile.entity';
import { SandboxQuarantineEntity } from './sandbox-quarantine.entity';

export const SANDBOX_ENTITIES = [SandboxProfileEntity, SandboxQuarantineEntity];
