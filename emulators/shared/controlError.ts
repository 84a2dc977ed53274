// The one error type of an emulator's own control API (unknown mailbox, wrong field), answered as a
// plain `{"error": message}` body whatever the provider's dialect, and the checks every control verb
// shares: a valid mailbox address, and a model's TypeError turned into a 400.

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

/** The address as a mailbox key (trimmed, lower case); a 400 when it is not an address. */
export function checkEmail(email: unknown): string {
  if (typeof email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(email.trim())) throw new ControlError(400, 'a valid email address is required');
  return email.trim().toLowerCase();
}

/** Runs a model's operation whose TypeErrors name the bad field, answering them as 400s. */
export function badInputAs400<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof TypeError) throw new ControlError(400, error.message);
    throw error;
  }
}
