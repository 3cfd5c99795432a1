// What fixes a failed Zoom call, by how the connection was made: the commands that connect it again.
import type { FailureContext } from '../../http/failure.js';
import { connectCommand } from '../provider.js';
import { zoom } from './manifest.js';
import { describeZoomError, displayName } from './wire.js';

export const reconnect = connectCommand(zoom.id);

/** A Server-to-Server OAuth app's calls. */
export const failure: FailureContext = {
  provider: displayName,
  describe: describeZoomError,
  reauthHint: `reconnect Zoom: ${reconnect} (check the account id, client id and secret of the Server-to-Server OAuth app)`,
};

/** A signed-in user's calls (a General app's public client). */
export const userFailure: FailureContext = {
  ...failure,
  reauthHint: `sign in to Zoom again: ${reconnect} --client-id <public client id>`,
};
