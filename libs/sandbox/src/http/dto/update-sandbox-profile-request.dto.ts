import { PartialType } from '@nestjs/swagger';
import { CreateSandboxProfileRequestDto } from './create-sandbox-profile-request.dto';

/** Every field optional; `servers` and `spec` are replaced as a whole. */
export class UpdateSandboxProfileRequestDto extends PartialType(CreateSandboxProfileRequestDto) {}
