// The one value the connect_provider tool needs from the sign-in code at start-up, apart from it: importing
// background-sign-in.ts would load the loopback listener (node:http), the prompt and the browser opener.

/** A sign-in that could not start: what the user does instead (run the CLI, or give a non-secret value). */
export class SignInUnavailable extends Error {
  constructor(
    message: string,
    readonly nextStep: string,
  ) {
    super(message);
  }
}
