import type { CliConfig } from '../config';
import type { CliIo } from '../main';

/** What every command module receives. */
export interface CommandContext {
  readonly config: CliConfig;
  readonly io: CliIo;
  /** Sets the process exit code for a command that completed but must report failure. */
  readonly setExitCode: (code: number) => void;
}
