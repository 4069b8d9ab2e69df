// Where the command line keeps what must outlive one run when no --data-dir is given: the HTTPS certificate
// authority (so NODE_EXTRA_CA_CERTS stays valid) and the development Entra issuer's key. The OS cache directory,
// so it is the same whatever the working directory, and nothing lands in a project.
import { homedir } from 'node:os';
import { join } from 'node:path';

const NAME = 'acs-identity-emulator';

export function defaultKeyDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env['LOCALAPPDATA'] || join(homedir(), 'AppData', 'Local'), NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', NAME);
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), NAME);
}
